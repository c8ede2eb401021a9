package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"userdir/mailcmd"
)

// writeAgentConfig writes an agent config reading dir/accounts.csv and
// sending with dir/sendmail, and returns its path.
func writeAgentConfig(tb testing.TB, dir, extra string) string {
	tb.Helper()
	path := filepath.Join(dir, "agent.toml")
	text := fmt.Sprintf("to = \"userdir@company.ru\"\nfrom = \"agent@tyumen.company.ru\"\n%s\n[source]\ndriver = \"csv\"\nfile = \"accounts.csv\"\n[send]\nsendmail = %q\n",
		extra, filepath.Join(dir, "sendmail"))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	csv := "eml,name\nivanov@company.ru,Иванов Иван\n"
	if err := os.WriteFile(filepath.Join(dir, "accounts.csv"), []byte(csv), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestAgentErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := writeAgentConfig(t, dir, "")
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("to = \"a@b.ru\"\nfrom = \"c@d.ru\"\nmax_shrink = \"lots\"\n[source]\ndriver = \"csv\"\nfile = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		code int
		err  string
	}{
		{[]string{"agent", "-division-code", "0001"}, nil, exitUsage, "flag provided but not defined: -division-code"},
		{[]string{"agent", "-once", "-config", bad}, nil, exitConfig, "bad.toml:3: max_shrink: want a percentage"},
		{[]string{"agent", "-once", "-config", cfg}, nil, exitConfig, "no division code"},
		{[]string{"agent", "-once"}, map[string]string{"USERDIR_AGENT_CONFIG": filepath.Join(dir, "none.toml")}, exitConfig, "none.toml"},
	} {
		r := runCmd(t, "", tc.env, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.err) {
			t.Errorf("userdir %q: exit %d, stderr %q; want %d, …%s…", tc.args, r.code, r.stderr, tc.code, tc.err)
		}
	}
}

// TestAgentService runs the agent without -once: it sends at once, then
// waits for its interval, and stops cleanly when its context ends.
func TestAgentService(t *testing.T) {
	dir := t.TempDir()
	cfg := writeAgentConfig(t, dir, "interval = \"1h\"")
	fifo := filepath.Join(dir, "sent")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\ncat > %s/message\necho \"$*\" > %s\n", dir, fifo)
	if err := os.WriteFile(filepath.Join(dir, "sendmail"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr,
		getenv: func(k string) string { return map[string]string{"USERDIR_DIVISION_CODE": "0001"}[k] }}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"agent", "-config", cfg}, e) }()

	args := make(chan []byte, 1)
	go func() { b, _ := os.ReadFile(fifo); args <- b }() // blocks until sendmail writes
	select {
	case b := <-args:
		if got := strings.TrimSpace(string(b)); got != "-t -i -f agent@tyumen.company.ru" {
			t.Errorf("sendmail ran with %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the service sent nothing within 30s:\n%s", stderr.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after the context ended:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the service did not stop when its context ended")
	}
	msg, err := os.ReadFile(filepath.Join(dir, "message"))
	if err != nil || !bytes.Contains(msg, []byte("Subject: 0001\n")) || !bytes.Contains(msg, []byte("_cmd=3Dsync:type=3Dmbox")) {
		t.Errorf("sendmail was given %q, %v", msg, err)
	}
	if _, err := os.Stat(cfg + ".state"); err != nil {
		t.Errorf("no state beside the config after an accepted message: %v", err)
	}
}

// TestAgentSMTP: with [send] smtp the agent submits to the relay; the
// state advances only when the relay accepted the message.
func TestAgentSMTP(t *testing.T) {
	for _, tc := range []struct {
		name, rcptReply string
		accepted        bool
	}{
		{"accepted", "", true},
		{"recipient refused", "451 4.3.0 try again later", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			relay := startRelay(t, nil, tc.rcptReply)
			cfg := filepath.Join(dir, "agent.toml")
			text := fmt.Sprintf("to = \"userdir@company.ru\"\nfrom = \"agent@tyumen.company.ru\"\n[source]\ndriver = \"csv\"\nfile = \"a.csv\"\n[send]\nsmtp = %q\ntimeout = \"10s\"\n", relay.ln.Addr().String())
			for name, data := range map[string]string{cfg: text, filepath.Join(dir, "a.csv"): "eml,name,post\npetrov@company.ru,Петров Пётр,Инженер: связь\n"} {
				if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r := runCmd(t, "", map[string]string{"USERDIR_DIVISION_CODE": sendCode}, "agent", "-once", "-config", cfg)
			_, stateErr := os.Stat(cfg + ".state")
			if !tc.accepted {
				if r.code != exitFailure || !strings.Contains(r.stderr, "RCPT TO: 451") || stateErr == nil || strings.Contains(r.stderr, sendCode) {
					t.Fatalf("exit %d, stderr %q, state %v; want 1, the relay's reply, no state", r.code, r.stderr, stateErr)
				}
				return
			}
			if r.code != exitOK || r.stderr != "" || stateErr != nil {
				t.Fatalf("exit %d, stderr %q, state %v", r.code, r.stderr, stateErr)
			}
			got := relay.captured(t)
			m := ingestSent(t, got.data, sendCode)
			if got.from != "FROM:<agent@tyumen.company.ru>" || len(m.Commands) != 2 || m.Commands[0].Op != mailcmd.OpSync ||
				m.Commands[1].Eml != "petrov@company.ru" || m.Commands[1].Values[mailcmd.FieldPost] != "Инженер: связь" {
				t.Errorf("MAIL %q; ingest read %+v", got.from, m)
			}
		})
	}
}

// TestAgentForceSyncIntoIngest: after the agent refuses a shrunk source,
// `agent -once -force -sync` sends a sync with force=1, and the centre
// applies it although it deletes more than sync_max_delete (a plain sync
// of the same records is held).
func TestAgentForceSyncIntoIngest(t *testing.T) {
	centre := sampleConfig(t, t.TempDir())
	dir := t.TempDir()
	cfg := writeAgentConfig(t, dir, "")
	if err := os.WriteFile(filepath.Join(dir, "sendmail"), []byte(fmt.Sprintf("#!/bin/sh\ncat > %s/message\n", dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"USERDIR_DIVISION_CODE": "0001"}
	accounts := func(n int) {
		csv := "eml,name\n" + strings.ReplaceAll(strings.ReplaceAll(tyumenMailboxes(n), "_cmd=insert:type=mbox:eml=", ""), ":name=", ",")
		if err := os.WriteFile(filepath.Join(dir, "accounts.csv"), []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	deliver := func(args ...string) string {
		t.Helper()
		os.Remove(filepath.Join(dir, "message"))
		if r := runCmd(t, "", env, append([]string{"agent", "-config", cfg, "-once"}, args...)...); r.code != exitOK {
			t.Fatalf("agent %q: %+v", args, r)
		}
		msg, err := os.ReadFile(filepath.Join(dir, "message"))
		if err != nil {
			t.Fatalf("agent %q sent nothing: %v", args, err)
		}
		mustIngest(t, centre, string(msg))
		return string(msg)
	}
	accounts(20)
	deliver()
	if n := tyumenEntries(t, centre); n != 20 {
		t.Fatalf("after the first sync: %d entries", n)
	}
	accounts(3)
	if r := runCmd(t, "", env, "agent", "-config", cfg, "-once", "-sync"); r.code != exitFailure || !strings.Contains(r.stderr, "max_shrink") {
		t.Fatalf("a shrunk source: %+v; want refused", r)
	}
	// A plain sync of the three (as -force sent before force=1) is held.
	plain := commandMail("0001", "plain@test", time.Now().Add(time.Minute).Format(time.RFC1123Z), "_cmd=sync:type=mbox\n"+tyumenMailboxes(3))
	mustIngest(t, centre, plain)
	if n := tyumenEntries(t, centre); n != 20 || !strings.Contains(lastJournal(t, centre), "held") {
		t.Fatalf("a plain sync of 3: %d entries, journal %s", n, lastJournal(t, centre))
	}
	msg := deliver("-force", "-sync")
	_, body, _ := strings.Cut(msg, "\n\n")
	decoded, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil || !strings.HasPrefix(string(decoded), "_cmd=sync:type=mbox:force=1\n") {
		t.Errorf("the forced sync has no force=1:\n%s", msg)
	}
	if n := tyumenEntries(t, centre); n != 3 || !strings.Contains(lastJournal(t, centre), "applied") {
		t.Errorf("after agent -force -sync: %d entries, journal %s", n, lastJournal(t, centre))
	}
}
