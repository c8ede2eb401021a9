package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeBlock returns the code block after "<!-- readme-test: name -->".
func readmeBlock(tb testing.TB, name string) string {
	tb.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		tb.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- readme-test: " + regexp.QuoteMeta(name) + " -->\n```[a-z]*\n(.*?)```").FindSubmatch(data)
	if m == nil {
		tb.Fatalf("README.md has no readme-test block %q", name)
	}
	return string(m[1])
}

// readmeArgs turns a README command line into the arguments of run: the
// program and the cron fields go, the configuration becomes cfg and the
// words in replace are replaced.
func readmeArgs(tb testing.TB, line, cfg string, replace map[string]string) []string {
	tb.Helper()
	_, rest, ok := strings.Cut(line, "/usr/local/bin/userdir ")
	if !ok {
		tb.Fatalf("README line %q does not run /usr/local/bin/userdir", line)
	}
	args := strings.Fields(rest)
	for i, a := range args {
		if a == "/etc/userdir/userdir.toml" {
			args[i] = cfg
		}
		if r, ok := replace[a]; ok {
			args[i] = r
		}
	}
	return args
}

// The README's Nagios command, cron report line and backup line run as written.
func TestReadmeMonitoringLines(t *testing.T) {
	dir := t.TempDir()
	cfg := reportConfig(t, dir)
	ingestOK(t, cfg, "admin@tyumen.company.ru", "0001", "t1@test", "_cmd=insert:eml=a@company.ru\n_cmd=insert:eml=bad")

	nagios := regexp.MustCompile(`command_line\s+(.*)`).FindStringSubmatch(readmeBlock(t, "nagios"))
	r := runCmd(t, "", nil, readmeArgs(t, nagios[1], cfg, nil)...)
	if r.code != checkCritical || !strings.HasPrefix(r.stdout, "USERDIR CRITICAL - stale: tobolsk (never), surgut (never) |") {
		t.Errorf("README's Nagios command: %d %q", r.code, r.stdout)
	}

	cron := strings.TrimSpace(readmeBlock(t, "cron"))
	r = runCmd(t, "", nil, append(readmeArgs(t, cron, cfg, nil), "-n")...)
	if r.code != exitOK || len(regexp.MustCompile(`(?m)^From userdir@company.ru `).FindAllString(r.stdout, -1)) != 3 || !strings.Contains(r.stdout, "From: <userdir@company.ru>") {
		t.Errorf("README's report line with -n: %+v", r)
	}

	backup := strings.TrimSpace(readmeBlock(t, "backup"))
	copyPath := filepath.Join(dir, "backups", "userdir.db")
	args := readmeArgs(t, backup, cfg, map[string]string{"/var/backups/userdir/userdir-$(date": copyPath, "+\\%F).db": ""})
	r = runCmd(t, "", nil, args[:len(args)-1]...)
	if r.code != exitOK || !strings.Contains(r.stdout, "written and verified") {
		t.Fatalf("README's backup line: %+v", r)
	}
	if fi, err := os.Stat(copyPath); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("backup file: %v %v", fi, err)
	}
	if r := runCmd(t, "", nil, args[:len(args)-1]...); r.code != exitFailure {
		t.Errorf("a second backup over the first: %+v, want a refusal", r)
	}
}

// A store that an older version created (an empty database: schema
// version 0) is migrated by the first command that reads it.
func TestOldStoreIsMigrated(t *testing.T) {
	dir := t.TempDir()
	cfg := sampleConfig(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "userdir.db"), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if r := runCmd(t, "", nil, "status", "-config", cfg); r.code != exitOK {
		t.Errorf("status on an unmigrated store: %+v", r)
	}
}

// version and -version print the same line.
func TestVersion(t *testing.T) {
	a, b := runCmd(t, "", nil, "version"), runCmd(t, "", nil, "-version")
	if a.code != exitOK || a.stdout != b.stdout || !strings.HasPrefix(a.stdout, "userdir ") {
		t.Errorf("version = %+v, -version = %+v", a, b)
	}
	version = "1.2.3"
	defer func() { version = "" }()
	if v := buildVersion(); v != "1.2.3" {
		t.Errorf("buildVersion with -ldflags = %q", v)
	}
}

// After a rollback to an older version, a store that a newer version
// migrated is refused, not misread: ingest defers (75), status -check is
// CRITICAL (README: Upgrading).
func TestNewerStoreIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := sampleConfig(t, dir)
	ingestOK(t, cfg, "admin@tyumen.company.ru", "0001", "t1@test", "_cmd=insert:eml=a@company.ru")
	sqlExec(t, dir, `INSERT INTO schema_version (version, name, applied) VALUES (9999, 'future', 0)`)
	r := runCmd(t, commandMail("0001", "t2@test", "", "_cmd=insert:eml=b@company.ru"), nil, "ingest", "-config", cfg)
	if r.code != exitTempFail || !strings.Contains(r.stdout, "schema version") {
		t.Errorf("ingest into a newer store: %+v, want 75 naming the schema version", r)
	}
	if r := runCmd(t, "", nil, "status", "-check", "-config", cfg); r.code != checkCritical || !strings.Contains(r.stdout, "database has version 9999") {
		t.Errorf("status -check of a newer store: %+v", r)
	}
}

// report with nobody to send to says so and fails, so that cron mails it.
func TestReportNobody(t *testing.T) {
	cfg := sampleConfig(t, t.TempDir())
	if r := runCmd(t, "", nil, "report", "-n", "-config", cfg); r.code != exitFailure || !strings.Contains(r.stderr, "nothing to send") {
		t.Errorf("report without admins: %+v", r)
	}
}
