package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// sampleConfig writes a copy of testdata/userdir.toml whose store is in dir
// and returns its path.
func sampleConfig(tb testing.TB, dir string) string {
	tb.Helper()
	data, err := os.ReadFile("../../testdata/userdir.toml")
	if err != nil {
		tb.Fatal(err)
	}
	text := strings.Replace(string(data), `store = "userdir.db"`, fmt.Sprintf("store = %q", filepath.Join(dir, "userdir.db")), 1)
	text = strings.Replace(text, "ldap://127.0.0.1:3389", "ldap://127.0.0.1:0", 1)
	path := filepath.Join(dir, "userdir.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// commandMail returns a message for division code with the given body.
func commandMail(code, id, date, body string) string {
	return "From: admin@tyumen.company.ru\nTo: dir@company.ru\nSubject: " + code + "\nDate: " + date +
		"\nMessage-ID: <" + id + ">\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n"
}

func TestIngestExitStatus(t *testing.T) {
	dir := t.TempDir()
	cfg := sampleConfig(t, dir)
	msg := commandMail("0001", "exit@test", "Mon, 02 Nov 2026 10:00:00 +0500",
		"_cmd=insert:type=mbox:name=Иванов Иван:eml=ivanov@company.ru:gor=88-02-93")
	tests := []struct {
		name  string
		args  []string
		stdin string
		vars  map[string]string
		code  int
		out   string
	}{
		{"applied", []string{"ingest", "-config", cfg}, msg, nil, exitOK, ""},
		{"duplicate", []string{"ingest", "-config", cfg}, msg, nil, exitOK, ""},
		{"unknown code is ignored, not bounced", []string{"ingest", "-config", cfg}, commandMail("9999", "x@y", "", "_cmd=delete:eml=ivanov@company.ru"), nil, exitOK, ""},
		{"config from $USERDIR_CONFIG", []string{"ingest"}, commandMail("0001", "env@test", "", ""), map[string]string{"USERDIR_CONFIG": cfg}, exitOK, ""},
		{"missing config", []string{"ingest", "-config", filepath.Join(dir, "nope.toml")}, msg, nil, exitTempFail, "4.3.0 "},
		{"bad flag", []string{"ingest", "-bogus"}, msg, nil, exitTempFail, "4.3.0 "},
		{"store directory missing", []string{"ingest", "-config", brokenStoreConfig(t, dir)}, msg, nil, exitTempFail, "4.3.0 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.stdin, tt.vars, tt.args...)
			if r.code != tt.code || !strings.HasPrefix(r.stdout, tt.out) || (tt.out == "" && r.stdout != "") {
				t.Errorf("exit %d, stdout %q (stderr %q); want %d and stdout starting %q", r.code, r.stdout, r.stderr, tt.code, tt.out)
			}
			if strings.Contains(r.stdout+r.stderr, "0001") {
				t.Errorf("a division code was printed: %q %q", r.stdout, r.stderr)
			}
		})
	}
	r := runCmd(t, "", nil, "dump", "-config", cfg, "-role", "all")
	if !strings.Contains(r.stdout, "mail: ivanov@company.ru") {
		t.Errorf("record missing from dump: %s", r.stdout)
	}
}

func brokenStoreConfig(tb testing.TB, dir string) string {
	tb.Helper()
	data, err := os.ReadFile(sampleConfig(tb, dir))
	if err != nil {
		tb.Fatal(err)
	}
	text := strings.Replace(string(data), filepath.Join(dir, "userdir.db"), filepath.Join(dir, "no", "such", "dir", "userdir.db"), 1)
	path := filepath.Join(dir, "broken.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// A locked store defers the message (75) and applies nothing; once the
// lock is gone the same message applies.
func TestIngestLockedStoreDefersThenApplies(t *testing.T) {
	dir := t.TempDir()
	cfg := sampleConfig(t, dir)
	if r := runCmd(t, commandMail("0002", "first@test", "", "_cmd=insert:eml=first@company.ru"), nil, "ingest", "-config", cfg); r.code != exitOK {
		t.Fatalf("first ingest: %+v", r)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "userdir.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	msg := commandMail("0002", "locked@test", "Tue, 03 Nov 2026 10:00:00 +0500", "_cmd=insert:name=Ёлкин Пётр:eml=yolkin@company.ru")
	start := time.Now()
	r := runCmd(t, msg, nil, "ingest", "-config", cfg, "-lock-timeout", "300ms")
	if r.code != exitTempFail || !strings.HasPrefix(r.stdout, "4.3.0 ") {
		t.Fatalf("ingest on a locked store: %+v; want 75 and 4.3.0", r)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Errorf("gave up after %v, before the lock timeout", time.Since(start))
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if d := runCmd(t, "", nil, "dump", "-config", cfg, "-role", "all"); strings.Contains(d.stdout, "yolkin") {
		t.Fatal("a deferred message was applied")
	}
	if r := runCmd(t, msg, nil, "ingest", "-config", cfg); r.code != exitOK {
		t.Fatalf("retry: %+v", r)
	}
	if d := runCmd(t, "", nil, "dump", "-config", cfg, "-role", "all"); !strings.Contains(d.stdout, "mail: yolkin@company.ru") {
		t.Fatalf("retried message not applied: %s", d.stdout)
	}
}

// buildBinary builds userdir once per test binary run.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "userdir")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkIngestBinary runs the built binary on a one-command message, as
// Postfix's pipe does for every message: process start, config, store
// open, parse, one durable transaction.
func BenchmarkIngestBinary(b *testing.B) {
	bin := buildBinary(b)
	dir := b.TempDir()
	cfg := sampleConfig(b, dir)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := commandMail("0001", fmt.Sprintf("bench-%d@test", i), "", fmt.Sprintf("_cmd=update:eml=u%d@company.ru:gor=88-02-%02d", i%50, i%100))
		cmd := exec.Command(bin, "ingest", "-config", cfg)
		cmd.Stdin = strings.NewReader(msg)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ingest: %v %s", err, out)
		}
	}
}

// BenchmarkIngest10000Lines parses and applies one message of 10,000
// insert lines through the whole ingest path (in-process).
func BenchmarkIngest10000Lines(b *testing.B) {
	var body strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&body, "_cmd=insert:type=mbox:name=Сотрудник%05d Тест Тестович:eml=user%05d@company.ru:gor=+7 (3452) 88-%02d-%02d:mer=%04d:of=%d:post=Инженер:sdiv=Отдел %d\n",
			i, i, i/100%100, i%100, i, i%500, i%20)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := sampleConfig(b, b.TempDir())
		msg := commandMail("0001", fmt.Sprintf("big-%d@test", i), "", body.String())
		b.StartTimer()
		if r := runCmd(b, msg, nil, "ingest", "-config", cfg); r.code != exitOK {
			b.Fatalf("ingest: %+v", r)
		}
	}
}
