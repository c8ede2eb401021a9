package schema

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// ldifRecord is one parsed LDIF record: its DN and its lines in order.
type ldifRecord struct {
	dn    string
	attrs [][2]string // name, value
}

// readLDIF is a small RFC 2849 content reader: it unfolds lines, decodes
// base64 values and splits records at blank lines.
func readLDIF(data string) ([]ldifRecord, error) {
	var lines []string
	for _, l := range strings.Split(data, "\n") {
		if strings.HasPrefix(l, " ") && len(lines) > 0 {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 || lines[0] != "version: 1" {
		return nil, errors.New("no version: 1 line")
	}
	var recs []ldifRecord
	var cur *ldifRecord
	for _, l := range lines[1:] {
		if l == "" {
			cur = nil
			continue
		}
		name, value, err := parseLDIFLine(l)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			if name != "dn" {
				return nil, fmt.Errorf("record starts with %q, want dn", l)
			}
			recs = append(recs, ldifRecord{dn: value})
			cur = &recs[len(recs)-1]
			continue
		}
		cur.attrs = append(cur.attrs, [2]string{name, value})
	}
	return recs, nil
}

func parseLDIFLine(l string) (name, value string, err error) {
	name, rest, ok := strings.Cut(l, ":")
	if !ok {
		return "", "", fmt.Errorf("no colon in %q", l)
	}
	if b64, ok := strings.CutPrefix(rest, ": "); ok {
		v, err := base64.StdEncoding.DecodeString(b64)
		return name, string(v), err
	}
	return name, strings.TrimPrefix(rest, " "), nil
}

// ldifEntries returns the golden set: the suffix, the divisions, the
// fixture people and an entry with values that need care.
func ldifEntries(t *testing.T) []*Entry {
	t.Helper()
	m := newTestMapper(t, "")
	entries := append([]*Entry{m.SuffixEntry()}, m.DivisionEntries()...)
	_, people := fixture(t)
	odd := mustEntry(t, m, rec(t, "tobolsk", "odd@company.ru",
		"name", "Very Long Name "+strings.Repeat("Abcdefghij ", 8)+"End",
		"post", " leading space", "of", ":colon", "sdiv", "<angle", "gor", "trailing space ",
		"sot", "line\nbreak"))
	return append(append(entries, people...), odd)
}

func TestWriteLDIFGolden(t *testing.T) {
	entries := ldifEntries(t)
	var buf bytes.Buffer
	if err := WriteLDIF(&buf, entries, LDIFOptions{Operational: true}); err != nil {
		t.Fatalf("WriteLDIF: %v", err)
	}
	golden := filepath.Join("testdata", "dump.ldif")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run go test -update once): %v", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("WriteLDIF differs from %s; run go test ./schema -run LDIF -update and review the diff", golden)
	}
	for i, l := range strings.Split(buf.String(), "\n") {
		if len(l) > 76 {
			t.Errorf("line %d is %d characters long", i+1, len(l))
		}
	}
}

func TestWriteLDIFRoundTrip(t *testing.T) {
	entries := ldifEntries(t)
	for _, o := range []LDIFOptions{{}, {Operational: true}} {
		var buf bytes.Buffer
		if err := WriteLDIF(&buf, entries, o); err != nil {
			t.Fatalf("WriteLDIF: %v", err)
		}
		recs, err := readLDIF(buf.String())
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		if len(recs) != len(entries) {
			t.Fatalf("read back %d records, want %d", len(recs), len(entries))
		}
		for i, e := range entries {
			attrs := e.Attrs
			if o.Operational {
				attrs = append(append([]Attr(nil), e.Attrs...), e.Operational...)
			}
			var want [][2]string
			for _, a := range attrs {
				for _, v := range a.Values {
					want = append(want, [2]string{a.Type.Name, v})
				}
			}
			if recs[i].dn != e.DN || !reflect.DeepEqual(recs[i].attrs, want) {
				t.Errorf("record %d read back as %q %q\nwant %q %q", i, recs[i].dn, recs[i].attrs, e.DN, want)
			}
		}
	}
}

func TestWriteLDIFValues(t *testing.T) {
	tests := []struct{ value, line string }{
		{"ivanov@company.ru", "mail: ivanov@company.ru"},
		{"Иванов", "mail:: 0JjQstCw0L3QvtCy"},
		{" x", "mail:: IHg="},
		{"x ", "mail:: eCA="},
		{":x", "mail:: Ong="},
		{"<x", "mail:: PHg="},
		{"a\r\nb", "mail:: YQ0KYg=="},
		{"", "mail:"},
		{"a:b <c>", "mail: a:b <c>"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		e := &Entry{DN: "dc=x", Attrs: []Attr{{Type: AttrMail, Values: []string{tt.value}}}}
		if err := WriteLDIF(&buf, []*Entry{e}, LDIFOptions{}); err != nil {
			t.Fatal(err)
		}
		want := "version: 1\n\ndn: dc=x\n" + tt.line + "\n"
		if buf.String() != want {
			t.Errorf("value %q written as %q, want %q", tt.value, buf.String(), want)
		}
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteLDIFError(t *testing.T) {
	err := WriteLDIF(failingWriter{}, ldifEntries(t), LDIFOptions{})
	if !errors.Is(err, errDiskFull) {
		t.Errorf("WriteLDIF to a failing writer: %v", err)
	}
}
