package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"

	"golang.org/x/crypto/bcrypt"

	"userdir/access"
	"userdir/ldapdn"
)

// maxTombstoneDays bounds tombstone_days well below a time.Duration overflow.
const maxTombstoneDays = 36500

// validate reports every semantic problem of c to p.
func validate(c *Config, p *problems) {
	validateTop(c, p)
	validateListeners(&c.LDAP, p)
	validateHTTP(&c.HTTP, p)
	validateTLS(&c.LDAP, p)
	validateDirectory(&c.LDAP, p)
	validateLimits(&c.LDAP, p)
	validateAccounts(c.LDAP.Accounts, p)
	validateNetworks(c.LDAP.Networks, p)
	validateDivisions(c.Divisions, p)
	validateMonitor(c, p)
}

// validateTop checks the top-level keys.
func validateTop(c *Config, p *problems) {
	if c.Store == "" {
		p.add("store", "must not be empty")
	}
	if IsPostgresURL(c.Store) {
		if _, err := url.Parse(c.Store); err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // without the URL, which may hold a password
			}
			p.add("store", "not a valid PostgreSQL URL: %v", err)
		}
	} else if c.StorePasswordFile != "" {
		p.add("store_password_file", "only for a PostgreSQL store (store = \"postgres://...\")")
	}
	if c.NameOrder != "family-first" && c.NameOrder != "given-first" {
		p.add("name_order", "must be \"family-first\" or \"given-first\", not %q", c.NameOrder)
	}
	if c.MaxMessageBytes < 1024 {
		p.add("max_message_bytes", "must be at least 1024")
	}
	atLeast(p, "tombstone_days", c.TombstoneDays, 1)
	if c.TombstoneDays > maxTombstoneDays {
		p.add("tombstone_days", "must be at most %d", maxTombstoneDays)
	}
}

// validateHTTP checks http.listen: empty, or host:port with a numeric port.
func validateHTTP(h *HTTP, p *problems) {
	if h.Listen == "" {
		return
	}
	_, port, err := net.SplitHostPort(h.Listen)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		p.add("http.listen", "%q is not host:port like \"127.0.0.1:8389\"", h.Listen)
	}
}

// validateListeners checks ldap.listen.
func validateListeners(l *LDAP, p *problems) {
	if len(l.Listen) == 0 {
		p.add("ldap.listen", "must list at least one URL like \"ldap://0.0.0.0:389\"")
	}
	for i, u := range l.Listen {
		if err := checkListenURL(u); err != nil {
			p.add(fmt.Sprintf("ldap.listen[%d]", i+1), "%q: %v", u, err)
		}
	}
}

// checkListenURL accepts exactly ldap://host:port and ldaps://host:port.
func checkListenURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL like ldap://host:port")
	}
	if u.Scheme != "ldap" && u.Scheme != "ldaps" {
		return fmt.Errorf("must start with ldap:// or ldaps://")
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return fmt.Errorf("must be just scheme://host:port")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return fmt.Errorf("must be scheme://host:port")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || port == "" || (n == 0 && port != "0") {
		return fmt.Errorf("port must be a number from 0 to 65535")
	}
	if host != "" && net.ParseIP(host) == nil && !isHostName(host) {
		return fmt.Errorf("host is neither an IP address nor a host name")
	}
	return nil
}

// usesLDAPS reports whether any listener is ldaps://.
func usesLDAPS(l *LDAP) bool {
	for _, s := range l.Listen {
		if u, err := url.Parse(s); err == nil && u.Scheme == "ldaps" {
			return true
		}
	}
	return false
}

// validateTLS checks that ldaps:// has a certificate, that tls_cert and
// tls_key come together, and that they load.
func validateTLS(l *LDAP, p *problems) {
	ldaps := usesLDAPS(l)
	switch {
	case l.TLSCert == "" && l.TLSKey == "":
		if ldaps {
			p.add("ldap.tls_cert", "must be set for an ldaps:// listener (with tls_key)")
		}
	case l.TLSCert == "":
		p.add("ldap.tls_cert", "must be set with tls_key")
	case l.TLSKey == "":
		p.add("ldap.tls_key", "must be set with tls_cert")
	default:
		if _, err := tls.LoadX509KeyPair(l.TLSCert, l.TLSKey); err != nil {
			p.add("ldap.tls_cert", "cannot load the certificate and key: %v", err)
		}
	}
}

