package integration

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

// commandMessage is a branch's command message (docs/protocol.md#the-message): Subject is the
// division code, the body one command line per line.
type commandMessage struct {
	code      string    // Subject: the division code
	from, to  string    // From: and To: addresses
	date      time.Time // Date: the message's stamp
	messageID string    // Message-ID without angle brackets
	lines     []string  // command lines, "_cmd=..."
}

// bytes renders m as RFC 5322 text: UTF-8 text/plain, quoted-printable
// (go-message's default for text), CRLF line ends.
func (m commandMessage) bytes(tb testing.TB) []byte {
	tb.Helper()
	var h mail.Header
	h.SetAddressList("From", []*mail.Address{{Address: m.from}})
	h.SetAddressList("To", []*mail.Address{{Address: m.to}})
	h.SetSubject(m.code)
	h.SetDate(m.date)
	h.SetMessageID(m.messageID)
	h.Set("MIME-Version", "1.0")
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	must(tb, err, "start message %s", m.messageID)
	_, err = w.Write([]byte(strings.Join(m.lines, "\n") + "\n"))
	must(tb, err, "write body of %s", m.messageID)
	must(tb, w.Close(), "finish message %s", m.messageID)
	return buf.Bytes()
}

// TestIntegrationMessageHelper checks the message the other tests send:
// the headers ingest reads and the body's command lines, decoded.
func TestIntegrationMessageHelper(t *testing.T) {
	m := commandMessage{
		code: "0001", from: "a@tyumen.company.ru", to: "dir@userdir.test",
		date:      time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC),
		messageID: "helper-1@userdir.test",
		lines:     []string{"_cmd=insert:name=Иванов Иван Иванович:eml=ivanov@company.ru:" + strings.Repeat("x", 100)},
	}
	r, err := mail.CreateReader(bytes.NewReader(m.bytes(t)))
	if err != nil {
		t.Fatalf("read the helper's message: %v", err)
	}
	subject, _ := r.Header.Subject()
	date, _ := r.Header.Date()
	id, _ := r.Header.MessageID()
	if subject != m.code || !date.Equal(m.date) || id != m.messageID {
		t.Errorf("headers: Subject %q Date %v Message-ID %q, want %q %v %q", subject, date, id, m.code, m.date, m.messageID)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatalf("message body: %v", err)
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(p.Body); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	// Quoted-printable text turns line ends into CRLF (RFC 2045 §6.7).
	if got, want := body.String(), m.lines[0]+"\r\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}
