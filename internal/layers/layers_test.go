package layers

import (
	"os/exec"
	"strings"
	"testing"
)

// heavy are the modules that only the store (SQLite) and the LDAP front
// end may link.
var heavy = []string{
	"modernc.org/sqlite",
	"github.com/go-ldap/ldap",
	"github.com/go-asn1-ber/asn1-ber",
}

// TestLightPackages fails when a package that a branch or check-config
// needs depends, directly or not, on a heavy module (as `go list -deps`
// reports it).
func TestLightPackages(t *testing.T) {
	for _, pkg := range []string{"userdir/config", "userdir/compose", "userdir/mailcmd", "userdir/mailmsg", "userdir/access", "userdir/ldapdn"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, h := range heavy {
				if dep == h || strings.HasPrefix(dep, h+"/") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
