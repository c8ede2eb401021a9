package mailcmd

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fieldsOf renders the present fields of a command as "key=value" pairs in
// field order, for compact comparisons.
func fieldsOf(c Command) string {
	var parts []string
	for f := range NumFields {
		if c.Present[f] {
			parts = append(parts, f.Key()+"="+c.Values[f])
		}
	}
	return strings.Join(parts, " ")
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line   string
		op     Op
		eml    string
		fields string
	}{
		{"_cmd=delete:eml=a@b.ru", OpDelete, "a@b.ru", ""},
		{"_cmd=delete:type=mbox:eml=Sidorov@Company.RU:name=ignored", OpDelete, "sidorov@company.ru", ""},
		{"_cmd=insert:eml=a@b.ru", OpInsert, "a@b.ru", ""},
		{"_CMD=INSERT:EML=a@b.ru:Name=X", OpInsert, "a@b.ru", "name=X"},
		{"  _cmd = update : eml = a@b.ru : name =  Иванов Иван  ", OpUpdate, "a@b.ru", "name=Иванов Иван"},
		{"_cmd=update:eml=a@b.ru:gor=:sot=", OpUpdate, "a@b.ru", "gor= sot="},
		{"_cmd=insert:type=ALIAS:eml=a@b.ru:dst= X@Y.ru ,z@w.ru,", OpInsert, "a@b.ru", "type=alias dst=x@y.ru,z@w.ru"},
		{"_cmd=update:eml=a@b.ru:dst=x@y.ru", OpUpdate, "a@b.ru", "dst=x@y.ru"},
		{"_cmd=update:type=:eml=a@b.ru", OpUpdate, "a@b.ru", "type="},
		{`_cmd=insert:eml=a@b.ru:post=A\:B`, OpInsert, "a@b.ru", "post=A:B"},
		{`_cmd=insert:eml=a@b.ru:post=A\\:of=1`, OpInsert, "a@b.ru", `of=1 post=A\`},
		{`_cmd=insert:eml=a@b.ru:post=A\\\:B`, OpInsert, "a@b.ru", `post=A\:B`},
		{`_cmd=insert:eml=a@b.ru:post=C\temp\`, OpInsert, "a@b.ru", `post=C\temp\`},
		{"_cmd=insert:eml=a@b.ru:name=a=b=c", OpInsert, "a@b.ru", "name=a=b=c"},
		{"_cmd=insert:eml=a@b.ru:act=0:vis=1", OpInsert, "a@b.ru", "act=0 vis=1"},
		{"_cmd=insert:eml=a@b.ru:act=:vis=", OpInsert, "a@b.ru", "act= vis="},
		{"_cmd=insert::eml=a@b.ru: :", OpInsert, "a@b.ru", ""},
		{"_cmd=insert:eml=a@b.ru:name=x;y", OpInsert, "a@b.ru", "name=x;y"},
		{"_cmd=insert:eml=иванов@компания.рф", OpInsert, "иванов@компания.рф", ""},
		{"_cmd=insert:eml=a@b.ru:name=\xff\xfeИ", OpInsert, "a@b.ru", "name=\uFFFDИ"},
		{"_cmd=sync:type=Alias", OpSync, "", ""},
	}
	for _, tt := range tests {
		got, err := ParseLine(tt.line)
		if err != nil {
			t.Errorf("ParseLine(%q) error %v", tt.line, err)
			continue
		}
		if got.Op != tt.op || got.Eml != tt.eml || fieldsOf(got) != tt.fields {
			t.Errorf("ParseLine(%q) = %s %q {%s}, want %s %q {%s}", tt.line, got.Op, got.Eml, fieldsOf(got), tt.op, tt.eml, tt.fields)
		}
	}
}

func TestParseLineSync(t *testing.T) {
	for _, tt := range []struct{ line, kind string }{
		{"_cmd=sync:type=mbox", KindMailbox},
		{"_cmd=SYNC:TYPE=ALIAS", KindAlias},
		{"_cmd=sync:type=alias:eml=ignored@b.ru", KindAlias},
	} {
		got, err := ParseLine(tt.line)
		if err != nil || got.Op != OpSync || got.Kind != tt.kind || got.Eml != "" {
			t.Errorf("ParseLine(%q) = %+v, %v; want sync of %s", tt.line, got, err, tt.kind)
		}
	}
}

func TestParseLineRejects(t *testing.T) {
	tests := []struct{ line, reason string }{
		{"eml=a@b.ru", "not a command line"},
		{"> _cmd=delete:eml=a@b.ru", "not a command line"},
		{"_cmd=insert", "no eml"},
		{"_cmd=insert:eml=", "no eml"},
		{"_cmd=insert:name=x", "no eml"},
		{"_cmd=insert:eml=Ivan <a@b.ru>", `bad eml "Ivan <a@b.ru>"`},
		{"_cmd=insert:eml=a@localhost", "bad eml"},
		{"_cmd=insert:eml=a@@b.ru", "bad eml"},
		{"_cmd=insert:eml=a@b@c.ru", "bad eml"},
		{"_cmd=insert:eml=a b@c.ru", "bad eml"},
		{"_cmd=insert:eml=a@b.ru (comment)", "bad eml"},
		{"_cmd=insert:eml=a@[10.0.0.1]", "bad eml"},
		{"_cmd=insert:eml=a@.b.ru", "bad eml"},
		{"_cmd=insert:eml=a@b.ru.", "bad eml"},
		{"_cmd=insert:eml=@b.ru", "bad eml"},
		{`_cmd=insert:eml="a b"@c.ru`, "bad eml"},
		{"_cmd=insert:eml=" + strings.Repeat("a", 60) + "@" + strings.Repeat("b.", 100) + "ru", "eml is 263 characters long, more than 254"},
		{"_cmd=insert:eml=" + strings.Repeat("a", 250) + "@b.ru", "local part of eml is 250 characters long"},
		// Limits (issue 8): NUL, oversize values, long local parts.
		{"_cmd=insert:eml=a@b.ru:name=Iva\x00nov", "name holds the control character U+0000"},
		{"_cmd=insert:eml=a@b.ru:name=Iva\x1bnov", "U+001B"},
		{"_cmd=insert:eml=a@b.ru:post=" + strings.Repeat("я", 257), "post is 257 characters long, more than 256"},
		{"_cmd=insert:eml=" + strings.Repeat("a", 65) + "@b.ru", "the local part of eml is 65 characters long, more than 64"},
		{"_cmd=insert:eml=" + strings.Repeat("a", 240) + "@b.ru", "local part of eml is 240 characters long"},
		{"_cmd=sync:type=mbox:force=yes", `force must be 1 or 0, not "yes"`},
		{"_cmd=move:eml=a@b.ru", `unknown _cmd "move"`},
		{"_cmd=:eml=a@b.ru", `unknown _cmd ""`},
		{"_cmd=update:eml=a@b.ru:act=maybe", `act must be 1, 0 or empty, not "maybe"`},
		{"_cmd=update:eml=a@b.ru:vis=2", "vis must be 1, 0 or empty"},
		{"_cmd=delete:eml=a@b.ru:act=yes", "act must be"},
		{"_cmd=insert:eml=a@b.ru:name", `field without '=': "name"`},
		{"_cmd=insert:eml=a@b.ru:=x", "field without a key"},
		{"_cmd=insert:type=group:eml=a@b.ru", `type must be mbox or alias, not "group"`},
		{"_cmd=insert:type=alias:eml=a@b.ru:dst=x@y.ru,bad", `bad dst address "bad"`},
		{"_cmd=update:eml=a@b.ru:dst=Boss <x@y.ru>", "bad dst address"},
		{"_cmd=sync", "sync needs type=mbox or type=alias"},
		{"_cmd=sync:type=", "sync needs type"},
		{"_cmd=sync:type=group", "sync needs type"},
	}
	for _, tt := range tests {
		got, err := ParseLine(tt.line)
		if err == nil {
			t.Errorf("ParseLine(%q) = %+v, want an error %q", tt.line, got, tt.reason)
			continue
		}
		if !errors.Is(err, ErrInvalidLine) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("ParseLine(%q) error %q, want ErrInvalidLine with %q", tt.line, err, tt.reason)
		}
	}
}

// TestParseLineInsertValues checks that an insert leaves absent fields
// empty and that type is set only when given.
func TestParseLineInsertValues(t *testing.T) {
	c, err := ParseLine("_cmd=insert:eml=a@b.ru:name=N")
	if err != nil {
		t.Fatal(err)
	}
	for f := range NumFields {
		want := ""
		if f == FieldName {
			want = "N"
		}
		if c.Values[f] != want || c.Present[f] != (want != "") {
			t.Errorf("field %s = %q present %v, want %q", f.Key(), c.Values[f], c.Present[f], want)
		}
	}
}

func TestParseCommands(t *testing.T) {
	tests := []struct {
		name, body string
		cmds       []string // "line op eml {fields}"
		rejects    []string // "line reason"
		warnings   []string // "line reason"
	}{
		{
			name: "empty",
			body: "",
		},
		{
			name: "prose and blank lines",
			body: "Hello,\r\n\r\n  \r\nplease add _cmd=insert:eml=a@b.ru\r\n-- \r\nbye",
		},
		{
			name: "crlf and lf lines with numbers",
			body: "hi\r\n_cmd=insert:eml=a@b.ru\r\n\n_cmd=delete:eml=c@d.ru",
			cmds: []string{"2 insert a@b.ru {}", "4 delete c@d.ru {}"},
		},
		{
			name: "indented and bom",
			body: "\ufeff_cmd=delete:eml=a@b.ru\n\t  _cmd=delete:eml=c@d.ru  \n\u00a0_cmd=delete:eml=e@f.ru",
			cmds: []string{"1 delete a@b.ru {}", "2 delete c@d.ru {}", "3 delete e@f.ru {}"},
		},
		{
			name: "quoted lines are not commands",
			body: "> _cmd=delete:eml=a@b.ru\n>> _cmd=delete:eml=c@d.ru\n",
		},
		{
			name: "semicolon batches",
			body: "_cmd=delete:eml=a@b.ru;_cmd=delete:eml=c@d.ru;  _CMD=delete:eml=e@f.ru\n_cmd=update:eml=g@h.ru:post=a;b; c\n",
			cmds: []string{"1 delete a@b.ru {}", "1 delete c@d.ru {}", "1 delete e@f.ru {}", "2 update g@h.ru {post=a;b; c}"},
		},
		{
			name:    "a bad command in a batch",
			body:    "_cmd=delete:eml=a@b.ru;_cmd=delete:eml=bad;_cmd=delete:eml=c@d.ru",
			cmds:    []string{"1 delete a@b.ru {}", "1 delete c@d.ru {}"},
			rejects: []string{`1 bad eml "bad"`},
		},
		{
			name:     "unknown and duplicate keys",
			body:     "_cmd=update:eml=a@b.ru:fax=1:name=A:NAME=B:eml=c@d.ru\n",
			cmds:     []string{"1 update c@d.ru {name=B}"},
			warnings: []string{`1 unknown key "fax"`, `1 duplicate key "name": the last one wins`, `1 duplicate key "eml": the last one wins`},
		},
		{
			name:     "dst on a mailbox",
			body:     "_cmd=insert:eml=a@b.ru:dst=x@y.ru\n_cmd=update:type=mbox:eml=a@b.ru:dst=x@y.ru\n_cmd=update:eml=a@b.ru:dst=x@y.ru\n",
			cmds:     []string{"1 insert a@b.ru {}", "2 update a@b.ru {type=mbox}", "3 update a@b.ru {dst=x@y.ru}"},
			warnings: []string{"1 dst on a mbox is ignored", "2 dst on a mbox is ignored"},
		},
		{
			name:     "sync then inserts",
			body:     "text\n_cmd=sync:type=alias:name=x\n_cmd=insert:type=alias:eml=a@b.ru:dst=x@y.ru\n_cmd=insert:eml=c@d.ru\n_cmd=update:type=alias:eml=e@f.ru\n_cmd=sync:type=alias\n",
			cmds:     []string{"2 sync  {}", "3 insert a@b.ru {type=alias dst=x@y.ru}"},
			rejects:  []string{"4 insert of type mbox in a sync of type alias", "5 only inserts may follow a sync, not update", "6 sync must be the first command"},
			warnings: []string{`2 key "name" is ignored on sync`},
		},
		{
			name:    "sync not first",
			body:    "_cmd=delete:eml=a@b.ru\n_cmd=sync:type=mbox\n_cmd=delete:eml=c@d.ru\n",
			cmds:    []string{"1 delete a@b.ru {}", "3 delete c@d.ru {}"},
			rejects: []string{"2 sync must be the first command"},
		},
		{
			name:    "a rejected first line makes a later sync not first",
			body:    "_cmd=sync\n_cmd=sync:type=mbox\n_cmd=delete:eml=c@d.ru\n",
			cmds:    []string{"3 delete c@d.ru {}"},
			rejects: []string{"1 sync needs type=mbox or type=alias", "2 sync must be the first command"},
		},
		{
			name:    "sync in a batch",
			body:    "_cmd=sync:type=mbox;_cmd=insert:eml=a@b.ru;_cmd=delete:eml=c@d.ru",
			cmds:    []string{"1 sync  {}", "1 insert a@b.ru {}"},
			rejects: []string{"1 only inserts may follow a sync, not delete"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds, rejects, warnings := ParseCommands(tt.body)
			var gotCmds, gotRejects, gotWarnings []string
			for _, c := range cmds {
				gotCmds = append(gotCmds, fmt.Sprintf("%d %s %s {%s}", c.Line, c.Op, c.Eml, fieldsOf(c)))
			}
			for _, n := range rejects {
				gotRejects = append(gotRejects, fmt.Sprintf("%d %s", n.Line, n.Reason))
			}
			for _, n := range warnings {
				gotWarnings = append(gotWarnings, fmt.Sprintf("%d %s", n.Line, n.Reason))
			}
			equalLists(t, "commands", gotCmds, tt.cmds)
			equalLists(t, "rejects", gotRejects, tt.rejects)
			equalLists(t, "warnings", gotWarnings, tt.warnings)
		})
	}
}

// equalLists fails the test when got and want differ.
func equalLists(tb testing.TB, what string, got, want []string) {
	tb.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		tb.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestLineNoteText(t *testing.T) {
	long := "_cmd=insert:name=" + strings.Repeat("Ж", 200)
	_, rejects, _ := ParseCommands("\n" + long + "\n")
	if len(rejects) != 1 {
		t.Fatalf("got %d rejects, want 1", len(rejects))
	}
	n := rejects[0]
	if n.Line != 2 || n.Reason != "no eml" || len(n.Text) > 200 || !strings.HasPrefix(long, n.Text) || len(n.Text) < 199 {
		t.Errorf("reject = line %d %q text of %d bytes %q", n.Line, n.Reason, len(n.Text), n.Text)
	}
}

func TestEscapeValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"a:b", `a\:b`},
		{`C:\Temp`, `C\:\\Temp`},
		{`\:`, `\\\:`},
		{"Отдел: ИТ", `Отдел\: ИТ`},
	}
	for _, tt := range tests {
		if got := EscapeValue(tt.in); got != tt.want {
			t.Errorf("EscapeValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
		c, err := ParseLine("_cmd=update:eml=a@b.ru:post=" + EscapeValue(tt.in) + ":of=1")
		if err != nil || c.Values[FieldPost] != tt.in || c.Values[FieldOf] != "1" {
			t.Errorf("ParseLine of EscapeValue(%q): post %q of %q, %v", tt.in, c.Values[FieldPost], c.Values[FieldOf], err)
		}
	}
}

// TestParseLineLimitsAccept checks the edges of the limits that are allowed:
// a tab, 256 characters, a 64-character local part.
func TestParseLineLimitsAccept(t *testing.T) {
	for _, line := range []string{
		"_cmd=insert:eml=a@b.ru:name=Ivanov\tIvan",
		"_cmd=insert:eml=a@b.ru:post=" + strings.Repeat("я", 256),
		"_cmd=insert:eml=" + strings.Repeat("a", 64) + "@b.ru",
	} {
		if _, err := ParseLine(line); err != nil {
			t.Errorf("ParseLine(%q): %v", line, err)
		}
	}
}

// TestCanonicalAddress checks that both spellings of an internationalized
// domain give one address (issue 8), stored in Unicode.
func TestCanonicalAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ivanov@компания.рф", "ivanov@компания.рф"},
		{"Ivanov@xn--80aqeigdi5k.xn--p1ai", "ivanov@компания.рф"},
		{"IVANOV@КОМПАНИЯ.РФ", "ivanov@компания.рф"},
		{"ivanov@company.ru", "ivanov@company.ru"},
	}
	for _, tt := range tests {
		if got := CanonicalAddress(tt.in); got != tt.want {
			t.Errorf("CanonicalAddress(%q) = %q, want %q", tt.in, got, tt.want)
		}
		c, err := ParseLine("_cmd=insert:eml=" + tt.in)
		if err != nil || c.Eml != tt.want {
			t.Errorf("ParseLine(eml=%q) = %q, %v; want %q", tt.in, c.Eml, err, tt.want)
		}
	}
	if got := ASCIIAddress("ivanov@компания.рф"); got != "ivanov@xn--80aqeigdi5k.xn--p1ai" {
		t.Errorf("ASCIIAddress = %q", got)
	}
}

// TestParseSyncForce checks force=1 on a sync line.
func TestParseSyncForce(t *testing.T) {
	c, err := ParseLine("_cmd=sync:type=mbox:force=1")
	if err != nil || !c.Force {
		t.Fatalf("ParseLine(force=1) = %+v, %v; want Force", c, err)
	}
	if c, _ := ParseLine("_cmd=sync:type=mbox"); c.Force {
		t.Fatalf("sync without force has Force")
	}
}

// TestStreamMatchesParseCommands checks that a Stream finds the commands,
// rejects and warnings of ParseCommands, and rejects an overlong line.
func TestStreamMatchesParseCommands(t *testing.T) {
	body := "hello\n_cmd=sync:type=mbox\n_cmd=insert:eml=a@b.ru:zz=1\n_cmd=delete:eml=c@d.ru\n" +
		"_cmd=insert:eml=x@y.ru;_cmd=insert:eml=z@y.ru\n_cmd=insert:eml=" + strings.Repeat("q", 70<<10) + "\n"
	wantCmds, wantRej, wantWarn := ParseCommands(body)
	s := NewStream(strings.NewReader(body), nil)
	var cmds []Command
	for c, ok := s.Next(); ok; c, ok = s.Next() {
		cmds = append(cmds, c)
	}
	rej, nRej := s.Rejects()
	warn, nWarn := s.Warnings()
	if len(cmds) != len(wantCmds) || nWarn != len(wantWarn) || len(warn) != nWarn {
		t.Fatalf("Stream: %d commands, %d warnings; ParseCommands: %d, %d", len(cmds), nWarn, len(wantCmds), len(wantWarn))
	}
	if nRej != len(wantRej) || len(rej) != nRej || !strings.Contains(rej[nRej-1].Reason, "line longer than") {
		t.Fatalf("Stream rejects %+v (%d), ParseCommands %+v", rej, nRej, wantRej)
	}
	for i := range cmds {
		if cmds[i].Eml != wantCmds[i].Eml || cmds[i].Line != wantCmds[i].Line {
			t.Errorf("command %d: %+v, want %+v", i, cmds[i], wantCmds[i])
		}
	}
}
