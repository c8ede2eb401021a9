package compose

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"userdir/mailmsg"
)

// ErrInvalidMessage is wrapped by the errors about a message that cannot
// be composed: a division code, address or Message-ID that a mail header
// cannot carry, or a message larger than ingest accepts. Its text never
// holds the division code.
var ErrInvalidMessage = errors.New("invalid message")

// ErrReadBack is wrapped by the error of Encode when ingest would read the
// composed message otherwise than it was written. It means a bug here, and
// nothing must be sent.
var ErrReadBack = errors.New("the message would not read back as written")

// maxCodeBytes is the longest division code Encode puts in a Subject.
const maxCodeBytes = 200

// maxLineBytes is the longest body line sent as 7bit; a longer one, or any
// byte that is not ASCII, makes the body quoted-printable.
const maxLineBytes = 76

// Message is one command message for a division.
type Message struct {
	From, To  mail.Address // header fields; only Address is required
	Code      string       // the division code, sent as Subject: a secret, never log it
	Date      time.Time    // the message's stamp (docs/protocol.md#the-message); sent to the second
	MessageID string       // without <>; NewMessageID makes one
	Body      string       // what Body returns
	MaxBytes  int64        // the size ingest accepts; 0 means mailmsg.DefaultMaxMessageBytes
}

// NewMessageID returns a new random Message-ID (without <>) at host.
func NewMessageID(host string) string {
	return rand.Text() + "@" + host
}

// Encode returns m as an RFC 5322 message with CRLF line ends: From, To,
// Subject (the code, RFC 2047 Q-encoded when it is not ASCII), Date,
// Message-ID, MIME-Version and a text/plain UTF-8 body in 7bit or, when a
// byte is not ASCII or a line is longer than 76 bytes, quoted-printable.
//
// Fields a header cannot carry yield an error wrapping ErrInvalidMessage.
// The result is then read back with mailmsg.ReadMail and Mail.Body; if the
// Subject, Message-ID, Date or body differ from m, the error wraps
// ErrReadBack.
func (m *Message) Encode() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	h := m.header()
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrInvalidMessage, err)
	}
	body := strings.ReplaceAll(m.Body, "\n", "\r\n")
	if _, err := io.WriteString(w, body); err != nil {
		return nil, fmt.Errorf("write body: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("write body: %w", err)
	}
	if err := m.readBack(buf.Bytes()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// header returns the header of m. A field added goes on top, so they are
// added from the last to the first; MIME-Version and Message-ID are added
// raw to keep the spelling of RFC 2045 and RFC 5322 (check has vetted the
// Message-ID).
func (m *Message) header() gomail.Header {
	var h gomail.Header
	encoding := "7bit"
	if needsQP(m.Body) {
		encoding = "quoted-printable"
	}
	h.Set("Content-Transfer-Encoding", encoding)
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.AddRaw([]byte("MIME-Version: 1.0\r\n"))
	h.AddRaw([]byte("Message-ID: <" + m.MessageID + ">\r\n"))
	h.SetDate(m.Date)
	h.SetSubject(m.Code)
	h.SetAddressList("To", []*mail.Address{&m.To})
	h.SetAddressList("From", []*mail.Address{&m.From})
	return h
}

// needsQP reports whether body has a byte that is not ASCII or a line
// longer than maxLineBytes.
func needsQP(body string) bool {
	for line := range strings.Lines(body) {
		if len(strings.TrimRight(line, "\r\n")) > maxLineBytes {
			return true
		}
	}
	for i := 0; i < len(body); i++ {
		if body[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// check refuses what the header fields cannot carry.
func (m *Message) check() error {
	if err := checkCode(m.Code); err != nil {
		return err
	}
	for _, a := range []struct{ name, addr string }{{"From", m.From.Address}, {"To", m.To.Address}} {
		if a.addr == "" || strings.ContainsFunc(a.addr, unicode.IsControl) {
			return fmt.Errorf("%w: %s: want an address without control characters, got %q", ErrInvalidMessage, a.name, a.addr)
		}
	}
	if strings.ContainsFunc(m.From.Name+m.To.Name, unicode.IsControl) {
		return fmt.Errorf("%w: a display name holds a control character", ErrInvalidMessage)
	}
	if !validMessageID(m.MessageID) {
		return fmt.Errorf("%w: Message-ID %q: want printable ASCII left@right, without <> or white space", ErrInvalidMessage, m.MessageID)
	}
	if m.Date.IsZero() {
		return fmt.Errorf("%w: no Date", ErrInvalidMessage)
	}
	return nil
}

// checkCode refuses a division code that a Subject would not carry intact:
// empty, longer than maxCodeBytes, invalid UTF-8, with a control character,
// outer white space (ingest trims the Subject), two spaces in a row (header
// folding joins them) or "=?" (which would read as an RFC 2047 encoded word).
// The error never quotes the code.
func checkCode(code string) error {
	var why string
	switch {
	case code == "":
		why = "is empty"
	case len(code) > maxCodeBytes:
		why = fmt.Sprintf("is longer than %d bytes", maxCodeBytes)
	case !utf8.ValidString(code):
		why = "is not valid UTF-8"
	case strings.ContainsFunc(code, unicode.IsControl):
		why = "holds a control character"
	case strings.TrimSpace(code) != code:
		why = "has white space around it"
	case strings.Contains(code, "  "):
		why = "holds two spaces in a row"
	case strings.Contains(code, "=?"):
		why = `holds "=?"`
	default:
		return nil
	}
	return fmt.Errorf("%w: the division code %s", ErrInvalidMessage, why)
}

// validMessageID reports whether id is printable ASCII with one '@' inside
// it and no white space or angle brackets.
func validMessageID(id string) bool {
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || strings.Count(id, "@") != 1 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// readBack reads raw with ingest and checks it gives back m.
func (m *Message) readBack(raw []byte) error {
	got, err := mailmsg.ReadMail(bytes.NewReader(raw), m.MaxBytes)
	switch {
	case errors.Is(err, mailmsg.ErrTooLarge):
		limit := m.MaxBytes
		if limit <= 0 {
			limit = mailmsg.DefaultMaxMessageBytes
		}
		return fmt.Errorf("%w: %d bytes, more than the %d that ingest accepts", ErrInvalidMessage, len(raw), limit)
	case err != nil:
		return fmt.Errorf("%w: %w", ErrReadBack, err)
	}
	var differs string
	switch {
	case got.Subject != m.Code:
		differs = "Subject" // never the code itself
	case got.MessageID != m.MessageID:
		differs = "Message-ID"
	case !got.HasDate || !got.Date.Equal(m.Date.Truncate(time.Second)):
		differs = "Date"
	}
	if differs != "" {
		return fmt.Errorf("%w: the %s differs", ErrReadBack, differs)
	}
	body, err := got.Body("")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrReadBack, err)
	}
	if body != m.Body {
		return fmt.Errorf("%w: the body differs", ErrReadBack)
	}
	return nil
}
