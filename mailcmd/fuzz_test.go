package mailcmd

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"userdir/internal/seeds"
)

func FuzzParseCommands(f *testing.F) {
	for _, data := range seeds.Files(f, "testdata/mail/*.eml", "testdata/fuzz/ingest-commands/*") {
		f.Add(string(data))
		if _, body, ok := bytes.Cut(data, []byte("\n\n")); ok {
			f.Add(string(body))
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		cmds, rejects, warnings := ParseCommands(body)
		lines := strings.Count(body, "\n") + 1
		last := 0
		for i, c := range cmds {
			checkCommand(t, c, i, lines)
			if c.Line < last {
				t.Errorf("command on line %d after one on line %d", c.Line, last)
			}
			last = c.Line
		}
		for _, n := range append(rejects, warnings...) {
			if n.Line < 1 || n.Line > lines || n.Reason == "" || len(n.Text) > maxNoteText || !utf8.ValidString(n.Text) {
				t.Errorf("bad note %+v", n)
			}
		}
	})
}

// checkCommand checks the contract of one command, the i-th of a body of lines lines.
func checkCommand(t *testing.T, c Command, i, lines int) {
	t.Helper()
	if c.Line < 1 || c.Line > lines {
		t.Errorf("command line %d outside 1..%d", c.Line, lines)
	}
	switch c.Op {
	case OpSync:
		if i != 0 || (c.Kind != KindMailbox && c.Kind != KindAlias) || c.Eml != "" {
			t.Errorf("sync command %d: %+v", i, c)
		}
		return
	case OpInsert, OpUpdate, OpDelete:
	default:
		t.Fatalf("command with op %d", c.Op)
	}
	if !validAddress(c.Eml) || c.Eml != strings.ToLower(c.Eml) {
		t.Errorf("command eml %q is not a lower-case address", c.Eml)
	}
	for f := range NumFields {
		v := c.Values[f]
		if (!c.Present[f] && v != "") || !utf8.ValidString(v) || v != strings.TrimSpace(v) {
			t.Errorf("field %s = %q (present %v)", f.Key(), v, c.Present[f])
		}
	}
}

// FuzzEscapeValue checks that ParseLine recovers every value EscapeValue
// escapes, save white space at its ends, a line break, or a ';' (which can
// start another command).
func FuzzEscapeValue(f *testing.F) {
	for _, s := range []string{"", "a:b", `C:\Temp\`, `\\:\:`, " Отдел: ИТ ", "=x=", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if !utf8.ValidString(v) || strings.ContainsAny(v, "\r\n;\u0085\u2028\u2029") {
			return
		}
		c, err := ParseLine("_cmd=update:eml=a@b.ru:post=" + EscapeValue(v) + ":of=1")
		if err != nil {
			t.Fatalf("ParseLine of escaped %q: %v", v, err)
		}
		if got, want := c.Values[FieldPost], strings.TrimSpace(v); got != want || c.Values[FieldOf] != "1" {
			t.Errorf("escaped %q came back as %q (of %q), want %q", v, got, c.Values[FieldOf], want)
		}
	})
}

// FuzzStream checks that a Stream over any body finds the commands and
// rejects that ParseCommands finds (within MaxNotes), never panics, and
// gives only commands whose values meet the limits.
func FuzzStream(f *testing.F) {
	f.Add("_cmd=sync:type=mbox:force=1\n_cmd=insert:eml=a@b.ru;_cmd=delete:eml=c@xn--80aqeigdi5k.xn--p1ai\n")
	f.Add("_cmd=insert:eml=a@b.ru:name=\x00\n_cmd=update:eml=" + strings.Repeat("a", 70) + "@b.ru\r\n")
	f.Fuzz(func(t *testing.T, body string) {
		cmds, rejects, _ := ParseCommands(body)
		s := NewStream(strings.NewReader(body), nil)
		n := 0
		for c, ok := s.Next(); ok; c, ok = s.Next() {
			n++
			for fl := range NumFields {
				if why := checkValue(fl.Key(), c.Values[fl], true); why != "" {
					t.Fatalf("command %+v passed with %s", c, why)
				}
			}
		}
		_, nRej := s.Rejects()
		if n != len(cmds) || nRej != len(rejects) {
			t.Fatalf("Stream: %d commands, %d rejects; ParseCommands: %d, %d", n, nRej, len(cmds), len(rejects))
		}
	})
}
