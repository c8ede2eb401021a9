package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sample is the sample configuration of the repository.
const sample = "../../testdata/userdir.toml"

// sampleSecrets are the codes and hash prefixes of the sample configuration.
var sampleSecrets = []string{"0001", "0002", "0003", "$2a$", "DNazWRrovc56"}

func TestCheckConfigGood(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
	}{
		{"flag", nil, []string{"check-config", "-config", sample}},
		{"environment", map[string]string{"USERDIR_CONFIG": sample}, []string{"check-config"}},
	}
	for _, tc := range tests {
		r := runCmd(t, "", tc.vars, tc.args...)
		if r.code != exitOK || r.stderr != "" {
			t.Errorf("%s: exit %d, stderr %q; want 0", tc.name, r.code, r.stderr)
		}
		for _, want := range []string{
			"OK", filepath.Join("..", "..", "testdata", "userdir.db"), "ldap://127.0.0.1:3389", "dc=company,dc=ru",
			"divisions: 3", "tyumen", "Тюмень", "tobolsk", "Сургут", "koi8-r",
			"cn=postfix,dc=company,dc=ru  mta", "cn=reader,dc=company,dc=ru   reader", "networks: 0",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s: summary lacks %q:\n%s", tc.name, want, r.stdout)
			}
		}
		for _, secret := range sampleSecrets {
			if strings.Contains(r.stdout, secret) {
				t.Errorf("%s: summary shows a secret %q:\n%s", tc.name, secret, r.stdout)
			}
		}
	}
}

func TestCheckConfigBad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	doc := `store = ""
[ldap]
size_limit = 0
[[ldap.account]]
dn = "cn=a"
password_hash = "S3CRET-HASH"
role = "mta"
[[division]]
id = "a"
name = "A"
code = "S3CRET"
[[division]]
id = "b"
name = "B"
code = "S3CRET"
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, "", nil, "check-config", "-config", path)
	if r.code != exitConfig || r.stdout != "" {
		t.Errorf("exit %d, stdout %q; want 78 and nothing", r.code, r.stdout)
	}
	want := []string{
		path + ":1: store: must not be empty",
		path + ":3: ldap.size_limit: must be at least 1",
		path + ":6: ldap.account[1].password_hash: is not a bcrypt hash",
		path + ":15: division[2].code: same code as division[1]",
		"4 problem(s)",
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stderr:\n%s\nwant %d lines", r.stderr, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want %q…", i+1, lines[i], w)
		}
	}
	if strings.Contains(r.stderr, "S3CRET") {
		t.Errorf("stderr shows a secret:\n%s", r.stderr)
	}
}

func TestCheckConfigMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.toml")
	r := runCmd(t, "", nil, "check-config", "-config", path)
	if r.code != exitConfig || !strings.Contains(r.stderr, "userdir check-config: read config") || !strings.Contains(r.stderr, path) {
		t.Errorf("exit %d, stderr %q; want 78 and why %s cannot be read", r.code, r.stderr, path)
	}
}

// TestCheckConfigPostgresPassword: a password in the store URL is never
// shown.
func TestCheckConfigPostgresPassword(t *testing.T) {
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "userdir.toml")
	text := strings.Replace(string(data), `store = "userdir.db"`, `store = "postgres://userdir:s3cret@db1,db2/userdir"`, 1)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, "", nil, "check-config", "-config", path)
	if r.code != exitOK || !strings.Contains(r.stdout, "postgres://userdir:xxxxx@db1,db2/userdir") || strings.Contains(r.stdout+r.stderr, "s3cret") {
		t.Errorf("check-config of a store URL with a password: %+v", r)
	}
}
