package mailmsg

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestReadMailLimit(t *testing.T) {
	msg := "Subject: 0001\nMessage-ID: <x@y>\n\n" + strings.Repeat("x", 1000)
	tests := []struct {
		max     int64
		wantErr error
		size    int64
	}{
		{max: int64(len(msg)), size: int64(len(msg))},
		{max: int64(len(msg)) - 1, wantErr: ErrTooLarge, size: int64(len(msg))},
		{max: 100, wantErr: ErrTooLarge, size: 101},
		{max: 0, size: int64(len(msg))},
	}
	for _, tt := range tests {
		cr := &countingReader{r: strings.NewReader(msg)}
		m, err := ReadMail(cr, tt.max)
		if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
			t.Errorf("ReadMail(max %d) error %v, want %v", tt.max, err, tt.wantErr)
		}
		if m == nil || m.Size != tt.size {
			t.Errorf("ReadMail(max %d) = %+v, want size %d", tt.max, m, tt.size)
			continue
		}
		if limit := tt.max + 1; tt.max > 0 && cr.n > limit {
			t.Errorf("ReadMail(max %d) read %d bytes, more than %d", tt.max, cr.n, limit)
		}
		if m.MessageID != "x@y" {
			t.Errorf("ReadMail(max %d): Message-ID %q, want the header read even when too large", tt.max, m.MessageID)
		}
	}
}

func TestReadMailHeader(t *testing.T) {
	tests := []struct {
		name, msg          string
		subject, from, mid string
		date               time.Time
	}{
		{
			name:    "plain",
			msg:     "From: Ivan <Ivan@Company.ru>\nSubject:  0001 \nMessage-ID:  <abc@def> \nDate: Mon, 10 Mar 2025 13:55:12 +0500\n\nbody",
			subject: "0001", from: "Ivan@Company.ru", mid: "abc@def",
			date: time.Date(2025, 3, 10, 8, 55, 12, 0, time.UTC),
		},
		{
			name:    "mbox From_ line, CRLF, folded subject",
			msg:     "From a@b.ru Mon Mar 10 15:40:02 2025\r\nSubject:\r\n =?UTF-8?B?MDAwMQ==?=\r\nFrom: =?koi8-r?B?6dfBzg==?= <a@b.ru>\r\n\r\n",
			subject: "0001", from: "a@b.ru",
		},
		{
			name:    "unknown charset in subject keeps the raw text",
			msg:     "Subject: =?x-nonsense?Q?0001?=\nFrom: not an address\n\n",
			subject: "=?x-nonsense?Q?0001?=", from: "not an address",
		},
		{
			name:    "bad date",
			msg:     "Date: yesterday\nSubject: 1\n\n",
			subject: "1",
		},
		{
			name:    "header only, no body",
			msg:     "Subject: 0002",
			subject: "0002",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadMail(strings.NewReader(tt.msg), 0)
			if err != nil {
				t.Fatalf("ReadMail: %v", err)
			}
			if m.Subject != tt.subject || m.From != tt.from || m.MessageID != tt.mid {
				t.Errorf("got subject %q from %q id %q, want %q %q %q", m.Subject, m.From, m.MessageID, tt.subject, tt.from, tt.mid)
			}
			if m.HasDate != !tt.date.IsZero() || !m.Date.Equal(tt.date) {
				t.Errorf("got date %v (%v), want %v", m.Date, m.HasDate, tt.date)
			}
		})
	}
}

func TestReadMailUnparsable(t *testing.T) {
	for _, msg := range []string{"", "\n\nbody only", "not a header\n\n", " leading space: x\n\n", "From x\n"} {
		m, err := ReadMail(strings.NewReader(msg), 0)
		if !errors.Is(err, ErrUnparsable) || m == nil || m.Size != int64(len(msg)) {
			t.Errorf("ReadMail(%q) = %+v, %v; want ErrUnparsable with the size", msg, m, err)
		}
	}
}

func TestReadMailReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := ReadMail(io.MultiReader(strings.NewReader("Subject: 1\n"), iotest.ErrReader(boom)), 0)
	if !errors.Is(err, boom) || errors.Is(err, ErrUnparsable) {
		t.Errorf("ReadMail error %v, want the read error", err)
	}
}

