package ingest

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"
	"unicode/utf8"

	"userdir/internal/seeds"
	"userdir/mailmsg"
)

func FuzzIngest(f *testing.F) {
	for _, data := range seeds.Files(f, "testdata/mail/*.eml", "testdata/fuzz/ingest-mail/*") {
		f.Add(data, "")
	}
	f.Add([]byte(simpleMsg), "admin@company.ru")
	divisions := testDivisions(f)
	f.Fuzz(func(t *testing.T, data []byte, envelope string) {
		rec := &recorder{}
		in := New(Options{Divisions: divisions, MaxMessageBytes: 1 << 16, Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler)}, rec)
		rep, err := in.Ingest(context.Background(), bytes.NewReader(data), envelope)
		if err != nil {
			t.Fatalf("Ingest error %v: only the store and the reader may fail", err)
		}
		if rep.Outcome == "" || rep.MessageID == "" || len(rec.messages)+len(rec.ignored) != 1 {
			t.Fatalf("Ingest = %+v with %d applied and %d ignored", rep, len(rec.messages), len(rec.ignored))
		}
		for _, m := range rec.messages {
			if m.Stamp.After(testNow.Add(futureSlack)) || m.Division == "" {
				t.Errorf("message %+v", m)
			}
		}
		if m, err := mailmsg.ReadMail(bytes.NewReader(data), 0); err == nil {
			if body, err := m.Body("koi8-r"); err == nil && !utf8.ValidString(body) {
				t.Errorf("Body is not valid UTF-8: %q", body)
			}
		}
	})
}
