package main

import (
	"regexp"
	"strings"
	"testing"
)

// status and journal report what ingest did, per division and per message,
// and never print a division code.
func TestStatusAndJournal(t *testing.T) {
	cfg := sampleConfig(t, t.TempDir())
	good := commandMail("0001", "good@test", "Mon, 02 Nov 2026 10:00:00 +0500",
		"_cmd=insert:name=Иванов Иван:eml=ivanov@company.ru\n_cmd=insert:eml=broken\n_cmd=insert:type=alias:eml=sales@company.ru:vis=0")
	for _, m := range []string{good, good, commandMail("7777", "guess@test", "", "_cmd=delete:eml=ivanov@company.ru")} {
		if r := runCmd(t, m, nil, "ingest", "-config", cfg); r.code != exitOK {
			t.Fatalf("ingest: %+v", r)
		}
	}
	st := runCmd(t, "", nil, "status", "-config", cfg)
	if st.code != exitOK {
		t.Fatalf("status: %+v", st)
	}
	row := regexp.MustCompile(`(?m)^tyumen\s+Тюмень\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+ \S+\s+never\s+0\s+0\s+ok$`).FindStringSubmatch(st.stdout)
	if row == nil {
		t.Fatalf("status has no tyumen row:\n%s", st.stdout)
	}
	// entries, active, hidden, aliases, messages, rejected lines
	if want := []string{"2", "2", "1", "1", "2", "1"}; strings.Join(row[1:], " ") != strings.Join(want, " ") {
		t.Errorf("tyumen status %v, want %v:\n%s", row[1:], want, st.stdout)
	}
	if !regexp.MustCompile(`(?m)^tobolsk\s+Тобольск\s+0\s+0\s+0\s+0\s+0\s+0\s+never\s+never\s+0\s+0\s+STALE$`).MatchString(st.stdout) {
		t.Errorf("a division without mail is not shown as never heard from:\n%s", st.stdout)
	}
	j := runCmd(t, "", nil, "journal", "-config", cfg, "-n", "10", "-v")
	if j.code != exitOK {
		t.Fatalf("journal: %+v", j)
	}
	lines := strings.Split(strings.TrimSpace(j.stdout), "\n")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`-\s+unknown-code\s+[1-9]\d*\s+0\s+0\s+0\s+guess@test`),
		regexp.MustCompile(`tyumen\s+duplicate\s+[1-9]\d*\s+0\s+\d+\s+\d+\s+good@test`),
		regexp.MustCompile(`tyumen\s+applied\s+[1-9]\d*\s+2\s+1\s+0\s+good@test`),
		regexp.MustCompile(`line 2\s+.*eml`),
	} {
		if !want.MatchString(j.stdout) {
			t.Errorf("journal lacks %s:\n%s", want, j.stdout)
		}
	}
	if len(lines) < 4 || !strings.Contains(lines[1], "unknown-code") {
		t.Errorf("journal is not newest first:\n%s", j.stdout)
	}
	if strings.Contains(st.stdout+j.stdout, "0001") || strings.Contains(st.stdout+j.stdout, "7777") {
		t.Error("a code was printed")
	}
}
