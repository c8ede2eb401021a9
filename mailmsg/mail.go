// Package mailmsg reads one command message as an MTA hands it over: its
// header fields of interest (RFC 5322, RFC 2047 encoded words) within a
// size limit, and its text, the first text/plain part (MIME with
// go-message) converted to UTF-8 and unwrapped when format=flowed (RFC
// 3676). The central side (ingest) and the branch side (compose, reading
// back what it wrote) both read mail with it; it knows nothing of commands
// or the store.
package mailmsg

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// DefaultMaxMessageBytes is the message size limit used when none is
// given; config's max_message_bytes defaults to it.
const DefaultMaxMessageBytes = 10 << 20

// ErrTooLarge is returned by ReadMail for a message larger than its limit.
var ErrTooLarge = errors.New("message too large")

// ErrUnparsable is wrapped by the errors of ReadMail and Mail.Body for
// input that is not a readable mail message.
var ErrUnparsable = errors.New("unparsable message")

// maxMultipartDepth bounds the nesting of multipart bodies that Body walks.
const maxMultipartDepth = 16

// Mail is one message as read from the MTA: its header fields of interest
// and its bytes, from which Body decodes the text.
type Mail struct {
	Subject   string    // decoded (RFC 2047) and trimmed; a division code, so never log it
	From      string    // the first From: address, or the raw From: value if it does not parse
	MessageID string    // Message-ID without <> and white space; "" when missing
	Date      time.Time // the parsed Date:, zero when HasDate is false
	HasDate   bool      // whether Date: is present and parses
	Size      int64     // bytes read, including any mbox From_ line

	DateHeader string // the raw Date: value, trimmed; names a message without Message-ID
	damaged    string // set by Body: why the body did not decode cleanly
	header     message.Header
	raw        []byte // the bytes read, less any From_ line
	body       []byte // the raw body after the header, within raw
}

// ReadMail reads one message from r, holding at most maxBytes+1 bytes in
// memory (maxBytes <= 0 means DefaultMaxMessageBytes). A leading mbox
// "From " line (Postfix pipe flag F) is skipped; CRLF and LF line ends are
// both accepted.
//
// Over the limit it returns ErrTooLarge; for a header that does not parse it
// returns an error wrapping ErrUnparsable. In both cases the Mail is non-nil
// and holds Size and whatever header fields could be read. Any other error
// is a read error of r.
func ReadMail(r io.Reader, maxBytes int64) (*Mail, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	m := &Mail{Size: int64(len(raw))}
	if m.Size > maxBytes {
		_ = m.parse(raw) // best effort, for the journal
		return m, ErrTooLarge
	}
	if err := m.parse(raw); err != nil {
		return m, err
	}
	return m, nil
}

// parse reads the header of raw into m.
func (m *Mail) parse(raw []byte) error {
	m.raw = skipFromLine(raw)
	rd := bytes.NewReader(m.raw)
	br := bufio.NewReader(rd)
	h, err := textproto.ReadHeader(br)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: malformed header", ErrUnparsable)
	}
	if h.Len() == 0 {
		return fmt.Errorf("%w: no header", ErrUnparsable)
	}
	m.header = message.Header{Header: h}
	m.body = m.raw[len(m.raw)-rd.Len()-br.Buffered():] // what the header left unread
	m.readFields(mail.Header{Header: m.header})
	return nil
}

// readFields fills the exported header fields of m from h.
func (m *Mail) readFields(h mail.Header) {
	subject, _ := h.Subject() // the raw value when a charset is unknown
	m.Subject = strings.TrimSpace(subject)
	m.From = strings.TrimSpace(h.Get("From"))
	if addrs, err := h.AddressList("From"); err == nil && len(addrs) > 0 {
		m.From = addrs[0].Address
	}
	m.MessageID = strings.Trim(h.Get("Message-Id"), "<> \t\r\n")
	m.DateHeader = strings.TrimSpace(h.Get("Date"))
	if d, err := h.Date(); err == nil && !d.IsZero() {
		m.Date, m.HasDate = d, true
	}
}

// skipFromLine drops a leading mbox "From sender date" line.
func skipFromLine(raw []byte) []byte {
	if !bytes.HasPrefix(raw, []byte("From ")) {
		return raw
	}
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		return raw[i+1:]
	}
	return nil
}

