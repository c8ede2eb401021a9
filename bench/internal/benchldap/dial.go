// Package benchldap holds what the benchmark tools share about reaching an
// LDAP server: the address forms they accept and a bound go-ldap
// connection (RFC 4511 simple bind).
package benchldap

import (
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// URL returns addr as an LDAP URL: "host:port" becomes "ldap://host:port";
// an address that already has a scheme is returned unchanged.
func URL(addr string) string {
	if strings.Contains(addr, "://") {
		return addr
	}
	return "ldap://" + addr
}

// HostPort returns the host:port of addr ("host:port" or an ldap:// URL).
func HostPort(addr string) string {
	if _, rest, ok := strings.Cut(addr, "://"); ok {
		return strings.TrimSuffix(rest, "/")
	}
	return addr
}

// Dial connects to addr ("host:port" or an ldap:// URL) and, when dn is not
// empty, binds as dn with password pw.
func Dial(addr, dn, pw string) (*ldap.Conn, error) {
	url := URL(addr)
	conn, err := ldap.DialURL(url)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	if dn != "" {
		if err := conn.Bind(dn, pw); err != nil {
			conn.Close()
			return nil, fmt.Errorf("bind %s as %s: %w", url, dn, err)
		}
	}
	return conn, nil
}