// validateDirectory checks the suffix, the organization, allow and anonymous_role.
func validateDirectory(l *LDAP, p *problems) {
	if l.Suffix == "" {
		p.add("ldap.suffix", "must not be empty")
	} else if _, err := ldapdn.Parse(l.Suffix); err != nil {
		p.add("ldap.suffix", "%q is not a DN: %v", l.Suffix, err)
	}
	if l.Organization == "" {
		p.add("ldap.organization", "must not be empty")
	}
	role, err := access.ParseRole(l.AnonymousRole, false)
	switch {
	case err != nil:
		p.add("ldap.anonymous_role", "%v", err)
	case role == access.MTA && !onlyTrusted(l.Allow):
		p.add("ldap.anonymous_role", "mta would let any client list every address: "+
			"allowed only when ldap.allow lists loopback or private networks only")
	}
}

// trustedNets are the loopback and private networks (RFC 1918, RFC 4193).
var trustedNets = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"),
}

// onlyTrusted reports whether allow is non-empty and each of its prefixes
// lies wholly inside a loopback or private network.
func onlyTrusted(allow []netip.Prefix) bool {
	if len(allow) == 0 {
		return false
	}
	for _, a := range allow {
		inside := false
		for _, t := range trustedNets {
			inside = inside || (t.Bits() <= a.Bits() && t.Contains(a.Addr()))
		}
		if !inside {
			return false
		}
	}
	return true
}

// validateLimits checks the anti-harvesting and connection limits.
func validateLimits(l *LDAP, p *problems) {
	atLeast(p, "ldap.size_limit", l.SizeLimit, 1)
	atLeast(p, "ldap.min_substring", l.MinSubstring, 1)
	atLeast(p, "ldap.rate_limit", l.RateLimit, 0)
	atLeast(p, "ldap.max_connections", l.MaxConns, 1)
	atLeast(p, "ldap.max_connections_per_address", l.MaxConnsAddr, 1)
	atLeast(p, "ldap.harvest_budget", l.HarvestBudget, 1)
}

// atLeast reports key unless v ≥ min.
func atLeast(p *problems, key string, v, min int) {
	if v < min {
		p.add(key, "must be at least %d", min)
	}
}

// validateAccounts checks every [[ldap.account]]. A hash is never quoted.
func validateAccounts(accounts []Account, p *problems) {
	var dns []ldapdn.DN
	for i, a := range accounts {
		key := fmt.Sprintf("ldap.account[%d]", i+1)
		if dn := checkAccountDN(a.DN, key, p); dn != nil {
			for j, prev := range dns {
				if prev.EqualFold(dn) {
					p.add(key+".dn", "same dn as ldap.account[%d]", j+1)
				}
			}
			dns = append(dns, dn)
		} else {
			dns = append(dns, nil) // keeps indexes aligned; matches no parsed dn
		}
		if a.PasswordHash == "" {
			p.add(key+".password_hash", "must be set: run userdir passwd to make one")
		} else if _, err := bcrypt.Cost([]byte(a.PasswordHash)); err != nil {
			p.add(key+".password_hash", "is not a bcrypt hash: run userdir passwd to make one")
		}
		checkRole(a.Role, key+".role", p)
	}
}

// checkAccountDN parses a bind DN, reporting it when empty or invalid.
func checkAccountDN(s, key string, p *problems) ldapdn.DN {
	if s == "" {
		p.add(key+".dn", "must not be empty")
		return nil
	}
	dn, err := ldapdn.Parse(s)
	if err != nil || len(dn) == 0 {
		p.add(key+".dn", "%q is not a DN", s)
		return nil
	}
	return dn
}

// checkRole reports key unless role is book, reader or mta.
func checkRole(role, key string, p *problems) {
	if role == "" {
		p.add(key, "must be book, reader or mta")
		return
	}
	if _, err := access.ParseRole(role, false); err != nil {
		p.add(key, "%v", err)
	}
}

// validateNetworks checks every [[ldap.network]]; a cidr listed twice would
// make its role ambiguous.
func validateNetworks(networks []Network, p *problems) {
	seen := map[netip.Prefix]int{}
	for i, n := range networks {
		key := fmt.Sprintf("ldap.network[%d]", i+1)
		if n.CIDR.IsValid() {
			if j, ok := seen[n.CIDR]; ok {
				p.add(key+".cidr", "same cidr as ldap.network[%d]", j)
			} else {
				seen[n.CIDR] = i + 1
			}
		}
		checkRole(n.Role, key+".role", p)
		switch {
		case n.HarvestBudget < 0:
			p.add(key+".harvest_budget", "must be at least 1")
		case n.HarvestBudget > 0 && n.Role != "book":
			p.add(key+".harvest_budget", "applies only to role book, not %q", n.Role)
		}
	}
}
