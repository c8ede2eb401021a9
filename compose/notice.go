package compose

import (
	"bytes"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
)

// Notice is a plain-text message to a person, such as the daily report of
// `userdir report`: unlike Message its Subject is text, not a division code.
type Notice struct {
	From, To  mail.Address
	Subject   string
	Date      time.Time
	MessageID string // without <>; NewMessageID makes one
	Body      string
}

// Encode returns n as an RFC 5322 message with CRLF line ends and a
// text/plain UTF-8 body, quoted-printable when it is not all short ASCII
// lines; the Subject is RFC 2047 encoded when it is not ASCII.
func (n *Notice) Encode() ([]byte, error) {
	for _, a := range []struct{ name, addr string }{{"From", n.From.Address}, {"To", n.To.Address}} {
		if a.addr == "" || strings.ContainsFunc(a.addr, unicode.IsControl) {
			return nil, fmt.Errorf("%w: %s: want an address, got %q", ErrInvalidMessage, a.name, a.addr)
		}
	}
	if !validMessageID(n.MessageID) || strings.ContainsFunc(n.Subject, unicode.IsControl) {
		return nil, fmt.Errorf("%w: bad Message-ID or Subject", ErrInvalidMessage)
	}
	var h gomail.Header
	encoding := "7bit"
	if needsQP(n.Body) {
		encoding = "quoted-printable"
	}
	h.Set("Content-Transfer-Encoding", encoding)
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.AddRaw([]byte("MIME-Version: 1.0\r\n"))
	h.Set("Auto-Submitted", "auto-generated") // RFC 3834: no vacation replies
	h.AddRaw([]byte("Message-ID: <" + n.MessageID + ">\r\n"))
	h.SetDate(n.Date)
	h.SetSubject(n.Subject)
	h.SetAddressList("To", []*mail.Address{&n.To})
	h.SetAddressList("From", []*mail.Address{&n.From})
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrInvalidMessage, err)
	}
	if _, err := io.WriteString(w, strings.ReplaceAll(n.Body, "\n", "\r\n")); err != nil {
		return nil, fmt.Errorf("write body: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("write body: %w", err)
	}
	return buf.Bytes(), nil
}
