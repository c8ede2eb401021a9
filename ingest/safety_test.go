package ingest

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"userdir/config"
	"userdir/store"
)

// realIngester returns an Ingester over one division "ishim" with the
// given options, applying into a fresh store.
func realIngester(t *testing.T, d config.Division) (*Ingester, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{
		Path: filepath.Join(t.TempDir(), "u.db"), Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d.ID, d.Name, d.Code = "ishim", "Ишим", "0005"
	in := New(Options{Divisions: []config.Division{d}, Now: func() time.Time { return testNow },
		Logger: slog.New(slog.DiscardHandler)}, st)
	return in, st
}

// ishimMessage returns a message of division 0005 with the extra header lines
// and body.
func ishimMessage(id string, minute int, header, body string) string {
	return fmt.Sprintf("Date: Mon, 10 Mar 2025 11:%02d:00 +0000\nFrom: admin@ishim.company.ru\nSubject: 0005\n"+
		"Message-ID: <%s>\n%s\n%s", minute, id, header, body)
}

func ingestOK(t *testing.T, in *Ingester, msg, sender string) Report {
	t.Helper()
	rep, err := in.Ingest(context.Background(), strings.NewReader(msg), sender)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	return rep
}

func mailboxes(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "_cmd=insert:type=mbox:eml=u%03d@ishim.company.ru:name=User %d\n", i, i)
	}
	return b.String()
}

func liveCount(t *testing.T, st *store.Store) int {
	t.Helper()
	recs, _, err := st.Records(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// TestDamagedBase64SyncHeld is issue 8's case (d): a base64 sync of 100
// mailboxes damaged halfway used to delete the 49 it no longer listed and
// be journaled applied. Now it is held, nothing of it applies.
func TestDamagedBase64SyncHeld(t *testing.T) {
	in, st := realIngester(t, config.Division{})
	ingestOK(t, in, ishimMessage("m1@x", 1, "", mailboxes(100)), "")
	body := "_cmd=sync:type=mbox\n" + mailboxes(100)
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	half := len(enc) / 2
	half -= half % 4
	damaged := enc[:half] + "!!!!" + enc[half:]
	var wrapped strings.Builder
	for len(damaged) > 76 {
		wrapped.WriteString(damaged[:76] + "\n")
		damaged = damaged[76:]
	}
	wrapped.WriteString(damaged + "\n")
	hdr := "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n"
	rep := ingestOK(t, in, ishimMessage("sync@x", 2, hdr, wrapped.String()), "")
	if rep.Outcome != store.OutcomeHeld || !strings.Contains(rep.Result.Reason, "did not decode cleanly") {
		t.Fatalf("damaged sync: %+v, want held for its damage", rep)
	}
	if n := liveCount(t, st); n != 100 {
		t.Fatalf("after a damaged sync %d mailboxes live, want 100", n)
	}
}

// TestBOMBodies checks that a UTF-16 or UTF-32 body with a byte order mark
// and no charset is read (issue 8: it was dropped as no-commands).
func TestBOMBodies(t *testing.T) {
	text := "_cmd=insert:eml=ivanov@ishim.company.ru:name=Иванов Иван\r\n"
	encs := map[string][]byte{}
	u16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(text)
	u16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String(text)
	u32le, _ := utf32.UTF32(utf32.LittleEndian, utf32.UseBOM).NewEncoder().String(text)
	u32be, _ := utf32.UTF32(utf32.BigEndian, utf32.UseBOM).NewEncoder().String(text)
	encs["utf-16le"], encs["utf-16be"], encs["utf-32le"], encs["utf-32be"] = []byte(u16le), []byte(u16be), []byte(u32le), []byte(u32be)
	for name, raw := range encs {
		t.Run(name, func(t *testing.T) {
			in, st := realIngester(t, config.Division{})
			hdr := "Content-Transfer-Encoding: base64\n"
			rep := ingestOK(t, in, ishimMessage("bom@x", 1, hdr, base64.StdEncoding.EncodeToString(raw)+"\n"), "")
			if rep.Outcome != store.OutcomeApplied {
				t.Fatalf("%s body: %+v, want applied", name, rep)
			}
			recs, _, _ := st.Records(context.Background(), false)
			if len(recs) != 1 || recs[0].Values[1] != "Иванов Иван" {
				t.Fatalf("%s body: records %+v", name, recs)
			}
		})
	}
}

// TestSenderForms is issue 8's silent sender mismatch: cron's sendmail -t
// sends as root@mx.ishim.company.ru, which @ishim.company.ru does not match
// (exactly that domain), but .ishim.company.ru does (any host under it).
func TestSenderForms(t *testing.T) {
	tests := []struct {
		senders []string
		sender  string
		want    store.Outcome
	}{
		{[]string{"@ishim.company.ru"}, "root@mx.ishim.company.ru", store.OutcomeBadSender},
		{[]string{"@ishim.company.ru"}, "admin@ishim.company.ru", store.OutcomeApplied},
		{[]string{"@ishim.company.ru"}, "admin@evilishim.company.ru", store.OutcomeBadSender},
		{[]string{".ishim.company.ru"}, "root@mx.ishim.company.ru", store.OutcomeApplied},
		{[]string{".ishim.company.ru"}, "root@ishim.company.ru", store.OutcomeBadSender},
		{[]string{".ishim.company.ru"}, "root@evilishim.company.ru", store.OutcomeBadSender},
		{[]string{"root@mx.ishim.company.ru"}, "ROOT@mx.ishim.company.ru", store.OutcomeApplied},
	}
	for i, tt := range tests {
		in, _ := realIngester(t, config.Division{Senders: tt.senders})
		rep := ingestOK(t, in, ishimMessage(fmt.Sprint("s", i, "@x"), 1, "", "_cmd=delete:eml=a@ishim.company.ru\n"), tt.sender)
		if rep.Outcome != tt.want {
			t.Errorf("senders %v, sender %s: %s, want %s", tt.senders, tt.sender, rep.Outcome, tt.want)
		}
	}
}

// TestDomainsRejectOtherAddresses is issue 8's hijack at the door: with
// domains set, Ишим's line for a Тюмень address is invalid, with a reason.
func TestDomainsRejectOtherAddresses(t *testing.T) {
	in, st := realIngester(t, config.Division{Domains: []string{"ishim.company.ru", "xn--80aqeigdi5k.xn--p1ai"}})
	body := "_cmd=update:eml=kovalenko@tyumen.company.ru:gor=00-00-00\n" +
		"_cmd=insert:eml=a@ishim.company.ru\n_cmd=insert:eml=b@компания.рф\n"
	rep := ingestOK(t, in, ishimMessage("d@x", 1, "", body), "")
	if rep.Outcome != store.OutcomeApplied || rep.Result.Applied != 2 || rep.Result.Rejected != 1 {
		t.Fatalf("Ingest = %+v, want 2 applied, 1 rejected", rep.Result)
	}
	j, err := st.Journal(context.Background(), 1)
	if err != nil || len(j) != 1 || len(j[0].Notes) != 1 ||
		!strings.Contains(j[0].Notes[0].Reason, "tyumen.company.ru is not among the division's domains") {
		t.Fatalf("journal %+v, %v; want the reason of the rejected line", j, err)
	}
}
