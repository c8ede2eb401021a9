package schema

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
)

// ldifLineWidth is the longest line WriteLDIF writes; longer ones are folded.
const ldifLineWidth = 76

// LDIFOptions controls WriteLDIF. The zero value writes user attributes only.
type LDIFOptions struct {
	Operational bool // also write the operational attributes
}

// WriteLDIF writes entries as LDIF content records (RFC 2849): "version: 1",
// then each entry after a blank line. Values that are not SAFE-STRINGs
// (non-ASCII such as Cyrillic; NUL, CR or LF; a leading space, ':' or '<')
// or that end with a space are written base64-encoded after "::". Lines
// longer than 76 characters are folded.
func WriteLDIF(w io.Writer, entries []*Entry, o LDIFOptions) error {
	bw := bufio.NewWriter(w)
	lw := &ldifWriter{w: bw}
	lw.line("version: 1")
	for _, e := range entries {
		lw.entry(e, o)
	}
	if lw.err == nil {
		lw.err = bw.Flush()
	}
	if lw.err != nil {
		return fmt.Errorf("write LDIF: %w", lw.err)
	}
	return nil
}

// ldifWriter keeps the first write error, so the callers stay simple.
type ldifWriter struct {
	w   *bufio.Writer
	err error
}

func (lw *ldifWriter) entry(e *Entry, o LDIFOptions) {
	lw.line("")
	lw.attr("dn", e.DN)
	for _, a := range e.Attrs {
		lw.values(a)
	}
	if o.Operational {
		for _, a := range e.Operational {
			lw.values(a)
		}
	}
}

func (lw *ldifWriter) values(a Attr) {
	for _, v := range a.Values {
		lw.attr(a.Type.Name, v)
	}
}

// attr writes one "name: value" or "name:: base64" line, folded.
func (lw *ldifWriter) attr(name, value string) {
	switch {
	case value == "":
		lw.line(name + ":")
	case isSafeString(value):
		lw.line(name + ": " + value)
	default:
		lw.line(name + ":: " + base64.StdEncoding.EncodeToString([]byte(value)))
	}
}

// line writes s folded at ldifLineWidth: continuation lines start with one
// space (RFC 2849 §2). s is ASCII here, so folding never splits a character.
func (lw *ldifWriter) line(s string) {
	width := ldifLineWidth
	for lw.err == nil {
		if len(s) <= width {
			_, lw.err = lw.w.WriteString(s + "\n")
			return
		}
		_, lw.err = lw.w.WriteString(s[:width] + "\n ")
		s = s[width:]
		width = ldifLineWidth - 1
	}
}

// isSafeString reports whether v is an RFC 2849 SAFE-STRING that does not
// end with a space (which the RFC says should be base64-encoded too).
func isSafeString(v string) bool {
	switch v[0] {
	case ' ', ':', '<':
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\n' || c == '\r' || c >= 0x80 {
			return false
		}
	}
	return v[len(v)-1] != ' '
}
