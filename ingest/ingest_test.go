package ingest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"userdir/config"
	"userdir/store"
)

const simpleMsg = "Date: Mon, 10 Mar 2025 13:55:12 +0500\nFrom: admin@tyumen.company.ru\nSubject: 0001\nMessage-ID: <m1@x>\n\n_cmd=delete:eml=a@b.ru\n"

func TestIngestStoreErrors(t *testing.T) {
	tests := []struct {
		name      string
		msg       string
		applyErr  error
		ignoreErr error
	}{
		{name: "apply fails", msg: simpleMsg, applyErr: errStore},
		{name: "journal of an unknown code fails", msg: strings.Replace(simpleMsg, "0001", "9999", 1), ignoreErr: errStore},
		{name: "journal of an unparsable message fails", msg: "garbage\n\n", ignoreErr: errStore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, rec := newTestIngester(t, 0, nil)
			rec.applyErr, rec.ignoreErr = tt.applyErr, tt.ignoreErr
			_, err := in.Ingest(context.Background(), strings.NewReader(tt.msg), "")
			if !errors.Is(err, errStore) {
				t.Errorf("Ingest error %v, want one wrapping %v", err, errStore)
			}
		})
	}
}

func TestIngestReadError(t *testing.T) {
	in, rec := newTestIngester(t, 0, nil)
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("Subject: 0001\n"), iotest.ErrReader(boom))
	_, err := in.Ingest(context.Background(), r, "")
	if !errors.Is(err, boom) {
		t.Errorf("Ingest error %v, want the read error", err)
	}
	if len(rec.messages)+len(rec.ignored) != 0 {
		t.Errorf("a message that could not be read was recorded: %+v %+v", rec.messages, rec.ignored)
	}
}

// TestIngestTooLargeDrains checks that a too-large message is read to its
// end (the MTA is not left with a broken pipe) yet held only up to the limit.
func TestIngestTooLargeDrains(t *testing.T) {
	in, rec := newTestIngester(t, 100, nil)
	cr := &countingReader{r: strings.NewReader(simpleMsg + strings.Repeat("x\n", 5000))}
	rep, err := in.Ingest(context.Background(), cr, "")
	if err != nil || rep.Outcome != store.OutcomeTooLarge {
		t.Fatalf("Ingest = %+v, %v; want too-large", rep, err)
	}
	if want := int64(len(simpleMsg) + 10000); cr.n != want {
		t.Errorf("read %d bytes, want all %d", cr.n, want)
	}
	if len(rec.ignored) != 1 || rec.ignored[0].Size != 101 || rec.ignored[0].Division != "tyumen" {
		t.Errorf("ignored = %+v, want one of size 101 for tyumen", rec.ignored)
	}
}

func TestIngestReport(t *testing.T) {
	in, _ := newTestIngester(t, 0, nil)
	rep, err := in.Ingest(context.Background(), strings.NewReader(simpleMsg), "")
	want := Report{Outcome: store.OutcomeApplied, Division: "tyumen", MessageID: "m1@x",
		Result: store.Result{Outcome: store.OutcomeApplied, Applied: 1}}
	if err != nil || rep != want {
		t.Errorf("Ingest = %+v, %v; want %+v", rep, err, want)
	}
}

// TestIngestDigestStable checks that a message without Message-ID gets
// the same id when it is delivered again, even with other line ends or
// another envelope, and another id when its body differs.
func TestIngestDigestStable(t *testing.T) {
	msg := strings.Replace(simpleMsg, "Message-ID: <m1@x>\n", "", 1)
	ids := map[string]string{}
	for name, variant := range map[string]string{
		"lf":    msg,
		"crlf":  strings.ReplaceAll(msg, "\n", "\r\n"),
		"mbox":  "From admin@tyumen.company.ru  Mon Mar 10 15:40:02 2025\nReturn-Path: <x@y.ru>\n" + msg,
		"other": strings.Replace(msg, "a@b.ru", "c@d.ru", 1),
	} {
		in, _ := newTestIngester(t, 0, nil)
		rep, err := in.Ingest(context.Background(), strings.NewReader(variant), "")
		if err != nil || !strings.HasPrefix(rep.MessageID, "sha256:") || len(rep.MessageID) != len("sha256:")+64 {
			t.Fatalf("%s: Ingest = %+v, %v; want a sha256 message id", name, rep, err)
		}
		ids[name] = rep.MessageID
	}
	if ids["lf"] != ids["crlf"] || ids["lf"] != ids["mbox"] {
		t.Errorf("redeliveries got different ids: %v", ids)
	}
	if ids["lf"] == ids["other"] {
		t.Errorf("different bodies got the same id %s", ids["lf"])
	}
}

