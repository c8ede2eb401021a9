// Package ldapconn opens the benchmark tools' LDAP connections.
package ldapconn

import (
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Dial connects to addr ("host:port" or an ldap:// URL) and binds as dn
// with password pw when dn is set.
func Dial(addr, dn, pw string) (*ldap.Conn, error) {
	if !strings.Contains(addr, "://") {
		addr = "ldap://" + addr
	}
	conn, err := ldap.DialURL(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if dn != "" {
		if err := conn.Bind(dn, pw); err != nil {
			conn.Close()
			return nil, fmt.Errorf("bind %s as %s: %w", addr, dn, err)
		}
	}
	return conn, nil
}
