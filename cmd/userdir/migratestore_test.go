package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateStore copies the sample store into a new SQLite file (the
// PostgreSQL side runs in the integration tests) and refuses what it must.
func TestMigrateStore(t *testing.T) {
	dir := t.TempDir()
	cfg := sampleConfig(t, dir)
	msg := commandMail("0001", "migrate@test", "Mon, 02 Nov 2026 10:00:00 +0500",
		"_cmd=insert:type=mbox:name=Иванов Иван:eml=ivanov@company.ru\n_cmd=insert:type=mbox:name=Петров Пётр:eml=petrov@company.ru\n_cmd=delete:eml=petrov@company.ru")
	if r := runCmd(t, msg, nil, "ingest", "-config", cfg); r.code != exitOK {
		t.Fatalf("ingest: %+v", r)
	}
	from, to := filepath.Join(dir, "userdir.db"), filepath.Join(dir, "copy.db")
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout, or stderr when the code is not 0
	}{
		{"no -from", []string{"-config", cfg}, exitUsage, "-from is required"},
		{"same store", []string{"-config", cfg, "-from", from}, exitFailure, "same store"},
		{"copy", []string{"-config", cfg, "-from", from, "-to", to}, exitOK, "dump -role all is identical on both"},
		{"again", []string{"-config", cfg, "-from", from, "-to", to}, exitFailure, "not empty"},
	}
	for _, tt := range tests {
		r := runCmd(t, "", nil, append([]string{"migrate-store"}, tt.args...)...)
		out := r.stdout
		if tt.code != exitOK {
			out = r.stderr
		}
		if r.code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("%s: %+v; want exit %d and %q", tt.name, r, tt.code, tt.want)
		}
	}
	r := runCmd(t, "", nil, "migrate-store", "-config", cfg, "-from", from, "-to", filepath.Join(dir, "copy2.db"))
	if !strings.Contains(r.stdout, "2 records (tombstones included)") {
		t.Errorf("the copy should count the live record and the tombstone: %s", r.stdout)
	}
}
