package ingest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"userdir/mailcmd"
	"userdir/store"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/mail")

// goldenEnvelope is the envelope sender given with a message ($SENDER); "" when absent.
var goldenEnvelope = map[string]string{
	"postfix-pipe-from":   "admin@tyumen.company.ru",
	"surgut-envelope-ok":  "<admin@company.ru>",
	"surgut-envelope-bad": "spoof@evil.example",
}

// goldenMaxBytes is the max_message_bytes of a message's test; 0 means the default.
var goldenMaxBytes = map[string]int64{
	"too-large": 512,
}

// TestGolden ingests every testdata/mail/NAME.eml and compares what the
// Applier received with NAME.golden.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "mail", "*.eml"))
	if err != nil || len(files) < 30 {
		t.Fatalf("found %d .eml files (%v), want at least 30", len(files), err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".eml")
		t.Run(name, func(t *testing.T) {
			got := ingestFile(t, file, name)
			golden := strings.TrimSuffix(file, ".eml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if got != string(want) {
				t.Errorf("ingest %s:\n--- got\n%s\n--- want\n%s", name, got, want)
			}
		})
	}
}

// ingestFile ingests one file and renders the outcome, checking the
// invariants that hold for every message on the way.
func ingestFile(t *testing.T, file, name string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	logs := &attrRecorder{}
	in, rec := newTestIngester(t, goldenMaxBytes[name], logs)
	rep, err := in.Ingest(context.Background(), bytes.NewReader(data), goldenEnvelope[name])
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if n := len(rec.messages) + len(rec.ignored); n != 1 {
		t.Fatalf("Ingest recorded %d messages and ignored ones, want 1", n)
	}
	checkNoCode(t, logs, rec)
	var b strings.Builder
	fmt.Fprintf(&b, "report: outcome=%s division=%q message-id=%q applied=%d rejected=%d warnings=%d\n",
		rep.Outcome, rep.Division, rep.MessageID, rep.Result.Applied, rep.Result.Rejected, rep.Result.Warnings)
	for _, m := range rec.messages {
		checkMessage(t, m)
		writeMessage(&b, m)
	}
	for _, e := range rec.ignored {
		writeIgnored(&b, e)
	}
	return b.String()
}

// checkNoCode fails when a division code or the Subject shows up as a
// logged value or in the reason of an ignored message.
func checkNoCode(t *testing.T, logs *attrRecorder, rec *recorder) {
	t.Helper()
	secrets := []string{"0001", "0002", "0003", "1234"}
	for _, v := range logs.values {
		for _, s := range secrets {
			if strings.TrimSpace(v) == s {
				t.Errorf("logged value %q reveals a code or the subject", v)
			}
		}
	}
	for _, e := range rec.ignored {
		for _, s := range secrets {
			if strings.Contains(e.Reason, s) {
				t.Errorf("ignored reason %q contains a code", e.Reason)
			}
		}
	}
}

// checkMessage checks the contract of store.Message and mailcmd.Command.
func checkMessage(t *testing.T, m *store.Message) {
	t.Helper()
	if m.MessageID == "" || m.Division == "" || m.Stamp.IsZero() || !m.Received.Equal(testNow) {
		t.Errorf("message %+v lacks an id, division or stamp", m)
	}
	if m.Stamp.After(testNow.Add(24 * time.Hour)) {
		t.Errorf("stamp %v is more than a day after arrival", m.Stamp)
	}
	for _, c := range m.Commands {
		if c.Op != mailcmd.OpSync && (c.Eml == "" || c.Eml != strings.ToLower(c.Eml)) {
			t.Errorf("line %d: eml %q is empty or not lower-case", c.Line, c.Eml)
		}
		for f := range mailcmd.NumFields {
			if !c.Present[f] && c.Values[f] != "" {
				t.Errorf("line %d: absent field %s has value %q", c.Line, f.Key(), c.Values[f])
			}
		}
	}
}

// writeMessage renders an applied message in a stable text form.
func writeMessage(b *strings.Builder, m *store.Message) {
	fmt.Fprintf(b, "message:\n  division: %s\n  message-id: %s\n  stamp: %s\n  received: %s\n  sender: %s\n",
		m.Division, m.MessageID, m.Stamp.UTC().Format(time.RFC3339), m.Received.UTC().Format(time.RFC3339), m.Sender)
	for _, c := range m.Commands {
		fmt.Fprintf(b, "  command line %d: %s", c.Line, c.Op)
		if c.Op == mailcmd.OpSync {
			fmt.Fprintf(b, " kind=%s\n", c.Kind)
			continue
		}
		fmt.Fprintf(b, " eml=%s\n", c.Eml)
		for f := range mailcmd.NumFields {
			if c.Present[f] {
				fmt.Fprintf(b, "    %s: %q\n", f.Key(), c.Values[f])
			}
		}
	}
	for _, n := range m.Rejects {
		fmt.Fprintf(b, "  reject line %d: %s\n    text: %q\n", n.Line, n.Reason, n.Text)
	}
	for _, n := range m.Warnings {
		fmt.Fprintf(b, "  warning line %d: %s\n    text: %q\n", n.Line, n.Reason, n.Text)
	}
}

// writeIgnored renders an ignored message in a stable text form.
func writeIgnored(b *strings.Builder, e store.Ignored) {
	fmt.Fprintf(b, "ignored:\n  outcome: %s\n  division: %q\n  message-id: %s\n  sender: %s\n  received: %s\n  size: %d\n  reason: %s\n",
		e.Outcome, e.Division, e.MessageID, e.Sender, e.Received.UTC().Format(time.RFC3339), e.Size, e.Reason)
}
