package compose

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"userdir/mailcmd"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		fields []Field
		want   string
		cmd    mailcmd.Command
	}{
		{
			"insert with cyrillic", "insert",
			[]Field{{"eml", "petrov@company.ru"}, {"name", "Петров Пётр"}, {"gor", "88-02-49"}},
			"_cmd=insert:eml=petrov@company.ru:name=Петров Пётр:gor=88-02-49",
			command(t, 1, mailcmd.OpInsert, "petrov@company.ru", "name", "Петров Пётр", "gor", "88-02-49"),
		},
		{
			"colon and backslash escaped", "UPDATE",
			[]Field{{"EML", "a@company.ru"}, {"post", `C:\Temp\`}, {"sdiv", "Отдел: ИТ"}},
			`_cmd=update:eml=a@company.ru:post=C\:\\Temp\\:sdiv=Отдел\: ИТ`,
			command(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", `C:\Temp\`, "sdiv", "Отдел: ИТ"),
		},
		{
			"escaped-looking text stays literal", "update",
			[]Field{{"eml", "a@company.ru"}, {"post", `a\:b\\c`}},
			`_cmd=update:eml=a@company.ru:post=a\\\:b\\\\c`,
			command(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", `a\:b\\c`),
		},
		{
			"empty values clear", "update",
			[]Field{{"eml", "a@company.ru"}, {"post", ""}, {"sot", "   "}},
			"_cmd=update:eml=a@company.ru:post=:sot=",
			command(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", "", "sot", ""),
		},
		{
			"values trimmed, eml and type lower-cased", "insert",
			[]Field{{" type ", "MBOX"}, {"eml", " Ivanov@Company.RU "}, {"name", "  Иванов  "}},
			"_cmd=insert:type=MBOX:eml=Ivanov@Company.RU:name=Иванов",
			command(t, 1, mailcmd.OpInsert, "ivanov@company.ru", "type", "mbox", "name", "Иванов"),
		},
		{
			"delete", "delete",
			[]Field{{"type", "mbox"}, {"eml", "sidorov@company.ru"}},
			"_cmd=delete:type=mbox:eml=sidorov@company.ru",
			command(t, 1, mailcmd.OpDelete, "sidorov@company.ru"),
		},
		{
			"alias with dst", "insert",
			[]Field{{"type", "alias"}, {"eml", "all@company.ru"}, {"dst", "A@company.ru, b@company.ru"}},
			"_cmd=insert:type=alias:eml=all@company.ru:dst=A@company.ru, b@company.ru",
			command(t, 1, mailcmd.OpInsert, "all@company.ru", "type", "alias", "dst", "a@company.ru,b@company.ru"),
		},
		{
			"semicolon without _cmd after it", "update",
			[]Field{{"eml", "a@company.ru"}, {"post", "a; b; _cmd"}},
			"_cmd=update:eml=a@company.ru:post=a; b; _cmd",
			command(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", "a; b; _cmd"),
		},
	}
	for _, tc := range tests {
		got, err := Line(tc.op, tc.fields)
		if err != nil || got != tc.want {
			t.Errorf("%s: Line(%q, %q) = %q, %v; want %q", tc.name, tc.op, tc.fields, got, err, tc.want)
			continue
		}
		cmd, err := mailcmd.ParseLine(got)
		cmd.Line = 1
		if err != nil || !reflect.DeepEqual(cmd, tc.cmd) {
			t.Errorf("%s: ParseLine(%q) = %+v, %v; want %+v", tc.name, got, cmd, err, tc.cmd)
		}
	}
}

func TestLineRefuses(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		fields []Field
		err    string
	}{
		{"unknown op", "upsert", []Field{{"eml", "a@company.ru"}}, `unknown operation "upsert"`},
		{"sync is a flag", "sync", []Field{{"type", "mbox"}}, `unknown operation "sync"`},
		{"no eml", "insert", []Field{{"name", "Петров"}}, "no eml"},
		{"empty eml", "insert", []Field{{"eml", " "}}, "no eml"},
		{"bad eml", "insert", []Field{{"eml", "petrov"}}, `bad eml "petrov"`},
		{"unknown key", "insert", []Field{{"eml", "a@company.ru"}, {"nmae", "x"}}, `unknown key "nmae"`},
		{"_cmd as a field", "insert", []Field{{"eml", "a@company.ru"}, {"_cmd", "delete"}}, `unknown key "_cmd"`},
		{"repeated key", "update", []Field{{"eml", "a@company.ru"}, {"post", "a"}, {"POST", "b"}}, `key "post" given twice`},
		{"delete with fields", "delete", []Field{{"eml", "a@company.ru"}, {"name", "x"}}, `delete takes only eml and type, not "name"`},
		{"line break", "update", []Field{{"eml", "a@company.ru"}, {"post", "a\nb"}}, "control character"},
		{"carriage return", "update", []Field{{"eml", "a@company.ru"}, {"post", "a\rb"}}, "control character"},
		{"NUL", "update", []Field{{"eml", "a@company.ru"}, {"name", "a\x00"}}, "control character"},
		{"next line", "update", []Field{{"eml", "a@company.ru"}, {"name", "a\u0085b"}}, "control character"},
		{"invalid UTF-8", "update", []Field{{"eml", "a@company.ru"}, {"name", "\xff"}}, "not valid UTF-8"},
		{"splits in two", "update", []Field{{"eml", "a@company.ru"}, {"post", "x; _cmd=delete"}}, "would start another command"},
		{"splits, any case", "update", []Field{{"eml", "a@company.ru"}, {"post", "x;;  _CMD =y"}}, "would start another command"},
		{"eml splits", "update", []Field{{"eml", "a@company.ru;_cmd=x"}}, "would start another command"},
		{"act", "update", []Field{{"eml", "a@company.ru"}, {"act", "maybe"}}, `act must be 1, 0 or empty`},
		{"dst on a mailbox", "insert", []Field{{"eml", "a@company.ru"}, {"dst", "b@company.ru"}}, "dst is only for type=alias"},
		{"bad dst", "insert", []Field{{"type", "alias"}, {"eml", "a@company.ru"}, {"dst", "b"}}, `bad dst address "b"`},
		{"bad type", "insert", []Field{{"type", "group"}, {"eml", "a@company.ru"}}, `type must be mbox or alias`},
	}
	for _, tc := range tests {
		got, err := Line(tc.op, tc.fields)
		if !errors.Is(err, ErrInvalidCommand) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: Line(%q, %q) = %q, %v; want an invalid command error with %q", tc.name, tc.op, tc.fields, got, err, tc.err)
		}
	}
}

func TestCheckLine(t *testing.T) {
	tests := []struct {
		line, want, err string
	}{
		{"  _cmd=insert:type=mbox:name=Иванов Иван:eml=ivanov@company.ru:vis=1  ", "_cmd=insert:type=mbox:name=Иванов Иван:eml=ivanov@company.ru:vis=1", ""},
		{"_CMD = delete:eml=a@company.ru", "_CMD = delete:eml=a@company.ru", ""},
		{"_cmd=update:eml=a@company.ru:future=1", "_cmd=update:eml=a@company.ru:future=1", ""}, // a warning, see TestBody
		{"_cmd=sync:type=mbox", "_cmd=sync:type=mbox", ""},
		{"_cmd=insert:name=x", "", "no eml"},
		{"_cmd=frob:eml=a@company.ru", "", `unknown _cmd "frob"`},
		{"insert:eml=a@company.ru", "", "must start with _cmd="},
		{"_cmd=insert:eml=a@company.ru;_cmd=delete:eml=b@company.ru", "", "would read 2 commands"},
		{"_cmd=insert:eml=a@company.ru\n_cmd=delete:eml=b@company.ru", "", "control character"},
		{"_cmd=insert:eml=a@company.ru:name=\xfe", "", "not valid UTF-8"},
	}
	for _, tc := range tests {
		got, err := CheckLine(tc.line)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("CheckLine(%q) = %q, %v; want %q", tc.line, got, err, tc.want)
		case tc.err != "" && (!errors.Is(err, ErrInvalidCommand) || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("CheckLine(%q) = %q, %v; want an invalid command error with %q", tc.line, got, err, tc.err)
		}
	}
}

func TestBody(t *testing.T) {
	tests := []struct {
		name     string
		lines    []string
		sync     string
		force    bool
		want     string
		warnings []string
		err      string
	}{
		{
			name:  "one per line",
			lines: []string{"_cmd=insert:eml=a@company.ru", "_cmd=delete:eml=b@company.ru"},
			want:  "_cmd=insert:eml=a@company.ru\n_cmd=delete:eml=b@company.ru\n",
		},
		{
			name:  "sync of mailboxes",
			lines: []string{"_cmd=insert:eml=a@company.ru", "_cmd=insert:type=mbox:eml=b@company.ru"},
			sync:  "mbox",
			want:  "_cmd=sync:type=mbox\n_cmd=insert:eml=a@company.ru\n_cmd=insert:type=mbox:eml=b@company.ru\n",
		},
		{
			name:  "sync of aliases",
			lines: []string{"_cmd=insert:type=alias:eml=all@company.ru:dst=a@company.ru"},
			sync:  "alias",
			want:  "_cmd=sync:type=alias\n_cmd=insert:type=alias:eml=all@company.ru:dst=a@company.ru\n",
		},
		{
			name:  "forced sync",
			lines: []string{"_cmd=insert:eml=a@company.ru"},
			sync:  "mbox",
			force: true,
			want:  "_cmd=sync:type=mbox:force=1\n_cmd=insert:eml=a@company.ru\n",
		},
		{
			name:     "warnings named by command",
			lines:    []string{"_cmd=delete:eml=a@company.ru", "_cmd=update:eml=b@company.ru:future=1"},
			want:     "_cmd=delete:eml=a@company.ru\n_cmd=update:eml=b@company.ru:future=1\n",
			warnings: []string{`command 2: unknown key "future"`},
		},
		{name: "none", err: "no commands"},
		{name: "force without a sync", lines: []string{"_cmd=insert:eml=a@company.ru"}, force: true, err: "force=1 belongs on a sync line"},
		{name: "bad sync type", lines: []string{"_cmd=insert:eml=a@company.ru"}, sync: "group", err: `sync type "group"`},
		{name: "update in a sync", lines: []string{"_cmd=insert:eml=a@company.ru", "_cmd=update:eml=b@company.ru"}, sync: "mbox", err: "command 2: only inserts may follow a sync"},
		{name: "alias in a mbox sync", lines: []string{"_cmd=insert:type=alias:eml=a@company.ru"}, sync: "mbox", err: "command 1: insert of type alias in a sync of type mbox"},
		{name: "second sync", lines: []string{"_cmd=sync:type=mbox"}, sync: "mbox", err: "command 1: sync must be the first command"},
		{name: "invalid line", lines: []string{"_cmd=delete:eml=a@company.ru", "_cmd=insert:name=x"}, err: "command 2: no eml"},
		{name: "line break", lines: []string{"_cmd=delete:eml=a@company.ru\n_cmd=delete:eml=b@company.ru"}, err: "command 1 holds a line break"},
		{name: "not a command", lines: []string{"hello"}, err: "would read 0 commands, not 1"},
	}
	for _, tc := range tests {
		got, warnings, err := SyncBody(tc.lines, tc.sync, tc.force)
		if tc.err == "" && tc.sync != "" && err == nil {
			cmds, _, _ := mailcmd.ParseCommands(got)
			if len(cmds) == 0 || cmds[0].Op != mailcmd.OpSync || cmds[0].Force != tc.force {
				t.Errorf("%s: ingest reads the sync line as %+v, want Force %v", tc.name, cmds, tc.force)
			}
		}
		if !tc.force {
			if b, w, e := Body(tc.lines, tc.sync); b != got || !reflect.DeepEqual(w, warnings) || (e == nil) != (err == nil) {
				t.Errorf("%s: Body and SyncBody without force differ", tc.name)
			}
		}
		switch {
		case tc.err == "" && (err != nil || got != tc.want || !reflect.DeepEqual(warnings, tc.warnings)):
			t.Errorf("%s: Body = %q, %q, %v; want %q, %q", tc.name, got, warnings, err, tc.want, tc.warnings)
		case tc.err != "" && (!errors.Is(err, ErrInvalidCommand) || !strings.Contains(err.Error(), tc.err) || got != ""):
			t.Errorf("%s: Body = %q, %v; want an invalid command error with %q", tc.name, got, err, tc.err)
		}
	}
}
