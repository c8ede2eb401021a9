package compose

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// maxInputLine is the longest line ParseText reads, in bytes.
const maxInputLine = 1 << 20

// ParseArgs turns command-line words into command lines. A word that
// starts with "_cmd=" is a whole command line (see CheckLine). A word
// "insert", "update" or "delete" starts a command of the convenience form,
// and each key=value word after it is one field of it, e.g. the words
//
//	insert eml=petrov@company.ru "name=Петров Пётр" gor=88-02-49
//
// A value with spaces must be one word (quoted for the shell). Any other
// word is an error; every error wraps ErrInvalidCommand and names the
// command by its 1-based number.
func ParseArgs(words []string) ([]string, error) {
	var (
		lines []string
		op    string // the pending convenience command, "" when none
		args  []Field
	)
	flush := func() error {
		if op == "" {
			return nil
		}
		line, err := Line(op, args)
		if err != nil {
			return fmt.Errorf("command %d (%s): %w", len(lines)+1, op, err)
		}
		lines, op, args = append(lines, line), "", nil
		return nil
	}
	for _, w := range words {
		if isCmdLine(w) || ops[strings.ToLower(w)] {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		switch key, val, isField := cutField(w); {
		case isCmdLine(w):
			line, err := CheckLine(w)
			if err != nil {
				return nil, fmt.Errorf("command %d %q: %w", len(lines)+1, w, err)
			}
			lines = append(lines, line)
		case ops[strings.ToLower(w)]:
			op = w
		case isField && op != "":
			args = append(args, Field{key, val})
		case isField:
			return nil, invalidCommand("%q: a field must follow insert, update or delete", w)
		default:
			return nil, invalidCommand("unexpected word %q: want insert, update, delete, key=value or a _cmd= line (quote a value with spaces as one word: \"name=Петров Пётр\")", w)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return lines, nil
}

// ParseText reads one command per line from r: a line written out in full
// ("_cmd=..."), or the convenience form without any quoting,
//
//	insert eml=petrov@company.ru name=Петров Пётр gor=88-02-49
//
// where a field runs up to the next word that looks like key= (ASCII
// letters or '_', then '='); a value that holds such a word needs the full
// form. Blank lines and lines starting with '#' are skipped. Errors about a
// command wrap ErrInvalidCommand and name its line.
func ParseText(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxInputLine)
	var lines []string
	for n := 1; sc.Scan(); n++ {
		s := sc.Text()
		if n == 1 {
			s = strings.TrimPrefix(s, "\uFEFF")
		}
		s = strings.TrimSpace(s)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		line, err := textLine(s)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read commands: %w", err)
	}
	return lines, nil
}

// textLine turns one trimmed input line into a command line.
func textLine(s string) (string, error) {
	if isCmdLine(s) {
		return CheckLine(s)
	}
	op, rest := s, ""
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		op, rest = s[:i], strings.TrimSpace(s[i:])
	}
	if !ops[strings.ToLower(op)] {
		return "", invalidCommand("%q: want insert, update, delete or a _cmd= line", shorten(s))
	}
	fields, err := splitText(rest)
	if err != nil {
		return "", err
	}
	return Line(op, fields)
}

// splitText splits "k1=v1 v1 k2=v2" into fields at the words that look
// like key=. The text must start with one.
func splitText(s string) ([]Field, error) {
	var fields []Field
	for s != "" {
		key, val, ok := cutField(s)
		if !ok {
			return nil, invalidCommand("%q: want key=value fields", shorten(s))
		}
		end := nextField(val)
		fields = append(fields, Field{key, val[:end]})
		s = strings.TrimSpace(val[end:])
	}
	return fields, nil
}

// nextField returns the index in s of the first word after white space
// that looks like key=, or len(s).
func nextField(s string) int {
	for i := 1; i < len(s); i++ {
		if (s[i-1] == ' ' || s[i-1] == '\t') && s[i] != ' ' && s[i] != '\t' {
			if _, _, ok := cutField(s[i:]); ok {
				return i
			}
		}
	}
	return len(s)
}

// cutField splits a word "key=value" whose key is ASCII letters or '_'.
func cutField(w string) (key, val string, ok bool) {
	key, val, ok = strings.Cut(w, "=")
	if !ok || key == "" || strings.IndexFunc(key, notKeyRune) >= 0 {
		return "", "", false
	}
	return key, val, true
}

// notKeyRune reports whether r cannot be in a key.
func notKeyRune(r rune) bool {
	return r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z')
}

// isCmdLine reports whether s, trimmed, starts with the key _cmd and '='.
func isCmdLine(s string) bool {
	key, _, ok := strings.Cut(strings.TrimSpace(s), "=")
	return ok && strings.EqualFold(strings.TrimSpace(key), "_cmd")
}

// shorten returns s cut to at most 60 runes, for an error message.
func shorten(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
