package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// build turns the file as written into a Config: defaults for absent keys,
// paths made relative to the file, addresses and durations parsed. Values
// that do not parse are reported to p; validate checks the rest.
func build(path string, f *fileConfig, p *problems) *Config {
	c := &Config{
		Path:              path,
		Store:             resolvePath(path, or(f.Store, DefaultStore)),
		StorePasswordFile: resolvePath(path, f.StorePassword),
		NameOrder:         or(f.NameOrder, DefaultNameOrder),
		MaxMessageBytes:   or(f.MaxMessageBytes, DefaultMaxMessageBytes),
		TombstoneDays:     int(or(f.TombstoneDays, DefaultTombstoneDays)),
		LDAP:              buildLDAP(path, &f.LDAP, p),
		HTTP:              HTTP{Listen: or(f.HTTP.Listen, "")},
	}
	for i, d := range f.Divisions {
		c.Divisions = append(c.Divisions, Division{
			ID:       d.ID,
			Name:     d.Name,
			Code:     d.Code,
			Charset:  or(d.Charset, DefaultCharset),
			MailHost: d.MailHost,
			Senders:  d.Senders,
			Domains:  d.Domains,
		})
		if d.SyncMaxDelete != nil {
			key := fmt.Sprintf("division[%d].sync_max_delete", i+1)
			c.Divisions[i].SyncMaxDelete = parseSyncLimit(*d.SyncMaxDelete, key, p)
		}
	}
	buildMonitor(c, f, p)
	return c
}

// buildLDAP builds the [ldap] table.
func buildLDAP(path string, f *fileLDAP, p *problems) LDAP {
	l := LDAP{
		Listen:        or(f.Listen, []string{DefaultListen}),
		Suffix:        or(f.Suffix, DefaultSuffix),
		Organization:  or(f.Organization, DefaultOrganization),
		TLSCert:       resolvePath(path, f.TLSCert),
		TLSKey:        resolvePath(path, f.TLSKey),
		AnonymousRole: or(f.AnonymousRole, DefaultAnonymousRole),
		SizeLimit:     int(or(f.SizeLimit, DefaultSizeLimit)),
		MinSubstring:  int(or(f.MinSubstring, DefaultMinSubstring)),
		RateLimit:     int(or(f.RateLimit, DefaultRateLimit)),
		IdleTimeout:   DefaultIdleTimeout,
		MaxConns:      int(or(f.MaxConns, DefaultMaxConns)),
		MaxConnsAddr:  int(or(f.MaxConnsAddr, DefaultMaxConnsAddr)),
		HarvestBudget: int(or(f.HarvestBudget, DefaultHarvestBudget)),
	}
	if f.IdleTimeout != nil {
		l.IdleTimeout = parseTimeout(*f.IdleTimeout, p)
	}
	for i, s := range f.Allow {
		if pfx, ok := parsePrefix(s); ok {
			l.Allow = append(l.Allow, pfx)
		} else {
			p.add(fmt.Sprintf("ldap.allow[%d]", i+1), "%q is not an address or a prefix like 10.0.0.0/8", s)
		}
	}
	for _, a := range f.Accounts {
		l.Accounts = append(l.Accounts, Account{DN: a.DN, PasswordHash: a.PasswordHash, Role: a.Role})
	}
	for i, n := range f.Networks {
		pfx, ok := parsePrefix(n.CIDR)
		if !ok {
			p.add(fmt.Sprintf("ldap.network[%d].cidr", i+1), "%q is not an address or a prefix like 10.0.0.0/8", n.CIDR)
		}
		l.Networks = append(l.Networks, Network{CIDR: pfx, Role: n.Role, HarvestBudget: int(n.HarvestBudget)})
	}
	return l
}

// parseTimeout parses ldap.idle_timeout, which must be a positive duration.
func parseTimeout(s string, p *problems) time.Duration {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		p.add("ldap.idle_timeout", "%q is not a duration like \"5m\" or \"90s\"", s)
	case d <= 0:
		p.add("ldap.idle_timeout", "must be more than 0")
	}
	return d
}

// parsePrefix parses a CIDR prefix, or a bare address as a single-address
// prefix (/32 or /128). The prefix comes back masked: 10.1.2.3/8 is 10.0.0.0/8.
func parsePrefix(s string) (netip.Prefix, bool) {
	if pfx, err := netip.ParsePrefix(s); err == nil {
		return pfx.Masked(), true
	}
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(addr, addr.BitLen()), true
}

// or returns *v, or def when the key was absent.
func or[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}

// parseSyncLimit parses a sync_max_delete: "25" (a count, 0 or more) or
// "10%" (a percentage, 1 to 100).
func parseSyncLimit(s, key string, p *problems) SyncLimit {
	t := strings.TrimSpace(s)
	if pct, ok := strings.CutSuffix(t, "%"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(pct))
		if err != nil || n < 1 || n > 100 {
			p.add(key, "%q: a percentage must be 1%% to 100%%", s)
			return SyncLimit{}
		}
		return SyncLimit{Percent: n, Set: true}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 {
		p.add(key, "%q is neither a count like \"25\" nor a percentage like \"10%%\"", s)
		return SyncLimit{}
	}
	return SyncLimit{Count: n, Set: true}
}
