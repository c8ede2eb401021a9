package config

import (
	"fmt"
	"net/mail"
	"time"
)

// buildMonitor fills in the keys that watching the directory reads:
// report_to, and each division's max_silence and admin.
func buildMonitor(c *Config, f *fileConfig, p *problems) {
	c.ReportTo = f.ReportTo
	for i := range c.Divisions {
		d, fd := &c.Divisions[i], &f.Divisions[i]
		d.Admin = fd.Admin
		d.MaxSilence = DefaultMaxSilence
		if fd.MaxSilence != nil {
			key := fmt.Sprintf("division[%d].max_silence", i+1)
			v, err := time.ParseDuration(*fd.MaxSilence)
			switch {
			case err != nil:
				p.add(key, "%q is not a duration like \"36h\" or \"90m\"", *fd.MaxSilence)
			case v <= 0:
				p.add(key, "must be more than 0")
			}
			d.MaxSilence = v
		}
	}
}

// validateMonitor checks report_to and each division's admin.
func validateMonitor(c *Config, p *problems) {
	if c.ReportTo != "" && !isAddress(c.ReportTo) {
		p.add("report_to", "%q is not an address", c.ReportTo)
	}
	for i, d := range c.Divisions {
		if d.Admin != "" && !isAddress(d.Admin) {
			p.add(fmt.Sprintf("division[%d].admin", i+1), "%q is not an address", d.Admin)
		}
	}
}

// isAddress reports whether s is a bare address, local@domain.
func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}
