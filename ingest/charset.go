package ingest

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// fallbackCharset is the charset of undeclared non-UTF-8 bodies when the
// division names none: what the original senders used (docs/protocol.md#the-message).
const fallbackCharset = "windows-1251"

// The charsets of docs/protocol.md#the-message (utf-8, windows-1251, koi8-r, iso-8859-5 and
// ibm866) are all known to go-message's charset package under their usual
// names; these are misspellings seen in Russian mail that it does not know.
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
	if utf8.Valid(raw) {
		return string(raw)
	}
	if fallback == "" {
		fallback = fallbackCharset
	}
	if s, ok := convert(raw, fallback); ok {
		return s
	}
	s, _ := convert(raw, fallbackCharset)
	return s
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

// convert decodes raw from the named charset with go-message's charset
// table; ok is false when the name is unknown.
func convert(raw []byte, name string) (s string, ok bool) {
	r, err := charset.Reader(name, bytes.NewReader(raw))
	if err != nil {
		return "", false
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", false
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), true
}