func TestIngestStamp(t *testing.T) {
	tests := []struct {
		date string
		want time.Time
	}{
		{"Mon, 10 Mar 2025 13:55:12 +0500", time.Date(2025, 3, 10, 8, 55, 12, 0, time.UTC)},
		{"Tue, 11 Mar 2025 11:59:00 +0000", time.Date(2025, 3, 11, 11, 59, 0, 0, time.UTC)}, // within a day ahead
		{"Tue, 11 Mar 2025 12:00:01 +0000", testNow},                                        // more than a day ahead
		{"1 Jan 2001 00:00:00 +0000", time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"not a date", testNow},
	}
	for _, tt := range tests {
		in, rec := newTestIngester(t, 0, nil)
		msg := "Date: " + tt.date + "\nSubject: 0001\nMessage-ID: <s@x>\n\n_cmd=delete:eml=a@b.ru\n"
		if _, err := in.Ingest(context.Background(), strings.NewReader(msg), ""); err != nil || len(rec.messages) != 1 {
			t.Fatalf("Ingest(Date %q): %v", tt.date, err)
		}
		if got := rec.messages[0].Stamp; !got.Equal(tt.want) {
			t.Errorf("Date %q: stamp %v, want %v", tt.date, got, tt.want)
		}
	}
}

func TestDivisionAllows(t *testing.T) {
	d := &division{senders: []string{"@surgut.company.ru", "admin@company.ru"}}
	tests := []struct {
		sender string
		want   bool
	}{
		{"ivan@surgut.company.ru", true},
		{"IVAN@SURGUT.COMPANY.RU", true},
		{"admin@company.ru", true},
		{"Admin@Company.RU", true},
		{"ivan@evil-surgut.company.ru", false},
		{"ivan@mail.surgut.company.ru", false},
		{"other@company.ru", false},
		{"admin@company.ru.evil", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := d.allows(tt.sender); got != tt.want {
			t.Errorf("allows(%q) = %v, want %v", tt.sender, got, tt.want)
		}
	}
	if open := (&division{}); !open.allows("") || !open.allows("anyone@anywhere.net") {
		t.Error("a division without senders must allow every sender")
	}
}

func TestMatch(t *testing.T) {
	in := New(Options{Divisions: []config.Division{
		{ID: "a", Code: "0001"},
		{ID: "b", Code: "secret code"},
		{ID: "nocode", Code: ""},
	}}, nopApplier{})
	tests := []struct{ subject, want string }{
		{"0001", "a"},
		{"secret code", "b"},
		{"0002", ""},
		{"000", ""},
		{"00011", ""},
		{"", ""},
		{"SECRET CODE", ""},
	}
	for _, tt := range tests {
		got := ""
		if d := in.match(tt.subject); d != nil {
			got = d.ID
		}
		if got != tt.want {
			t.Errorf("match(%q) = %q, want %q", tt.subject, got, tt.want)
		}
	}
}

// TestIngestEnvelopeSenderWins checks the senders rule with both an
// envelope sender and a From: that disagree.
func TestIngestEnvelopeSenderWins(t *testing.T) {
	msg := "Subject: 0003\nFrom: ivan@surgut.company.ru\nMessage-ID: <e@x>\n\n_cmd=delete:eml=a@b.ru\n"
	tests := []struct {
		envelope string
		want     store.Outcome
	}{
		{"", store.OutcomeApplied},
		{"admin@company.ru", store.OutcomeApplied},
		{"<>", store.OutcomeApplied}, // the null sender: From: decides
		{"mallory@example.net", store.OutcomeBadSender},
	}
	for _, tt := range tests {
		in, _ := newTestIngester(t, 0, nil)
		rep, err := in.Ingest(context.Background(), strings.NewReader(msg), tt.envelope)
		if err != nil || rep.Outcome != tt.want {
			t.Errorf("envelope %q: Ingest = %+v, %v; want %s", tt.envelope, rep, err, tt.want)
		}
	}
}
