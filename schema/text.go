package schema

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"userdir/mailcmd"
)

// foldPool holds Unicode full case folders: a cases.Caser keeps state and
// must not be shared between goroutines.
var foldPool = sync.Pool{New: func() any { c := cases.Fold(); return &c }}

// prepText is the string preparation of the case-ignore rules (RFC 4518
// with docs/directory.md#matching): control and format characters are dropped, the string is
// NFKC normalized and fully case folded, ё becomes е, and insignificant
// space is removed (leading and trailing space trimmed, inner runs collapsed
// to one space). A value that is empty afterwards, or not UTF-8, does not
// normalize. Printable ASCII takes an allocation-free path when the value
// is already prepared.
func prepText(v string) (string, bool) {
	if isPrintableASCII(v) {
		return prepASCII(v)
	}
	if isBasicCyrillic(v) {
		return prepCyrillic(v)
	}
	return prepSlow(v)
}

// prepSlow is prepText for any string.
func prepSlow(v string) (string, bool) {
	if !utf8.ValidString(v) {
		return "", false
	}
	s := strings.Map(mapInsignificant, v)
	s = norm.NFKC.String(s)
	c := foldPool.Get().(*cases.Caser)
	s = c.String(s)
	foldPool.Put(c)
	s = norm.NFKC.String(s)
	s = strings.Map(mapYo, s)
	return collapseSpaces(s)
}

// mapInsignificant drops control and format characters (soft hyphen,
// zero-width joiners, …) and turns other white space into a space (RFC 4518 §2.2).
func mapInsignificant(r rune) rune {
	switch {
	case unicode.IsSpace(r):
		return ' '
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
		return -1
	}
	return r
}

// mapYo makes ё and е compare equal (docs/directory.md#matching); Ё has been folded to ё already.
func mapYo(r rune) rune {
	if r == 'ё' {
		return 'е'
	}
	return r
}

func isPrintableASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// isBasicCyrillic reports whether v holds only printable ASCII and the
// basic Cyrillic block U+0400–U+045F: such a string is already NFKC
// normalized (nothing in it decomposes or combines) and its full case
// folding is the simple lower-case mapping.
func isBasicCyrillic(v string) bool {
	for _, r := range v {
		if r < 0x80 {
			if r < 0x20 || r > 0x7e {
				return false
			}
		} else if r < 0x400 || r > 0x45f {
			return false
		}
	}
	return true
}

// prepCyrillic is prepText for isBasicCyrillic strings: fold, ё → е and
// insignificant space, in one pass.
func prepCyrillic(v string) (string, bool) {
	b := make([]byte, 0, len(v))
	for _, r := range v {
		switch {
		case r == ' ':
			if len(b) == 0 || b[len(b)-1] == ' ' {
				continue
			}
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r >= 0x400 && r <= 0x40f: // Ѐ…Џ
			r += 0x50
		case r >= 0x410 && r <= 0x42f: // А…Я
			r += 0x20
		}
		if r == 'ё' {
			r = 'е'
		}
		b = utf8.AppendRune(b, r)
	}
	if len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b), len(b) > 0
}

// prepASCII folds printable ASCII to lower case and collapses spaces; it
// returns v itself when nothing changes.
func prepASCII(v string) (string, bool) {
	if asciiPrepared(v) {
		return v, v != ""
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' && (len(b) == 0 || b[len(b)-1] == ' ') {
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	if len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b), len(b) > 0
}

// asciiPrepared reports whether printable ASCII v has no upper case letter
// and no leading, trailing or doubled space.
func asciiPrepared(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'A' && c <= 'Z' {
			return false
		}
		if c == ' ' && (i == 0 || i == len(v)-1 || v[i-1] == ' ') {
			return false
		}
	}
	return true
}

// collapseSpaces trims white space and collapses inner runs to one space; an
// empty result does not normalize.
func collapseSpaces(s string) (string, bool) {
	if !needsCollapse(s) {
		return s, s != ""
	}
	r := strings.Join(strings.Fields(s), " ")
	return r, r != ""
}

func needsCollapse(s string) bool {
	prevSpace := true
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			return true
		}
		prevSpace = sp
	}
	return prevSpace && s != ""
}

// approxEqual compares two prepared strings on their letters and digits
// only, without allocating: the approximate match of docs/directory.md#matching.
func approxEqual(a, b string) bool {
	i, j := 0, 0
	for {
		ra, na := nextAlnum(a, i)
		rb, nb := nextAlnum(b, j)
		if na < 0 || nb < 0 {
			return na < 0 && nb < 0
		}
		if ra != rb {
			return false
		}
		i, j = na, nb
	}
}

// nextAlnum returns the next letter or digit of s at or after i and the
// index after it, or -1 when there is none.
func nextAlnum(s string, i int) (rune, int) {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r, i
		}
	}
	return 0, -1
}

// alnumOnly drops every rune that is not a letter or digit.
func alnumOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// prepIA5 is prepText for caseIgnoreIA5Match, with one addition: an
// address whose domain is written in punycode (ivanov@xn--80aqeigdi5k.xn--p1ai)
// is first turned into the Unicode spelling the store keeps
// (ivanov@компания.рф, see mailcmd.CanonicalAddress), so that a filter or a
// DN finds an internationalized address by either spelling.
func prepIA5(v string) (string, bool) {
	if strings.Contains(v, "@") && strings.Contains(strings.ToLower(v), "xn--") {
		v = mailcmd.CanonicalAddress(v)
	}
	return prepText(v)
}
