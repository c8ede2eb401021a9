package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a configuration file: where it is and what is
// wrong. Its text never holds a division code or a password hash.
type Error struct {
	File string // the file, as given to Load or Parse
	Line int    // 1-based line; 0 when the problem has no line (a missing table)
	Key  string // dotted key with 1-based array indexes, e.g. "division[2].code"
	Msg  string // what is wrong
}

// Error formats e as "file:line: key: message", leaving out the parts it lacks.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors returns every *Error held in err, which Load and Parse build with
// errors.Join, in the order they were joined. It returns nil for nil.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if e := errors.Unwrap(err); e != nil {
			walk(e)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// problems collects the errors of one file, each placed on the line of its key.
type problems struct {
	file string
	idx  *docIndex
	errs []*Error
}

// add records a problem with key; its line is the key's, or its nearest
// enclosing table's when the key is absent from the file.
func (p *problems) add(key, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: p.idx.line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// addAt records a problem at a known line.
func (p *problems) addAt(line int, key, msg string) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Key: key, Msg: msg})
}

// err joins the problems sorted by line, or returns nil when there are none.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}
