package compose

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name  string
		words []string
		want  []string
	}{
		{"none", nil, nil},
		{
			"convenience insert",
			[]string{"insert", "eml=petrov@company.ru", "name=Петров Пётр", "gor=88-02-49"},
			[]string{"_cmd=insert:eml=petrov@company.ru:name=Петров Пётр:gor=88-02-49"},
		},
		{
			"several, mixed with full lines",
			[]string{"update", "eml=a@company.ru", "post=", "_cmd=delete:eml=b@company.ru", "DELETE", "eml=c@company.ru", "insert", "eml=d@company.ru"},
			[]string{"_cmd=update:eml=a@company.ru:post=", "_cmd=delete:eml=b@company.ru", "_cmd=delete:eml=c@company.ru", "_cmd=insert:eml=d@company.ru"},
		},
		{
			"a quoted value holding key= stays one field",
			[]string{"update", "eml=a@company.ru", "post=x gor=1", "sdiv=a:b"},
			[]string{`_cmd=update:eml=a@company.ru:post=x gor=1:sdiv=a\:b`},
		},
		{
			"op words inside a value do not count",
			[]string{"update", "eml=a@company.ru", "name=delete"},
			[]string{"_cmd=update:eml=a@company.ru:name=delete"},
		},
	}
	for _, tc := range tests {
		got, err := ParseArgs(tc.words)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: ParseArgs(%q) = %q, %v; want %q", tc.name, tc.words, got, err, tc.want)
		}
	}
}

func TestParseArgsRefuses(t *testing.T) {
	tests := []struct {
		name  string
		words []string
		err   string
	}{
		{"unquoted space", []string{"insert", "eml=a@company.ru", "name=Петров", "Пётр"}, `unexpected word "Пётр"`},
		{"field first", []string{"eml=a@company.ru"}, `"eml=a@company.ru": a field must follow insert, update or delete`},
		{"unknown op", []string{"upsert", "eml=a@company.ru"}, `unexpected word "upsert"`},
		{"bad second command", []string{"delete", "eml=a@company.ru", "insert", "name=x"}, "command 2 (insert): invalid command: no eml"},
		{"bad full line", []string{"delete", "eml=a@company.ru", "_cmd=insert:name=x"}, `command 2 "_cmd=insert:name=x": invalid command: no eml`},
		{"unknown key", []string{"insert", "eml=a@company.ru", "nmae=x"}, `command 1 (insert): invalid command: unknown key "nmae"`},
		{"op alone", []string{"insert"}, "no eml"},
	}
	for _, tc := range tests {
		got, err := ParseArgs(tc.words)
		if !errors.Is(err, ErrInvalidCommand) || !strings.Contains(err.Error(), tc.err) || got != nil {
			t.Errorf("%s: ParseArgs(%q) = %q, %v; want an invalid command error with %q", tc.name, tc.words, got, err, tc.err)
		}
	}
}

func TestParseText(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", nil},
		{"comments and blank lines", "# a batch\n\n   \n  # indented comment\n", nil},
		{
			"convenience form without quotes",
			"insert eml=petrov@company.ru name=Петров  Пётр gor=88-02-49\n",
			[]string{"_cmd=insert:eml=petrov@company.ru:name=Петров  Пётр:gor=88-02-49"},
		},
		{
			"CRLF, BOM, tabs between fields, empty values",
			"\uFEFFupdate\teml=a@company.ru\tpost=   sot=\r\ndelete eml=b@company.ru\r\n",
			[]string{"_cmd=update:eml=a@company.ru:post=:sot=", "_cmd=delete:eml=b@company.ru"},
		},
		{
			"full lines and escapes",
			"_cmd=delete:type=mbox:eml=c@company.ru\nupdate eml=a@company.ru post=C:\\Temp\\ of=1=2 sdiv=ИТ: связь",
			[]string{"_cmd=delete:type=mbox:eml=c@company.ru", `_cmd=update:eml=a@company.ru:post=C\:\\Temp\\:of=1=2:sdiv=ИТ\: связь`},
		},
		{
			"no final newline",
			"delete eml=a@company.ru",
			[]string{"_cmd=delete:eml=a@company.ru"},
		},
	}
	for _, tc := range tests {
		got, err := ParseText(strings.NewReader(tc.in))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: ParseText(%q) = %q, %v; want %q", tc.name, tc.in, got, err, tc.want)
		}
	}
}

func TestParseTextRefuses(t *testing.T) {
	tests := []struct {
		name, in, err string
	}{
		{"unknown op", "# x\nupsert eml=a@company.ru\n", `line 2: invalid command: "upsert eml=a@company.ru": want insert`},
		{"no fields", "delete eml=a@company.ru\ninsert\n", "line 2: invalid command: no eml"},
		{"not a field", "insert Петров eml=a@company.ru", `line 1: invalid command: "Петров eml=a@company.ru": want key=value fields`},
		{"typo in a key", "insert eml=a@company.ru nmae=Петров", `line 1: invalid command: unknown key "nmae"`},
		{"invalid full line", "\n_cmd=update:eml=bad\n", `line 2: invalid command: bad eml "bad"`},
		{"line too long", "delete eml=" + strings.Repeat("a", maxInputLine) + "@company.ru\n", "read commands"},
	}
	for _, tc := range tests {
		got, err := ParseText(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.err) || got != nil {
			t.Errorf("%s: ParseText = %q, %v; want an error with %q", tc.name, got, err, tc.err)
		}
	}
	if _, err := ParseText(iotest.ErrReader(errors.New("boom"))); err == nil || !strings.Contains(err.Error(), "read commands: boom") {
		t.Errorf("ParseText of a failing reader: %v, want the read error", err)
	}
}
