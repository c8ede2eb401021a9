package mailmsg

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// DefaultCharset is the charset of undeclared non-UTF-8 bodies when the
// division names none: what the original senders used. config's
// division charset defaults to it.
const DefaultCharset = "windows-1251"

// The charsets command mail comes in (utf-8, windows-1251, koi8-r,
// iso-8859-5 and ibm866) are all known to go-message's charset package
// under their usual names; these are misspellings seen in Russian mail that
// it does not know. They are registered here, in the package that owns the
// names, so that every user of CharsetReader (config's check of a
// division's charset included) knows them.
func init() {
	charset.RegisterEncoding("win-1251", charmap.Windows1251)
	charset.RegisterEncoding("win1251", charmap.Windows1251)
	charset.RegisterEncoding("cp-1251", charmap.Windows1251)
	charset.RegisterEncoding("ibm-866", charmap.CodePage866)
	charset.RegisterEncoding("cp-866", charmap.CodePage866)
}

// decodeText converts raw, declared to be in charset declared, to valid
// UTF-8. An undeclared, us-ascii or unknown charset means UTF-8 when raw is
// valid UTF-8 and fallback otherwise (windows-1251 when fallback is empty
// or unknown itself). Bytes that are invalid in their charset become U+FFFD.
func decodeText(raw []byte, declared, fallback string) string {
	declared = strings.ToLower(strings.TrimSpace(declared))
	if declared != "" && !isASCIIName(declared) {
		if s, ok := convert(raw, declared); ok {
			return s
		}
	}
	if enc := bomEncoding(raw); enc != nil {
		if out, err := enc.NewDecoder().Bytes(raw); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	if utf8.Valid(raw) {
		return string(raw)
	}
	if fallback == "" {
		fallback = DefaultCharset
	}
	if s, ok := convert(raw, fallback); ok {
		return s
	}
	s, _ := convert(raw, DefaultCharset)
	return s
}

// bomEncoding returns the UTF-16 or UTF-32 encoding whose byte order mark
// starts raw, or nil: a byte order mark without a declared charset is
// honoured (docs/protocol.md). The decoder drops the mark. UTF-32 is tested first: its little-endian
// mark starts with UTF-16's.
func bomEncoding(raw []byte) encoding.Encoding {
	switch {
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE, 0, 0}):
		return utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(raw, []byte{0, 0, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	}
	return nil
}

// isASCIIName reports whether name is a label of US-ASCII, which old
// software declares for 8-bit text it knows nothing about.
func isASCIIName(name string) bool {
	switch name {
	case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us":
		return true
	}
	return false
}

// CharsetReader returns a reader of input, in the charset called name,
// that yields UTF-8. It is the one table of charset names: go-message's and
// the misspellings registered above. An unknown name is an error.
func CharsetReader(name string, input io.Reader) (io.Reader, error) {
	return charset.Reader(name, input)
}

// convert decodes raw from the named charset; ok is false when the name is
// unknown.
func convert(raw []byte, name string) (s string, ok bool) {
	r, err := CharsetReader(name, bytes.NewReader(raw))
	if err != nil {
		return "", false
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", false
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), true
}
