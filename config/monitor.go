package config

import (
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"time"
)

// buildMonitor fills in the keys that watching the directory reads: [http],
// report_to, and each division's max_silence and admin.
func buildMonitor(c *Config, f *fileConfig, p *problems) {
	c.HTTP = HTTP{Listen: f.HTTP.Listen}
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

// validateMonitor checks http.listen, report_to and each division's admin.
func validateMonitor(c *Config, p *problems) {
	if c.HTTP.Listen != "" {
		host, port, err := net.SplitHostPort(c.HTTP.Listen)
		n, perr := strconv.ParseUint(port, 10, 16)
		switch {
		case err != nil:
			p.add("http.listen", "%q must be host:port, like \"127.0.0.1:8389\"", c.HTTP.Listen)
		case perr != nil || (n == 0 && port != "0"):
			p.add("http.listen", "port must be a number from 0 to 65535")
		case host != "" && net.ParseIP(host) == nil && !isHostName(host):
			p.add("http.listen", "%q is not a host name or address", host)
		}
	}
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
