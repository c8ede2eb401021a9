package main

import (
	"strings"
	"testing"

	"userdir/internal/readme"
)

// The README documents every subcommand and every flag of each.
func TestReadmeDocumentsEveryCommand(t *testing.T) {
	text := readme.Text(t)
	for _, c := range commands {
		if !strings.Contains(text, "`userdir "+c.name) {
			t.Errorf("README.md does not document userdir %s", c.name)
			continue
		}
		r := runCmd(t, "", nil, "help", c.name)
		for _, line := range strings.Split(r.stdout, "\n") {
			flag, ok := strings.CutPrefix(strings.TrimSpace(line), "-")
			if !ok || strings.Contains(line, "usage:") {
				continue
			}
			flag = strings.Fields(flag + " ")[0]
			if flag == "config" || flag == "h" {
				continue
			}
			if !strings.Contains(text, "-"+flag) {
				t.Errorf("README.md does not mention userdir %s -%s", c.name, flag)
			}
		}
	}
}
