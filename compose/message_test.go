package compose

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"time"

	"userdir/mailcmd"
)

func TestEncode(t *testing.T) {
	long := strings.Repeat("Инженер-программист отдела ", 8)
	tests := []struct {
		name     string
		code     string
		lines    []string
		sync     string
		encoding string
		want     []mailcmd.Command
	}{
		{
			name:     "ascii stays 7bit",
			code:     "0001",
			lines:    []string{"_cmd=delete:eml=sidorov@company.ru", `_cmd=update:eml=a@company.ru:post=C\:\\Temp:sot=`},
			encoding: "7bit",
			want: []mailcmd.Command{
				command(t, 1, mailcmd.OpDelete, "sidorov@company.ru"),
				command(t, 2, mailcmd.OpUpdate, "a@company.ru", "post", `C:\Temp`, "sot", ""),
			},
		},
		{
			name:     "cyrillic is quoted-printable",
			code:     "0001",
			lines:    []string{"_cmd=insert:eml=petrov@company.ru:name=Петров Пётр:sdiv=Отдел\\: ИТ"},
			encoding: "quoted-printable",
			want:     []mailcmd.Command{command(t, 1, mailcmd.OpInsert, "petrov@company.ru", "name", "Петров Пётр", "sdiv", "Отдел: ИТ")},
		},
		{
			name:     "a long ascii line is quoted-printable",
			code:     "0001",
			lines:    []string{"_cmd=update:eml=a@company.ru:post=" + strings.Repeat("x=y ", 30) + "end"},
			encoding: "quoted-printable",
			want:     []mailcmd.Command{command(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", strings.Repeat("x=y ", 30)+"end")},
		},
		{
			name:     "a long cyrillic line",
			code:     "0001",
			lines:    []string{"_cmd=update:eml=a@company.ru:post=" + long + ":of=214"},
			encoding: "quoted-printable",
			want:     []mailcmd.Command{command(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", strings.TrimSpace(long), "of", "214")},
		},
		{
			name:     "a line starting with a dot or From after a soft break",
			code:     "0001",
			lines:    []string{"_cmd=update:eml=a@company.ru:post=" + strings.Repeat("Я", 30) + ".From x"},
			encoding: "quoted-printable",
			want:     []mailcmd.Command{command(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", strings.Repeat("Я", 30)+".From x")},
		},
		{
			name:     "sync batch",
			code:     "0001",
			sync:     "mbox",
			lines:    []string{"_cmd=insert:eml=a@company.ru:name=Анна", "_cmd=insert:eml=b@company.ru:name=Борис"},
			encoding: "quoted-printable",
			want: []mailcmd.Command{
				{Op: mailcmd.OpSync, Kind: "mbox", Line: 1},
				command(t, 2, mailcmd.OpInsert, "a@company.ru", "name", "Анна"),
				command(t, 3, mailcmd.OpInsert, "b@company.ru", "name", "Борис"),
			},
		},
		{
			name:     "cyrillic code is RFC 2047 encoded",
			code:     "Тюмень код 1",
			lines:    []string{"_cmd=delete:eml=a@company.ru"},
			encoding: "7bit",
			want:     []mailcmd.Command{command(t, 1, mailcmd.OpDelete, "a@company.ru")},
		},
		{
			name:     "a long ascii code is folded and unfolded",
			code:     strings.TrimSpace(strings.Repeat("abc-def ", 20)),
			lines:    []string{"_cmd=delete:eml=a@company.ru"},
			encoding: "7bit",
			want:     []mailcmd.Command{command(t, 1, mailcmd.OpDelete, "a@company.ru")},
		},
	}
	for _, tc := range tests {
		body, _, err := Body(tc.lines, tc.sync)
		if err != nil {
			t.Fatalf("%s: Body: %v", tc.name, err)
		}
		raw, err := testMessage(tc.code, body).Encode()
		if err != nil {
			t.Errorf("%s: Encode: %v", tc.name, err)
			continue
		}
		checkWire(t, tc.name, raw, tc.encoding)
		m, _, cmds := readMessage(t, raw)
		if m.Subject != tc.code || m.MessageID != "TESTID@host.company.ru" || !m.Date.Equal(testDate) || m.From != "admin@tyumen.company.ru" {
			t.Errorf("%s: read back Subject %q, Message-ID %q, Date %v, From %q", tc.name, m.Subject, m.MessageID, m.Date, m.From)
		}
		if !reflect.DeepEqual(cmds, tc.want) {
			t.Errorf("%s: commands\n%+v\nwant\n%+v", tc.name, cmds, tc.want)
		}
	}
}

// checkWire checks that raw has CRLF line ends only, lines within the
// limits, the header fields of docs/protocol.md#the-message and the transfer encoding.
func checkWire(t *testing.T, name string, raw []byte, encoding string) {
	t.Helper()
	if bytes.Count(raw, []byte("\n")) != bytes.Count(raw, []byte("\r\n")) || bytes.Count(raw, []byte("\r")) != bytes.Count(raw, []byte("\r\n")) {
		t.Errorf("%s: a line end is not CRLF:\n%q", name, raw)
	}
	header, body, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, f := range []string{"From: ", "To: ", "Subject: ", "Date: ", "Message-ID: <", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: " + encoding + "\r"} {
		if !strings.Contains(header+"\r\n", "\r\n"+f) && !strings.HasPrefix(header, f) {
			t.Errorf("%s: no %q in the header:\n%s", name, f, header)
		}
	}
	for line := range strings.Lines(body) {
		if n := len(strings.TrimSuffix(line, "\r\n")); n > maxLineBytes {
			t.Errorf("%s: body line of %d bytes: %q", name, n, line)
		}
	}
	if encoding == "7bit" {
		for i := range raw {
			if raw[i] >= 0x80 {
				t.Errorf("%s: 8-bit byte in a 7bit message:\n%s", name, raw)
				break
			}
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	body := "_cmd=delete:eml=a@company.ru\n"
	tests := []struct {
		name string
		edit func(m *Message)
		err  error
		why  string
	}{
		{"empty code", func(m *Message) { m.Code = "" }, ErrInvalidMessage, "is empty"},
		{"outer space", func(m *Message) { m.Code = " SECRET" }, ErrInvalidMessage, "white space around it"},
		{"line break", func(m *Message) { m.Code = "SECRET\r\nBcc: x@y.ru" }, ErrInvalidMessage, "control character"},
		{"two spaces", func(m *Message) { m.Code = "SECRET  1" }, ErrInvalidMessage, "two spaces"},
		{"encoded word", func(m *Message) { m.Code = "=?utf-8?q?SECRET?=" }, ErrInvalidMessage, `"=?"`},
		{"invalid UTF-8", func(m *Message) { m.Code = "SECRET\xff" }, ErrInvalidMessage, "not valid UTF-8"},
		{"too long", func(m *Message) { m.Code = strings.Repeat("SECRET", 40) }, ErrInvalidMessage, "longer than 200 bytes"},
		{"no To", func(m *Message) { m.To = mail.Address{} }, ErrInvalidMessage, "To"},
		{"From with a line break", func(m *Message) { m.From.Address = "a@b.ru\r\nBcc: c@d.ru" }, ErrInvalidMessage, "From"},
		{"name with a line break", func(m *Message) { m.To.Name = "a\nb" }, ErrInvalidMessage, "display name"},
		{"no Message-ID", func(m *Message) { m.MessageID = "" }, ErrInvalidMessage, "Message-ID"},
		{"Message-ID with <>", func(m *Message) { m.MessageID = "<a@b>" }, ErrInvalidMessage, "Message-ID"},
		{"Message-ID with a space", func(m *Message) { m.MessageID = "a b@c" }, ErrInvalidMessage, "Message-ID"},
		{"Message-ID without @", func(m *Message) { m.MessageID = "abc" }, ErrInvalidMessage, "Message-ID"},
		{"no Date", func(m *Message) { m.Date = time.Time{} }, ErrInvalidMessage, "no Date"},
		{"too large", func(m *Message) { m.MaxBytes = 100 }, ErrInvalidMessage, "more than the 100 that ingest accepts"},
		{"body not UTF-8, not as Body returns it", func(m *Message) { m.Body = "_cmd=update:eml=a@company.ru:name=\xff\n" }, ErrReadBack, "the body differs"},
	}
	for _, tc := range tests {
		m := testMessage("0001", body)
		tc.edit(m)
		raw, err := m.Encode()
		if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.why) || raw != nil {
			t.Errorf("%s: Encode = %d bytes, %v; want %v with %q", tc.name, len(raw), err, tc.err, tc.why)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: the error quotes the code: %v", tc.name, err)
		}
	}
}

func TestNewMessageID(t *testing.T) {
	a, b := NewMessageID("host.company.ru"), NewMessageID("host.company.ru")
	if a == b || !validMessageID(a) || !strings.HasSuffix(a, "@host.company.ru") || len(a) < 20+len("@host.company.ru") {
		t.Errorf("NewMessageID = %q, %q; want distinct random ids at host.company.ru", a, b)
	}
}

func ExampleMessage_Encode() {
	line, _ := Line("update", []Field{{"eml", "sidorov@company.ru"}, {"post", "Engineer"}, {"sot", ""}})
	body, _, _ := Body([]string{line, "_cmd=delete:eml=old@company.ru"}, "")
	m := Message{
		From:      mail.Address{Address: "admin@tyumen.company.ru"},
		To:        mail.Address{Address: "userdir@company.ru"},
		Code:      "0001",
		Date:      time.Date(2025, 3, 10, 12, 30, 0, 0, time.UTC),
		MessageID: "1234@tyumen.company.ru",
		Body:      body,
	}
	raw, err := m.Encode()
	if err != nil {
		fmt.Println(err)
	}
	fmt.Print(strings.ReplaceAll(string(raw), "\r\n", "\n"))
	// Output:
	// From: <admin@tyumen.company.ru>
	// To: <userdir@company.ru>
	// Subject: 0001
	// Date: Mon, 10 Mar 2025 12:30:00 +0000
	// Message-ID: <1234@tyumen.company.ru>
	// MIME-Version: 1.0
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: 7bit
	//
	// _cmd=update:eml=sidorov@company.ru:post=Engineer:sot=
	// _cmd=delete:eml=old@company.ru
}
