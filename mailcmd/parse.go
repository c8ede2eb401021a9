package mailcmd

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidLine is wrapped by every error of ParseLine: the line is
// rejected, and the error's text says why.
var ErrInvalidLine = errors.New("invalid command line")

// maxNoteText is the longest line text kept in a LineNote, in bytes.
const maxNoteText = 200

// maxQuoted is the longest piece of a line quoted in a reason, in bytes.
const maxQuoted = 64

// lineError is a rejected line; reason is what the journal records.
type lineError struct{ reason string }

func (e *lineError) Error() string { return ErrInvalidLine.Error() + ": " + e.reason }
func (e *lineError) Unwrap() error { return ErrInvalidLine }

// reject returns a lineError with a formatted reason.
func reject(format string, args ...any) error {
	return &lineError{reason: fmt.Sprintf(format, args...)}
}

// reasonOf returns the journal reason of a ParseLine error.
func reasonOf(err error) string {
	if le, ok := errors.AsType[*lineError](err); ok {
		return le.reason
	}
	return err.Error()
}

// ParseCommands parses the command lines of a decoded message body
// (docs/protocol.md#command-lines). Lines that do not start with "_cmd=" are ignored; a ';' followed
// by "_cmd=" starts another command on the same line. It returns the valid
// commands in line order, the rejected lines and the warnings, each with
// its 1-based line number.
//
// A sync is honoured only as the first command of the body; after it,
// only inserts of the synced type are accepted.
func ParseCommands(body string) (cmds []Command, rejects, warnings []LineNote) {
	p := bodyParser{first: true, cmds: make([]Command, 0, strings.Count(body, "_cmd="))}
	n := 0
	for line := range strings.Lines(body) {
		n++
		for _, seg := range segments(line) {
			p.add(n, seg)
		}
	}
	return p.cmds, p.rejects, p.warnings
}

// bodyParser collects the results of ParseCommands.
type bodyParser struct {
	first    bool   // no command line seen yet
	place    int    // command segments seen
	syncKind string // the kind synced, when the first command is a sync
	check    func(*Command) string
	fields   []string // scratch for splitFields
	cmds     []Command
	places   []int // the place of each of cmds among the command segments
	rejects  []LineNote
	warnings []LineNote
}

// add parses one command segment found on line n.
func (p *bodyParser) add(n int, seg string) {
	first := p.first
	p.first = false
	p.place++
	cmd, warns, err := parseLine(seg, &p.fields)
	if err == nil {
		err = p.checkSync(cmd, first)
	}
	if err == nil && p.check != nil && cmd.Op != OpSync {
		if why := p.check(&cmd); why != "" {
			err = reject("%s", why)
		}
	}
	if err != nil {
		p.rejects = append(p.rejects, note(n, reasonOf(err), seg))
		return
	}
	if cmd.Op == OpSync {
		p.syncKind = cmd.Kind
	}
	for _, w := range warns {
		p.warnings = append(p.warnings, note(n, w, seg))
	}
	cmd.Line = n
	p.cmds = append(p.cmds, cmd)
	p.places = append(p.places, p.place)
}

// checkSync enforces the place of a sync and what may follow it.
func (p *bodyParser) checkSync(cmd Command, first bool) error {
	switch {
	case cmd.Op == OpSync && !first:
		return reject("sync must be the first command")
	case p.syncKind == "" || cmd.Op == OpSync:
		return nil
	case cmd.Op != OpInsert:
		return reject("only inserts may follow a sync, not %s", cmd.Op)
	}
	if kind := kindOf(cmd); kind != p.syncKind {
		return reject("insert of type %s in a sync of type %s", kind, p.syncKind)
	}
	return nil
}

// kindOf returns the kind a command's type field gives, mbox when empty.
func kindOf(cmd Command) string {
	if cmd.Values[FieldKind] == "" {
		return KindMailbox
	}
	return cmd.Values[FieldKind]
}

// note builds a LineNote, shortening the line text.
func note(n int, reason, text string) LineNote {
	return LineNote{Line: n, Reason: reason, Text: shorten(text, maxNoteText)}
}

// shorten returns s as valid UTF-8 of at most max bytes, cut at a rune boundary.
func shorten(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// segments returns the commands of one body line: none when the line, with
// white space and a byte order mark trimmed, does not start with "_cmd=";
// else the pieces separated by a ';' that is followed by "_cmd=".
func segments(line string) []string {
	s := trimLine(line)
	if !isCmdStart(s) {
		return nil
	}
	var segs []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ';' && isCmdStart(strings.TrimLeft(s[i+1:], " \t")) {
			segs = append(segs, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(segs, strings.TrimSpace(s[start:]))
}

// trimLine trims white space and byte order marks around a line.
func trimLine(line string) string {
	return strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "\uFEFF"))
}

// isCmdStart reports whether s starts with the key _cmd (any case) and '='.
func isCmdStart(s string) bool {
	if len(s) < len("_cmd=") || !strings.EqualFold(s[:4], "_cmd") {
		return false
	}
	return strings.HasPrefix(strings.TrimLeft(s[4:], " \t"), "=")
}

// ParseLine parses one command line (no ';' splitting, no sync placement
// rules). A rejected line yields an error wrapping ErrInvalidLine; the
// warnings that ParseCommands would report are dropped.
func ParseLine(line string) (Command, error) {
	line = strings.TrimSpace(line)
	if !isCmdStart(line) {
		return Command{}, reject("not a command line: it must start with _cmd=")
	}
	cmd, _, err := parseLine(line, new([]string))
	return cmd, err
}

// EscapeValue escapes a value for a command line: the inverse of the
// unescaping ParseLine does, '\' becomes `\\` and ':' becomes `\:`. Values
// cannot hold a line break, and a ';' followed by "_cmd=" would split the line.
func EscapeValue(v string) string {
	return escaper.Replace(v)
}

var escaper = strings.NewReplacer(`\`, `\\`, `:`, `\:`)

// unescape turns `\:` into ':' and `\\` into '\'; other backslashes stay.
func unescape(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && (v[i+1] == ':' || v[i+1] == '\\') {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// splitFields splits a line at the colons that are not escaped, appending
// the fields to fields[:0].
func splitFields(fields []string, line string) []string {
	fields = fields[:0]
	start := 0
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && (line[i+1] == ':' || line[i+1] == '\\'):
			i++
		case line[i] == ':':
			fields = append(fields, line[start:i])
			start = i + 1
		}
	}
	return append(fields, line[start:])
}
