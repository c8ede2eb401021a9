package config

import (
	"bytes"
	"os"
	"testing"
)

// FuzzParse checks that no file makes Parse panic, and that its answer is
// always either a config or a list of *Error placed inside the file.
func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile("../testdata/userdir.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte(minimal))
	f.Add([]byte(ldapDoc(account("cn=a,o=x", "mta") + "[[ldap.network]]\ncidr = \"::1\"\nrole = \"mta\"\n")))
	f.Add([]byte("ldap = { listen = [\"ldap://:1\"] }\ndivision = [{ id = \"a\" }, 5]\n"))
	f.Add([]byte("[a.b]\n[[a.b.c]]\n[a]\nx.y.z = [[1], {q = 2}]\n"))
	for _, doc := range secretDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if err == nil {
			if c == nil || len(c.Divisions) == 0 {
				t.Fatalf("Parse = %+v, nil: want a config with a division", c)
			}
			return
		}
		if c != nil {
			t.Fatalf("Parse returned both a config and %v", err)
		}
		errs := Errors(err)
		if len(errs) == 0 {
			t.Fatalf("error %v holds no *Error", err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range errs {
			if e.Line < 0 || e.Line > lines || e.Msg == "" {
				t.Fatalf("error %q is off the file's %d lines or has no message", e, lines)
			}
		}
	})
}
