package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"userdir/config"
)

// runCheckConfig loads and checks the configuration: a summary and exit 0,
// or every problem (file:line: key: message) and exit 78 (EX_CONFIG). The
// summary never shows a division code or a password hash.
func runCheckConfig(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "check-config", "[-config FILE]")
	path := configFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := loadConfig(e, *path)
	if err != nil {
		return &configError{err: err}
	}
	printSummary(e.stdout, c)
	return nil
}

// printSummary prints what c configures, without its secrets.
func printSummary(w io.Writer, c *config.Config) {
	l := &c.LDAP
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "config\t%s: OK\n", c.Path)
	fmt.Fprintf(tw, "store\t%s\n", c.Store)
	fmt.Fprintf(tw, "listen\t%s\n", strings.Join(l.Listen, ", "))
	fmt.Fprintf(tw, "suffix\t%s (o=%s)\n", l.Suffix, l.Organization)
	fmt.Fprintf(tw, "tls\t%s\n", orText(l.TLSCert, "none"))
	fmt.Fprintf(tw, "allow\t%s\n", allowText(c))
	fmt.Fprintf(tw, "anonymous\t%s, size_limit %d, min_substring %d, rate_limit %s, harvest_budget %d a day\n",
		l.AnonymousRole, l.SizeLimit, l.MinSubstring, rateText(l.RateLimit), l.HarvestBudget)
	fmt.Fprintf(tw, "connections\tmax %d, %d per address, idle timeout %s\n", l.MaxConns, l.MaxConnsAddr, l.IdleTimeout)
	tw.Flush()
	printDivisions(w, c.Divisions)
	printAccess(w, l)
}

// printDivisions lists the divisions by id and name, never by code.
func printDivisions(w io.Writer, divs []config.Division) {
	fmt.Fprintf(w, "divisions: %d\n", len(divs))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, d := range divs {
		fmt.Fprintf(tw, "  %s\t%s\tcharset %s%s%s%s, sync_max_delete %s\n", d.ID, d.Name, d.Charset,
			optText(", mail_host ", d.MailHost), optText(", senders ", strings.Join(d.Senders, " ")),
			optText(", domains ", strings.Join(d.Domains, " ")), syncLimitText(d.SyncMaxDelete))
	}
	tw.Flush()
}

// printAccess lists the bind accounts by dn and role, never by hash, and the
// networks given a role.
func printAccess(w io.Writer, l *config.LDAP) {
	fmt.Fprintf(w, "accounts: %d\n", len(l.Accounts))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, a := range l.Accounts {
		fmt.Fprintf(tw, "  %s\t%s\n", a.DN, a.Role)
	}
	tw.Flush()
	fmt.Fprintf(w, "networks: %d\n", len(l.Networks))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, n := range l.Networks {
		if n.HarvestBudget > 0 {
			fmt.Fprintf(tw, "  %s\t%s, harvest_budget %d a day\n", n.CIDR, n.Role, n.HarvestBudget)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\n", n.CIDR, n.Role)
	}
	tw.Flush()
}

// allowText describes ldap.allow.
func allowText(c *config.Config) string {
	if len(c.LDAP.Allow) == 0 {
		return "everyone"
	}
	s := make([]string, len(c.LDAP.Allow))
	for i, p := range c.LDAP.Allow {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// rateText describes ldap.rate_limit.
func rateText(n int) string {
	if n == 0 {
		return "off"
	}
	return fmt.Sprintf("%d/min", n)
}

// orText returns s, or def when s is empty.
func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// optText returns label+s, or "" when s is empty.
func optText(label, s string) string {
	if s == "" {
		return ""
	}
	return label + s
}

// syncLimitText words a division's sync_max_delete.
func syncLimitText(l config.SyncLimit) string {
	switch {
	case !l.Set:
		return "10% (at least 5)"
	case l.Percent > 0:
		return fmt.Sprintf("%d%% (at least 5)", l.Percent)
	}
	return fmt.Sprint(l.Count)
}