func cp1251(tb testing.TB, s string) string {
	tb.Helper()
	out, err := charmap.Windows1251.NewEncoder().String(s)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestDecodeText(t *testing.T) {
	koi, _ := charmap.KOI8R.NewEncoder().String("Привет")
	tests := []struct {
		name, raw, declared, fallback, want string
	}{
		{"utf-8 declared", "Привет", "UTF-8", "koi8-r", "Привет"},
		{"invalid utf-8 declared", "Пр\xffвет", "utf-8", "", "Пр\uFFFDвет"},
		{"undeclared utf-8", "Привет", "", "koi8-r", "Привет"},
		{"undeclared 8-bit, default windows-1251", cp1251(t, "Привет"), "", "", "Привет"},
		{"undeclared 8-bit, division koi8-r", koi, "", "koi8-r", "Привет"},
		{"declared koi8-r", koi, `koi8-r`, "windows-1251", "Привет"},
		{"declared windows-1251", cp1251(t, "Привет"), " Windows-1251 ", "koi8-r", "Привет"},
		{"misspelled win-1251", cp1251(t, "Привет"), "win-1251", "koi8-r", "Привет"},
		{"us-ascii with 8-bit bytes", cp1251(t, "Привет"), "us-ascii", "", "Привет"},
		{"unknown charset", koi, "x-garbage", "koi8-r", "Привет"},
		{"unknown fallback", cp1251(t, "Привет"), "", "x-garbage", "Привет"},
		{"ascii", "hello", "us-ascii", "", "hello"},
	}
	for _, tt := range tests {
		if got := decodeText([]byte(tt.raw), tt.declared, tt.fallback); got != tt.want {
			t.Errorf("%s: decodeText = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestUnflow(t *testing.T) {
	tests := []struct {
		name, in string
		delsp    bool
		want     string
	}{
		{"fixed lines", "a\nb\n", false, "a\nb\n"},
		{"flowed joins", "_cmd=insert:name=Иванов \nИван:eml=a@b.ru\n", false, "_cmd=insert:name=Иванов Иван:eml=a@b.ru\n"},
		{"three lines", "a \nb \nc\nd\n", false, "a b c\nd\n"},
		{"delsp", "abc \ndef\n", true, "abcdef\n"},
		{"space stuffing", " From here\n >not quoted\n", false, "From here\n>not quoted\n"},
		{"signature separator is fixed", "-- \nname\n", false, "-- \nname\n"},
		{"quote depth change ends a paragraph", "> a \nb\n", false, ">a \nb\n"},
		{"quoted paragraphs join", "> a \n> b\n", false, ">a b\n"},
		{"flowed last line", "a \n", false, "a \n"},
		{"no final newline", "a \nb", false, "a b\n"},
	}
	for _, tt := range tests {
		if got := unflow(tt.in, tt.delsp); got != tt.want {
			t.Errorf("%s: unflow(%q, %v) = %q, want %q", tt.name, tt.in, tt.delsp, got, tt.want)
		}
	}
}

func TestBody(t *testing.T) {
	tests := []struct {
		name, msg, charset, want string
		wantErr                  bool
	}{
		{
			name: "no content type is text/plain",
			msg:  "Subject: 1\n\n" + cp1251(t, "Тест") + "\n",
			want: "Тест\n",
		},
		{
			name: "crlf becomes lf",
			msg:  "Subject: 1\r\n\r\na\r\nb\r\n",
			want: "a\nb\n",
		},
		{
			name: "base64 with a disclaimer appended by a relay",
			msg:  "Subject: 1\nContent-Transfer-Encoding: base64\nContent-Type: text/plain; charset=utf-8\n\nX2NtZD1kZWxldGU6ZW1sPWFAYi5ydQo=\n\n--\nThis e-mail is confidential.\n",
			want: "_cmd=delete:eml=a@b.ru\n",
		},
		{
			name: "unknown transfer encoding keeps the bytes",
			msg:  "Subject: 1\nContent-Transfer-Encoding: x-uuencode\n\nabc\n",
			want: "abc\n",
		},
		{
			name: "malformed content type parameters",
			msg:  "Subject: 1\nContent-Type: text/plain; charset\n\n" + cp1251(t, "Тест") + "\n",
			want: "Тест\n",
		},
		{
			name: "no text/plain",
			msg:  "Subject: 1\nContent-Type: image/png\n\n\x89PNG\n",
			want: "",
		},
		{
			name: "multipart: the first text/plain",
			msg: "Subject: 1\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b\n" +
				"Content-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n--b\nContent-Type: text/plain\n\nsecond\n--b--\n",
			want: "Привет",
		},
		{
			name:    "multipart without a boundary",
			msg:     "Subject: 1\nContent-Type: multipart/mixed\n\n--b\n\nx\n",
			wantErr: true,
		},
		{
			name:    "multipart cut short",
			msg:     "Subject: 1\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx",
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadMail(strings.NewReader(tt.msg), 0)
			if err != nil {
				t.Fatalf("ReadMail: %v", err)
			}
			got, err := m.Body(tt.charset)
			if tt.wantErr {
				if !errors.Is(err, ErrUnparsable) {
					t.Errorf("Body = %q, %v; want ErrUnparsable", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Body = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestBodyDeepMultipart checks that deeply nested multiparts end without
// exhausting the stack.
func TestBodyDeepMultipart(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Subject: 1\nContent-Type: multipart/mixed; boundary=b0\n\n")
	const depth = 200
	for i := 1; i <= depth; i++ {
		b.WriteString("--b" + strconv.Itoa(i-1) + "\nContent-Type: multipart/mixed; boundary=b" + strconv.Itoa(i) + "\n\n")
	}
	m, err := ReadMail(&b, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Body(""); got != "" {
		t.Errorf("Body = %q, %v; want nothing", got, err)
	}
}
