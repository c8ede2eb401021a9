package main

import (
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// sqlExec runs statements on the store of dir, as another process would.
func sqlExec(tb testing.TB, dir string, query string, args ...any) {
	tb.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "userdir.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

// holdSync ingests a sync that lists nothing for the division of code,
// which the safety net holds.
func holdSync(tb testing.TB, cfg, sender, code, id string) {
	tb.Helper()
	ingestOK(tb, cfg, sender, code, id, "_cmd=sync:type=mbox")
}

// ingestOK ingests a message of division code from sender and fails the test unless it exits 0.
func ingestOK(tb testing.TB, cfg, sender, code, id, body string) {
	tb.Helper()
	msg := commandMail(code, id, time.Now().Format(time.RFC1123Z), body)
	if r := runCmd(tb, msg, nil, "ingest", "-config", cfg, "-sender", sender); r.code != exitOK {
		tb.Fatalf("ingest %s: %+v", id, r)
	}
}

// TestStatusCheck walks a store from fresh to held to stale and checks the
// exit status and line of status -check, and status -json.
func TestStatusCheck(t *testing.T) {
	dir := t.TempDir()
	cfg := sampleConfig(t, dir)
	ingestOK(t, cfg, "admin@tyumen.company.ru", "0001", "t1@test", "_cmd=insert:eml=a@company.ru")
	ingestOK(t, cfg, "admin@tobolsk.company.ru", "0002", "o1@test", "_cmd=insert:eml=b@company.ru")
	ingestOK(t, cfg, "admin@surgut.company.ru", "0003", "s1@test", "_cmd=insert:eml=c@company.ru")
	check := func(wantCode int, want string) {
		t.Helper()
		r := runCmd(t, "", nil, "status", "-check", "-config", cfg)
		if r.code != wantCode || !regexp.MustCompile(want).MatchString(r.stdout) || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("status -check = %d %q, want %d and one line matching %s", r.code, r.stdout, wantCode, want)
		}
	}
	check(checkOK, `^USERDIR OK - 3 divisions flowing \| stale=0 held=0 conflicts=0\n$`)

	holdSync(t, cfg, "admin@tobolsk.company.ru", "0002", "held1@test")
	check(checkWarning, `^USERDIR WARNING - held syncs: tobolsk \(1\) \| stale=0 held=1 conflicts=0\n$`)

	// Tyumen's last applied message arrived 50 hours ago (max_silence 36h).
	sqlExec(t, dir, `UPDATE journal SET received = ? WHERE division = 'tyumen'`, time.Now().Add(-50*time.Hour).UnixNano())
	check(checkCritical, `^USERDIR CRITICAL - stale: tyumen \(2d[12]h\); held syncs: tobolsk \(1\) \| stale=1 held=1 conflicts=0\n$`)

	r := runCmd(t, "", nil, "status", "-json", "-config", cfg)
	var rep statusReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != exitOK {
		t.Fatalf("status -json: %d %v\n%s", r.code, err, r.stdout)
	}
	got := map[string]divisionStatus{}
	for _, d := range rep.Divisions {
		got[d.Division] = d
	}
	if d := got["tyumen"]; !d.Stale || d.State != "stale" || d.LastApplied == nil || d.Entries != 1 || d.MaxSilence != "36h0m0s" {
		t.Errorf("tyumen = %+v, want stale with one entry", d)
	}
	if d := got["tobolsk"]; d.Stale || d.Held != 1 || d.State != "held" || d.Outcomes["applied"] != 1 || d.Outcomes["held"] != 1 {
		t.Errorf("tobolsk = %+v, want fresh with one held sync", d)
	}
	if d := got["surgut"]; d.State != "ok" {
		t.Errorf("surgut = %+v, want ok", d)
	}
	table := runCmd(t, "", nil, "status", "-config", cfg)
	if !regexp.MustCompile(`(?m)^tyumen\s+Тюмень\s+1\s+1\s+0\s+0\s+1\s+0\s+\S+ \S+\s+never\s+0\s+0\s+STALE$`).MatchString(table.stdout) ||
		!regexp.MustCompile(`(?m)^tobolsk\s+Тобольск\s+1\s+1\s+0\s+0\s+2\s+0\s+\S+ \S+\s+never\s+1\s+0\s+held$`).MatchString(table.stdout) {
		t.Errorf("status table:\n%s", table.stdout)
	}

	// A store that cannot be read is CRITICAL; a broken configuration UNKNOWN.
	if r := runCmd(t, "", nil, "status", "-check", "-config", brokenStoreConfig(t, dir)); r.code != checkCritical || !strings.HasPrefix(r.stdout, "USERDIR CRITICAL - store: ") {
		t.Errorf("status -check on a missing store = %d %q", r.code, r.stdout)
	}
	if r := runCmd(t, "", nil, "status", "-check", "-config", filepath.Join(dir, "none.toml")); r.code != checkUnknown {
		t.Errorf("status -check without configuration = %d %q", r.code, r.stdout)
	}
}

// reportConfig is the sample configuration with admins for Tyumen and
// Surgut (not Tobolsk) and a report_to.
func reportConfig(tb testing.TB, dir string) string {
	tb.Helper()
	path := sampleConfig(tb, dir)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	text := "report_to = \"boss@company.ru\"\n" + string(data)
	text = strings.Replace(text, `mail_host = "mx.tyumen.company.ru"`, "mail_host = \"mx.tyumen.company.ru\"\nadmin = \"it@tyumen.company.ru\"", 1)
	text = strings.Replace(text, `mail_host = "mx.surgut.company.ru"`, "mail_host = \"mx.surgut.company.ru\"\nadmin = \"it@surgut.company.ru\"", 1)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// splitMbox splits an mbox into its messages' decoded headers and bodies.
func splitMbox(tb testing.TB, mbox string) (to []string, subjects []string, bodies []string) {
	tb.Helper()
	for _, raw := range regexp.MustCompile(`(?m)^From \S+ .*\n`).Split(mbox, -1)[1:] {
		r, err := gomail.CreateReader(strings.NewReader(raw))
		if err != nil {
			tb.Fatalf("read a report: %v\n%s", err, raw)
		}
		addrs, _ := r.Header.AddressList("To")
		subject, _ := r.Header.Subject()
		p, err := r.NextPart()
		if err != nil {
			tb.Fatalf("report body: %v", err)
		}
		body, _ := io.ReadAll(p.Body)
		to, subjects, bodies = append(to, addrs[0].Address), append(subjects, subject), append(bodies, string(body))
	}
	return to, subjects, bodies
}

// TestReportDryRun builds a day with every kind of problem and checks that
// each admin gets only its own division's lines, that no code appears, and
// that the summary adds up.
func TestReportDryRun(t *testing.T) {
	dir := t.TempDir()
	cfg := reportConfig(t, dir)
	ingestOK(t, cfg, "admin@tyumen.company.ru", "0001", "old@test", "_cmd=insert:eml=x\n_cmd=insert:eml=ok@company.ru")
	sqlExec(t, dir, `UPDATE journal SET received = ? WHERE message_id LIKE '%old@test%'`, time.Now().Add(-30*time.Hour).UnixNano())
	ingestOK(t, cfg, "admin@tyumen.company.ru", "0001", "rej@test",
		"_cmd=insert:eml=a@company.ru\n_cmd=insert:eml=broken-address\n_cmd=update:eml=b@company.ru:act=maybe")
	ingestOK(t, cfg, "admin@tobolsk.company.ru", "0002", "tob@test", "_cmd=insert:eml=t@company.ru")
	ingestOK(t, cfg, "evil@elsewhere.example", "0003", "bad@test", "_cmd=delete:eml=a@company.ru")
	ingestOK(t, cfg, "guess@elsewhere.example", "4242", "guess@test", "_cmd=delete:eml=a@company.ru")
	holdSync(t, cfg, "admin@surgut.company.ru", "0003", "held-surgut@test")
	holdSync(t, cfg, "admin@tobolsk.company.ru", "0002", "held-tobolsk@test")

	r := runCmd(t, "", nil, "report", "-n", "-from", "userdir@company.ru", "-config", cfg)
	if r.code != exitOK {
		t.Fatalf("report -n: %+v", r)
	}
	for _, code := range []string{"0001", "0002", "0003", "4242"} {
		if strings.Contains(r.stdout, code) {
			t.Errorf("a division code (%s) is in the reports", code)
		}
	}
	to, subjects, bodies := splitMbox(t, r.stdout)
	if strings.Join(to, " ") != "it@tyumen.company.ru it@surgut.company.ru boss@company.ru" {
		t.Fatalf("reports went to %v, want Tyumen's admin, Surgut's admin and report_to", to)
	}
	for _, code := range []string{"0001", "0002", "0003", "4242"} {
		if strings.Contains(strings.Join(bodies, "")+strings.Join(subjects, ""), code) {
			t.Errorf("a division code (%s) is in a decoded report", code)
		}
	}
	contains := func(who, body string, want, wantNot []string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s's report lacks %q:\n%s", who, w, body)
			}
		}
		for _, w := range wantNot {
			if strings.Contains(body, w) {
				t.Errorf("%s's report has %q:\n%s", who, w, body)
			}
		}
	}
	others := []string{"evil@", "held-surgut", "held-tobolsk", "guess@", "tob@test", "old@test"}
	contains("Tyumen", bodies[0], []string{"<rej@test>", "line 2: ", "line 3: ", "broken-address", "act=maybe", "Rejected lines (2"},
		append(others, "STALE", "Held syncs"))
	contains("Surgut", bodies[1], []string{"from evil@elsewhere.example", "<held-surgut@test>", "force=1", "userdir release",
		"STALE", "@surgut.company.ru, admin@company.ru"}, []string{"rej@test", "held-tobolsk", "guess@", "tob@test", "Rejected lines"})
	if !strings.Contains(subjects[0], "2 problem") || !strings.Contains(subjects[1], "3 problem") {
		t.Errorf("subjects %q", subjects)
	}

	// The summary: one row per division and a total that adds up.
	sum := bodies[2]
	rows := map[string][]int{}
	for _, line := range strings.Split(sum, "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || (f[0] != "tyumen" && f[0] != "tobolsk" && f[0] != "surgut" && f[0] != "total") {
			continue
		}
		at := 2
		if f[0] == "total" {
			at = 1
		}
		for _, s := range f[at : at+4] {
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("summary row %q: %v", line, err)
			}
			rows[f[0]] = append(rows[f[0]], n)
		}
	}
	want := map[string][]int{"tyumen": {1, 2, 0, 0}, "tobolsk": {1, 0, 0, 1}, "surgut": {0, 0, 1, 1}, "total": {2, 2, 1, 2}}
	for div, w := range want {
		if !slicesEqual(rows[div], w) {
			t.Errorf("summary %s = %v, want %v (applied, rejected lines, bad sender, held):\n%s", div, rows[div], w, sum)
		}
	}
	contains("the summary", sum, []string{"from guess@elsewhere.example", "Messages with an unknown code (1"}, []string{"old@test"})
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