// Damaged says why the body that Body returned did not decode cleanly, or
// "" when it did.
func (m *Mail) Damaged() string { return m.damaged }

// Body returns the message's text: the first text/plain part (the whole
// message when it is not multipart), with its transfer encoding undone,
// converted to UTF-8 and with LF line ends, and unwrapped when it is
// format=flowed (RFC 3676). An undeclared, us-ascii or unknown charset is
// UTF-8 when the bytes are valid UTF-8 and defaultCharset otherwise
// ("" means DefaultCharset). A message without a text/plain part has an empty
// body. The error wraps ErrUnparsable when the MIME structure is broken.
func (m *Mail) Body(defaultCharset string) (string, error) {
	if m.header.Len() == 0 {
		return "", nil
	}
	p, err := findPlain(m.header, bytes.NewReader(m.body), 0)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnparsable, err)
	}
	if p == nil {
		return "", nil
	}
	m.damaged = p.damaged
	text := decodeText(p.raw, p.params["charset"], defaultCharset)
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.TrimPrefix(text, "\uFEFF")
	if strings.EqualFold(p.params["format"], "flowed") {
		text = unflow(text, strings.EqualFold(p.params["delsp"], "yes"))
	}
	return text, nil
}

// plainPart is a text/plain part: its bytes after the transfer decoding,
// still in its own charset, and its Content-Type parameters.
type plainPart struct {
	raw     []byte
	params  map[string]string
	damaged string // why the transfer decoding stopped early; "" when it did not
}

// findPlain returns the first text/plain part of the entity with header h
// and raw body, or nil when there is none.
func findPlain(h message.Header, body io.Reader, depth int) (*plainPart, error) {
	mediaType, params := contentType(h)
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		if depth >= maxMultipartDepth {
			return nil, nil
		}
		mr := textproto.NewMultipartReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			if err != nil {
				return nil, fmt.Errorf("multipart at depth %d: %w", depth, err)
			}
			p, err := findPlain(message.Header{Header: part.Header}, part, depth+1)
			if p != nil || err != nil {
				return p, err
			}
		}
	case mediaType == "text/plain":
		raw, damaged, err := transferDecode(h, body)
		if err != nil {
			return nil, err
		}
		return &plainPart{raw: raw, params: params, damaged: damaged}, nil
	}
	return nil, nil
}

// contentType returns the media type (lower-case; text/plain when absent)
// and parameters of h. A malformed parameter list yields no parameters.
func contentType(h message.Header) (string, map[string]string) {
	t, params, err := h.ContentType()
	if err != nil {
		t, _, _ = strings.Cut(t, ";")
		return strings.ToLower(strings.TrimSpace(t)), map[string]string{}
	}
	if params == nil {
		params = map[string]string{}
	}
	return t, params
}

// transferDecode undoes the Content-Transfer-Encoding of body, leaving its
// charset alone: go-message decodes the transfer encoding of an entity
// whose header has no Content-Type, and converts nothing else. An unknown
// transfer encoding leaves the bytes as they are. Base64 that turns into
// garbage (a relay appending a plain-text disclaimer, or a body cut short)
// keeps what decoded, and says so in damaged: a sync so damaged is held.
func transferDecode(h message.Header, body io.Reader) ([]byte, string, error) {
	bare := h.Copy()
	bare.Del("Content-Type")
	e, _ := message.New(bare, body) // its only error is an unknown encoding: raw bytes
	raw, err := io.ReadAll(e.Body)
	var corrupt base64.CorruptInputError
	if errors.As(err, &corrupt) {
		return raw, fmt.Sprintf("base64 breaks at byte %d of the body; %d bytes decoded before it", int64(corrupt), len(raw)), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("decode %s body: %w", h.Get("Content-Transfer-Encoding"), err)
	}
	return raw, "", nil
}

// Raw returns the bytes of the message as read, less any mbox From_ line.
func (m *Mail) Raw() []byte { return m.raw }

// DropRaw forgets the bytes of the message, once Body has decoded what is
// needed of them, so that a large message is not held twice; Raw and Body
// return nothing afterwards.
func (m *Mail) DropRaw() { m.raw, m.body = nil, nil }
