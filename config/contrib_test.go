package config

import (
	"os"
	"strings"
	"testing"
)

// The example configuration in contrib/ loads, keeps its store outside
// /etc, and carries none of the test codes or password hashes of testdata.
func TestContribConfig(t *testing.T) {
	c, err := Load("../contrib/userdir.toml")
	if err != nil {
		t.Fatalf("contrib/userdir.toml does not load:\n%v", err)
	}
	if strings.HasPrefix(c.Store, "/etc/") || c.HTTP.Listen == "" || c.ReportTo == "" {
		t.Errorf("store %q, http.listen %q, report_to %q", c.Store, c.HTTP.Listen, c.ReportTo)
	}
	test, err := os.ReadFile("../testdata/userdir.toml")
	if err != nil {
		t.Fatal(err)
	}
	testCfg, err := Parse("testdata/userdir.toml", test)
	if err != nil {
		t.Fatal(err)
	}
	contrib, _ := os.ReadFile("../contrib/userdir.toml")
	for _, d := range testCfg.Divisions {
		if strings.Contains(string(contrib), `"`+d.Code+`"`) {
			t.Errorf("contrib/userdir.toml has the test code of %s", d.ID)
		}
	}
	for _, a := range testCfg.LDAP.Accounts {
		if strings.Contains(string(contrib), a.PasswordHash) {
			t.Errorf("contrib/userdir.toml has the test password hash of %s", a.DN)
		}
	}
	for _, d := range c.Divisions {
		if d.Admin == "" {
			t.Errorf("contrib division %s has no admin", d.ID)
		}
	}
}
