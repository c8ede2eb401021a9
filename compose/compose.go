// Package compose builds the command messages that userdir ingest reads
// (docs/protocol.md): command lines with their values escaped, a body of one
// command per line, and an RFC 5322 message whose Subject is the division
// code (RFC 2047 encoded when it is not ASCII) and whose body is UTF-8
// text/plain, quoted-printable (RFC 2045) when it has to be.
//
// Everything is checked with ingest's own parser before it is returned: a
// command that ingest would reject, split or read back with other values,
// and a message that would not read back as written, are refused here,
// before anything is sent.
package compose

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"userdir/mailcmd"
)

// ErrInvalidCommand is wrapped by the errors about commands that cannot be
// sent as given; the error's text says which and why.
var ErrInvalidCommand = errors.New("invalid command")

// invalidCommand returns an error wrapping ErrInvalidCommand.
func invalidCommand(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidCommand}, args...)...)
}

// keys lists the keys a command may have besides _cmd, in the order of
// docs/protocol.md#command-lines.
var keys = []string{"type", "eml", "name", "gor", "mer", "sot", "of", "post", "sdiv", "act", "vis", "dst"}

// ops are the operations of the convenience form; sync is the -sync flag's.
var ops = map[string]bool{"insert": true, "update": true, "delete": true}

// Field is one key=value of a command, such as {"name", "Петров Пётр"}.
type Field struct {
	Key, Value string
}

// Line returns the command line of op ("insert", "update" or "delete", in
// any case) with fields in the order given, each value trimmed of
// surrounding white space (ingest trims it too) and escaped with
// mailcmd.EscapeValue. eml is required; a delete takes only eml and type.
// An unknown or repeated key, a value with a control character or invalid
// UTF-8, and a line that ingest would reject, split, or read back with any
// other value than given (eml and type lower-cased, dst normalized) yield
// an error wrapping ErrInvalidCommand.
func Line(op string, fields []Field) (string, error) {
	op = strings.ToLower(op)
	if !ops[op] {
		return "", invalidCommand("unknown operation %q: want insert, update or delete", op)
	}
	want, err := checkFields(op, fields)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("_cmd=" + op)
	for _, f := range want {
		b.WriteString(":" + f.Key + "=" + mailcmd.EscapeValue(f.Value))
	}
	line := b.String()
	cmd, err := parseOne(line)
	if err != nil {
		return "", err
	}
	if err := readsBack(cmd, want); err != nil {
		return "", err
	}
	return line, nil
}

// checkFields normalizes the keys and trims the values of fields, and
// refuses unknown and repeated keys, bad values, a missing eml and fields
// that a delete would ignore.
func checkFields(op string, fields []Field) ([]Field, error) {
	out := make([]Field, 0, len(fields))
	seen := map[string]bool{}
	for _, f := range fields {
		key, val := strings.ToLower(strings.TrimSpace(f.Key)), strings.TrimSpace(f.Value)
		switch {
		case !isKey(key):
			return nil, invalidCommand("unknown key %q (keys: %s)", key, strings.Join(keys, ", "))
		case seen[key]:
			return nil, invalidCommand("key %q given twice", key)
		case op == "delete" && key != "eml" && key != "type":
			return nil, invalidCommand("delete takes only eml and type, not %q", key)
		}
		if err := checkText("the value of "+key, val); err != nil {
			return nil, err
		}
		if startsCommand(val) {
			return nil, invalidCommand("the value of %s holds a ';' before _cmd=, which would start another command", key)
		}
		seen[key] = true
		out = append(out, Field{key, val})
	}
	if !seen["eml"] {
		return nil, invalidCommand("no eml")
	}
	return out, nil
}

// isKey reports whether key (lower-case) is one of keys.
func isKey(key string) bool {
	return slices.Contains(keys, key)
}

// checkText refuses text that is not valid UTF-8 or holds a control
// character (a line break would end the command early). what names it.
func checkText(what, text string) error {
	switch {
	case !utf8.ValidString(text):
		return invalidCommand("%s is not valid UTF-8", what)
	case strings.IndexFunc(text, unicode.IsControl) >= 0:
		return invalidCommand("%s holds a control character (a line break or a tab?): %q", what, text)
	}
	return nil
}

// startsCommand reports whether a ';' in v is followed by "_cmd=": ingest
// would split the line there (docs/protocol.md#command-lines).
func startsCommand(v string) bool {
	for i := strings.IndexByte(v, ';'); i >= 0; {
		v = v[i+1:]
		if isCmdLine(v) {
			return true
		}
		i = strings.IndexByte(v, ';')
	}
	return false
}

// parseOne parses line as ingest would parse a body holding only it, and
// returns its one command.
func parseOne(line string) (mailcmd.Command, error) {
	cmds, rejects, _ := mailcmd.ParseCommands(line)
	switch {
	case len(rejects) > 0:
		return mailcmd.Command{}, invalidCommand("%s", rejects[0].Reason)
	case len(cmds) == 0:
		return mailcmd.Command{}, invalidCommand("not a command line: it must start with _cmd=")
	case len(cmds) > 1:
		return mailcmd.Command{}, invalidCommand("ingest would read %d commands: a ';' before _cmd= starts another", len(cmds))
	}
	return cmds[0], nil
}

// readsBack checks that cmd, as ingest parsed it, holds the values of want.
func readsBack(cmd mailcmd.Command, want []Field) error {
	for _, f := range want {
		if cmd.Op == mailcmd.OpDelete && f.Key == "type" {
			continue // ingest keeps only eml of a delete
		}
		got, ok := valueOf(cmd, f.Key)
		switch {
		case !ok:
			return invalidCommand("ingest would drop %s=%q (dst is only for type=alias)", f.Key, f.Value)
		case f.Key == "dst":
			// ingest normalizes the list; it has checked every address.
		case f.Key == "eml" || f.Key == "type":
			if got != strings.ToLower(f.Value) {
				return invalidCommand("%s=%q would read back as %q", f.Key, f.Value, got)
			}
		case got != f.Value:
			return invalidCommand("%s=%q would read back as %q", f.Key, f.Value, got)
		}
	}
	return nil
}

// valueOf returns the value of key in cmd, and whether cmd has it.
func valueOf(cmd mailcmd.Command, key string) (string, bool) {
	if key == "eml" {
		return cmd.Eml, true
	}
	fld, ok := mailcmd.FieldByKey(key)
	if !ok {
		return "", false
	}
	return cmd.Values[fld], cmd.Present[fld]
}

// CheckLine checks a command line written out in full, such as
// "_cmd=delete:type=mbox:eml=sidorov@company.ru", and returns it trimmed.
// It must be valid UTF-8 without control characters and read, as ingest
// reads a body (mailcmd.ParseCommands: mailcmd.ParseLine's rules, and a ';'
// before "_cmd=" splitting the line), as exactly one valid command; else
// the error wraps ErrInvalidCommand. Unknown keys are allowed: Body
// reports them as warnings.
func CheckLine(line string) (string, error) {
	line = strings.TrimSpace(line)
	if err := checkText("the line", line); err != nil {
		return "", err
	}
	if _, err := parseOne(line); err != nil {
		return "", err
	}
	return line, nil
}
