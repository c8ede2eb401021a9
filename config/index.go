package config

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// docIndex maps every key path of a TOML document to the line it is on and
// the kind of what it holds. Paths are dotted, with 1-based indexes for the
// tables of an array and the elements of an array value: "division[2].code",
// "ldap.listen[1]". It lets errors found after decoding name their line.
type docIndex struct {
	newlines []int            // offsets of the '\n' bytes, ascending
	entries  map[string]entry // path → where and what
	order    []string         // paths in document order
	counts   map[string]int   // array-of-tables path → tables seen so far
	dups     []dup            // keys and tables defined twice
}

// dup is a key or table defined a second time.
type dup struct {
	path        string
	line, first int
}

// entry is one key path of the document.
type entry struct {
	line     int
	kind     unstable.Kind // Table, ArrayTable, or the kind of the value
	explicit bool          // a value, or a table with its own [header]
}

// newIndex parses data with go-toml's parser and indexes its keys. A syntax
// error comes back as an *Error whose message holds no byte of the document.
func newIndex(file string, data []byte) (*docIndex, error) {
	x := &docIndex{entries: map[string]entry{}, counts: map[string]int{}}
	for i, c := range data {
		if c == '\n' {
			x.newlines = append(x.newlines, i)
		}
	}
	var p unstable.Parser
	p.Reset(data)
	table := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = x.header(e)
		case unstable.KeyValue:
			x.keyValue(table, e)
		}
	}
	if err := p.Error(); err != nil {
		return nil, x.syntaxError(file, data, err)
	}
	return x, nil
}

// syntaxError turns a parser error into an *Error on the line it points at.
func (x *docIndex) syntaxError(file string, data []byte, err error) error {
	e := &Error{File: file, Msg: "invalid TOML: " + sanitize(err.Error())}
	var pe *unstable.ParserError
	if errors.As(err, &pe) {
		// The highlight is a subslice of data: its capacity locates it.
		if off := cap(data) - cap(pe.Highlight); pe.Highlight != nil && off >= 0 && off <= len(data) {
			e.Line = x.lineAt(off)
		}
		e.Key = strings.Join(pe.Key, ".")
	}
	return e
}

// runeInMessage matches the "U+0041 'A'" go-toml puts in some messages: it
// would print a character of the document, perhaps of a secret.
var runeInMessage = regexp.MustCompile(`\s*U\+[0-9A-Fa-f]{4,6}(\s+'(\\.|[^'])*')?`)

// sanitize removes characters quoted from the document out of a go-toml message.
func sanitize(msg string) string {
	msg = runeInMessage.ReplaceAllString(msg, "")
	msg = strings.TrimSuffix(msg, " but got")
	return strings.TrimPrefix(msg, "toml: ")
}

// lineAt returns the 1-based line of a byte offset.
func (x *docIndex) lineAt(off int) int {
	return sort.SearchInts(x.newlines, off) + 1
}

// nodeLine returns the line a node starts on.
func (x *docIndex) nodeLine(n *unstable.Node) int {
	return x.lineAt(int(n.Raw.Offset))
}

// line returns the line of path, or of its nearest indexed ancestor, or 0.
func (x *docIndex) line(path string) int {
	for path != "" {
		if e, ok := x.entries[path]; ok {
			return e.line
		}
		path = parentPath(path)
	}
	return 0
}

// pathAt returns the indexed path on line whose last key is name, or fallback.
func (x *docIndex) pathAt(line int, name, fallback string) string {
	for _, path := range x.order {
		if x.entries[path].line == line && lastKey(path) == name {
			return path
		}
	}
	return fallback
}

// parentPath strips the last component of a path: "a.b[2]" → "a.b", "a.b" → "a".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// record indexes path. An implicit table (a dotted key's prefix, a header's
// parent) may be met again; a value or an explicit table defined twice is
// noted as a duplicate and the first definition kept.
func (x *docIndex) record(path string, line int, kind unstable.Kind, explicit bool) {
	if e, ok := x.entries[path]; ok {
		if explicit && (e.explicit || kind != unstable.Table) {
			x.dups = append(x.dups, dup{path: path, line: line, first: e.line})
		} else if explicit {
			e.explicit = true
			x.entries[path] = e
		}
		return
	}
	x.entries[path] = entry{line: line, kind: kind, explicit: explicit}
	x.order = append(x.order, path)
}

// header indexes a [table] or [[array.table]] header and returns the path of
// the table that the following key/values belong to.
func (x *docIndex) header(e *unstable.Node) string {
	var parts []string
	line := 0
	for it := e.Key(); it.Next(); {
		if line == 0 {
			line = x.nodeLine(it.Node())
		}
		parts = append(parts, string(it.Node().Data))
	}
	if len(parts) == 0 {
		return ""
	}
	path := ""
	for _, part := range parts[:len(parts)-1] {
		path = x.resolve(join(path, part))
		x.record(path, line, unstable.Table, false)
	}
	path = join(path, parts[len(parts)-1])
	if e.Kind == unstable.ArrayTable {
		x.record(path, line, unstable.ArrayTable, false)
		x.counts[path]++
		path = fmt.Sprintf("%s[%d]", path, x.counts[path])
	}
	x.record(path, line, unstable.Table, true)
	return path
}

// resolve points a path naming an array of tables at its latest table.
func (x *docIndex) resolve(path string) string {
	if n := x.counts[path]; n > 0 {
		return fmt.Sprintf("%s[%d]", path, n)
	}
	return path
}

// keyValue indexes "a.b = value" inside table, descending into the value.
func (x *docIndex) keyValue(table string, e *unstable.Node) {
	path, line := table, 0
	it := e.Key()
	for it.Next() {
		if line == 0 {
			line = x.nodeLine(it.Node())
		}
		path = join(path, string(it.Node().Data))
		if !it.IsLast() {
			x.record(path, line, unstable.Table, false) // a dotted key's implicit table
		}
	}
	x.value(path, line, e.Value())
}

// value indexes a value at path: arrays by element, inline tables by key.
func (x *docIndex) value(path string, line int, v *unstable.Node) {
	x.record(path, line, v.Kind, true)
	switch v.Kind {
	case unstable.Array:
		i := 0
		for it := v.Children(); it.Next(); {
			n := it.Node()
			if n.Kind == unstable.Comment {
				continue
			}
			i++
			x.value(fmt.Sprintf("%s[%d]", path, i), x.elementLine(n, line), n)
		}
	case unstable.InlineTable:
		for it := v.Children(); it.Next(); {
			if n := it.Node(); n.Kind == unstable.KeyValue {
				x.keyValue(path, n)
			}
		}
	}
}

// elementLine returns the line of an array element, or fallback for the
// kinds whose position the parser does not keep (arrays).
func (x *docIndex) elementLine(n *unstable.Node, fallback int) int {
	if n.Kind == unstable.Array || (n.Raw.Offset == 0 && n.Raw.Length == 0) {
		return fallback
	}
	return x.nodeLine(n)
}

// join appends a key to a dotted path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
