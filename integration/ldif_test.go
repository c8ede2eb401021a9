package integration

import (
	"encoding/base64"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// ldifEntry is one entry of ldapsearch's LDIF output (RFC 2849), its
// values decoded.
type ldifEntry struct {
	dn    string
	attrs map[string][]string // keyed by lower-case attribute name
}

// get returns the values of attribute name (any case).
func (e ldifEntry) get(name string) []string { return e.attrs[strings.ToLower(name)] }

// first returns the first value of attribute name, or "".
func (e ldifEntry) first(name string) string {
	if v := e.get(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// ldif is a parsed ldapsearch output: its entries and its comment lines
// (ldapsearch reports paging and sorting results as "# ..." comments).
type ldif struct {
	entries  []ldifEntry
	comments []string
}

// parseLDIF parses ldapsearch -LLL output: records separated by blank
// lines, "name: value", "name:: base64" and folded continuation lines
// (a leading space). A "version:" line is accepted and dropped. URL values
// ("name:< url"), a line without a colon and an attribute before "dn:"
// are errors.
func parseLDIF(text string) (ldif, error) {
	var out ldif
	var cur *ldifEntry
	lines := unfoldLDIF(strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n"))
	for n, line := range lines {
		switch {
		case strings.HasPrefix(line, "#"):
			out.comments = append(out.comments, strings.TrimSpace(line[1:]))
			continue
		case line == "":
			cur = nil
			continue
		}
		name, value, err := parseLDIFLine(line)
		if err != nil {
			return ldif{}, fmt.Errorf("line %d %q: %w", n+1, line, err)
		}
		switch {
		case name == "version" && cur == nil && len(out.entries) == 0:
		case name == "dn" && cur == nil:
			out.entries = append(out.entries, ldifEntry{dn: value, attrs: map[string][]string{}})
			cur = &out.entries[len(out.entries)-1]
		case cur == nil || name == "dn":
			return ldif{}, fmt.Errorf("line %d %q: attribute outside an entry", n+1, line)
		default:
			key := strings.ToLower(name)
			cur.attrs[key] = append(cur.attrs[key], value)
		}
	}
	return out, nil
}

// unfoldLDIF joins continuation lines (RFC 2849: a line starting with one
// space continues the previous one).
func unfoldLDIF(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if strings.HasPrefix(l, " ") && len(out) > 0 && out[len(out)-1] != "" {
			out[len(out)-1] += l[1:]
			continue
		}
		out = append(out, l)
	}
	return out
}

// parseLDIFLine splits "name: value" or "name:: base64" into the name and
// the decoded value.
func parseLDIFLine(line string) (name, value string, err error) {
	name, rest, ok := strings.Cut(line, ":")
	if !ok || name == "" {
		return "", "", fmt.Errorf("no attribute name")
	}
	switch {
	case strings.HasPrefix(rest, ":"):
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest[1:]))
		if err != nil {
			return "", "", fmt.Errorf("base64 value: %w", err)
		}
		return name, string(b), nil
	case strings.HasPrefix(rest, "<"):
		return "", "", fmt.Errorf("URL values are not expected")
	default:
		return name, strings.TrimPrefix(rest, " "), nil
	}
}

// dns returns the DNs of the entries, in order.
func (l ldif) dns() []string {
	out := make([]string, len(l.entries))
	for i, e := range l.entries {
		out[i] = e.dn
	}
	return out
}

// values returns attribute name's first value of every entry, in order.
func (l ldif) values(name string) []string {
	out := make([]string, len(l.entries))
	for i, e := range l.entries {
		out[i] = e.first(name)
	}
	return out
}

func TestIntegrationParseLDIF(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    ldif
		wantErr bool
	}{
		{name: "empty", in: "", want: ldif{}},
		{
			name: "plain and base64",
			in:   "dn: mail=a@b.ru,dc=x\nmail: a@b.ru\ncn:: 0JjQstCw0L3QvtCy\n\ndn:: ZGM9eA==\nobjectClass: top\n",
			want: ldif{entries: []ldifEntry{
				{dn: "mail=a@b.ru,dc=x", attrs: map[string][]string{"mail": {"a@b.ru"}, "cn": {"Иванов"}}},
				{dn: "dc=x", attrs: map[string][]string{"objectclass": {"top"}}},
			}},
		},
		{
			name: "comments, folding, repeated values, version",
			in:   "version: 1\n\n# pagedresults: estimate=5 cookie=AA==\ndn: dc=x\nmail: a@\n b.ru\nmail: c@d.ru\n\n",
			want: ldif{
				comments: []string{"pagedresults: estimate=5 cookie=AA=="},
				entries:  []ldifEntry{{dn: "dc=x", attrs: map[string][]string{"mail": {"a@b.ru", "c@d.ru"}}}},
			},
		},
		{name: "empty value", in: "dn: dc=x\ntitle:\n", want: ldif{entries: []ldifEntry{{dn: "dc=x", attrs: map[string][]string{"title": {""}}}}}},
		{name: "attribute before dn", in: "cn: x\n", wantErr: true},
		{name: "no colon", in: "dn: dc=x\ngarbage\n", wantErr: true},
		{name: "bad base64", in: "dn: dc=x\ncn:: !!!\n", wantErr: true},
		{name: "url value", in: "dn: dc=x\njpegPhoto:< file:///etc/passwd\n", wantErr: true},
		{name: "two dns in one record", in: "dn: dc=x\ndn: dc=y\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLDIF(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseLDIF(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseLDIF(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// formatLDIF writes l back as LDIF with every value base64-encoded and
// the attributes of an entry in sorted order.
func formatLDIF(l ldif) string {
	var b strings.Builder
	for _, c := range l.comments {
		b.WriteString("# " + c + "\n")
	}
	enc := base64.StdEncoding.EncodeToString
	for _, e := range l.entries {
		b.WriteString("dn:: " + enc([]byte(e.dn)) + "\n")
		for _, name := range slices.Sorted(maps.Keys(e.attrs)) {
			for _, v := range e.attrs[name] {
				b.WriteString(name + ":: " + enc([]byte(v)) + "\n")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// FuzzIntegrationParseLDIF checks that the LDIF parser never panics and
// that what it accepts survives a round trip through formatLDIF.
func FuzzIntegrationParseLDIF(f *testing.F) {
	f.Add("dn: dc=x\ncn:: 0JjQstCw0L3QvtCy\n\n# c\ndn: dc=y\n a\n")
	f.Add("version: 1\ndn:: \n \n\n")
	f.Add(":\n::\n dn")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseLDIF(in)
		if err != nil {
			return
		}
		again, err := parseLDIF(formatLDIF(got))
		if err != nil {
			t.Fatalf("parseLDIF(formatLDIF(parseLDIF(%q))): %v", in, err)
		}
		if !reflect.DeepEqual(normalized(again), normalized(got)) {
			t.Errorf("round trip of %q:\n got %+v\nwant %+v", in, again, got)
		}
	})
}

// normalized drops what formatLDIF cannot keep: white space around and
// inside comments, and the difference between nil and empty slices.
func normalized(l ldif) ldif {
	out := ldif{entries: l.entries}
	for _, c := range l.comments {
		out.comments = append(out.comments, strings.TrimSpace(c))
	}
	return out
}
