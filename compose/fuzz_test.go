package compose

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"userdir/mailcmd"
)

// FuzzSendRoundTrip composes a message from arbitrary field values and a
// division code and reads it back as ingest does: it must give the same
// values (trimmed) and the same code, or be refused before it is sent, and
// only for a reason that would have mangled it.
func FuzzSendRoundTrip(f *testing.F) {
	for _, s := range [][4]string{
		{"Петров Пётр", "Инженер", "88-02-49", "0001"},
		{"", "", "", "Тюмень"},
		{"a:b", `C:\Temp\`, `\\:\:`, "x y"},
		{" пробел ", "x; _cmd=delete", "=?utf-8?q?x?=", " 0001"},
		{strings.Repeat("Длинное имя ", 20), strings.Repeat("=", 100), "+7 (3452) 88-02-93", strings.Repeat("код ", 40)},
		{"a\nb", "\xff", "\t1", "0001\r\n"},
		{".", "From x", "\u00a0", "=?"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, name, post, gor, code string) {
		line, err := Line("update", []Field{{"eml", "petrov@company.ru"}, {"name", name}, {"post", post}, {"gor", gor}})
		if err != nil {
			if !errors.Is(err, ErrInvalidCommand) || (sendable(name) && sendable(post) && sendable(gor)) {
				t.Fatalf("Line refused %q, %q, %q: %v", name, post, gor, err)
			}
			return
		}
		body, _, err := Body([]string{line}, "")
		if err != nil {
			t.Fatalf("Body(%q): %v", line, err)
		}
		raw, err := testMessage(code, body).Encode()
		if err != nil {
			if !errors.Is(err, ErrInvalidMessage) || codeSendable(code) {
				t.Fatalf("Encode with code %q: %v", code, err)
			}
			return
		}
		m, _, cmds := readMessage(t, raw)
		want := []mailcmd.Command{command(t, 1, mailcmd.OpUpdate, "petrov@company.ru",
			"name", strings.TrimSpace(name), "post", strings.TrimSpace(post), "gor", strings.TrimSpace(gor))}
		if m.Subject != code || !reflect.DeepEqual(cmds, want) {
			t.Fatalf("read back Subject %q and\n%+v\nwant %q and\n%+v\n%s", m.Subject, cmds, code, want, raw)
		}
	})
}

// sendable reports whether a value is one that must be sent: valid UTF-8
// without control characters and without ';' before "_cmd=" (white space
// aside), which would start another command.
func sendable(v string) bool {
	squeezed := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, v)
	return utf8.ValidString(v) && !strings.ContainsFunc(v, unicode.IsControl) && !strings.Contains(squeezed, ";_cmd=")
}

// codeSendable reports whether a division code is one that must be sent.
func codeSendable(code string) bool {
	return code != "" && len(code) <= maxCodeBytes && utf8.ValidString(code) &&
		!strings.ContainsFunc(code, unicode.IsControl) && strings.TrimSpace(code) == code &&
		!strings.Contains(code, "  ") && !strings.Contains(code, "=?")
}

// FuzzParseText reads arbitrary input as the commands of userdir send: it
// must give command lines that each read as one valid command and make a
// valid body together (unless a sync line is out of place), or an error.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{
		"insert eml=petrov@company.ru name=Петров  Пётр gor=88-02-49\n",
		"# c\n\nupdate\teml=a@company.ru post=C:\\Temp\\ sot=\r\ndelete eml=b@company.ru",
		"_cmd=delete:type=mbox:eml=c@company.ru\n_cmd=sync:type=mbox\n",
		"insert eml=a@company.ru post=x;_cmd=delete\n",
		"\uFEFFupdate eml=a@company.ru name= of=1=2 x=y\n",
		"insert Петров eml=a@company.ru",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lines, err := ParseText(strings.NewReader(in))
		if err != nil {
			if lines != nil || !errors.Is(err, ErrInvalidCommand) && !strings.Contains(err.Error(), "read commands") {
				t.Fatalf("ParseText(%q) = %q, %v", in, lines, err)
			}
			return
		}
		for _, l := range lines {
			if _, err := CheckLine(l); err != nil {
				t.Fatalf("ParseText(%q) gave %q: %v", in, l, err)
			}
		}
		if _, _, err := Body(lines, ""); err != nil && len(lines) > 0 && !strings.Contains(err.Error(), "sync") {
			t.Fatalf("Body of %q: %v", lines, err)
		}
	})
}
