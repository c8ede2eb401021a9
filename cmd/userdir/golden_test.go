package main

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Every sample message of testdata/mail, piped into `userdir ingest` in
// name order, must leave exactly the directory of testdata/golden, as each
// role sees it.
func TestGoldenMailToDirectory(t *testing.T) {
	dir := t.TempDir()
	cfg := sampleConfig(t, dir)
	files, err := filepath.Glob("../../testdata/mail/*.eml")
	if err != nil || len(files) < 20 {
		t.Fatalf("sample messages: %v (%d)", err, len(files))
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if r := runCmd(t, string(data), map[string]string{"SENDER": "admin@company.ru"}, "ingest", "-config", cfg); r.code != exitOK {
			t.Fatalf("%s: exit %d, %q %q", f, r.code, r.stdout, r.stderr)
		}
	}
	for _, role := range []string{"book", "mta", "all"} {
		r := runCmd(t, "", nil, "dump", "-config", cfg, "-role", role)
		if r.code != exitOK {
			t.Fatalf("dump -role %s: %+v", role, r)
		}
		golden := filepath.Join("../../testdata/golden", "dump-"+role+".ldif")
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./cmd/userdir -run Golden -update)", err)
		}
		if r.stdout != string(want) {
			t.Errorf("dump -role %s differs from %s:\n%s", role, golden, r.stdout)
		}
	}
}
