package main

import (
	"fmt"
	"io"
	"os"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"userdir/bench/internal/terms"
)

// term is one line of a gen terms file.
type term struct {
	kind, value string
	expected    int
}

// readTerms reads a terms file (package terms) grouped by kind.
func readTerms(r io.Reader) (map[string][]term, error) {
	ts, err := terms.Read(r)
	if err != nil {
		return nil, err
	}
	out := map[string][]term{}
	for _, t := range ts {
		out[t.Kind] = append(out[t.Kind], term{t.Kind, t.Value, t.Expected})
	}
	return out, nil
}

func loadTerms(path string) (map[string][]term, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open terms: %w", err)
	}
	defer f.Close()
	ts, err := readTerms(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, nil
}

// query is one encoded search with the entries a correct server returns.
type query struct {
	op        []byte // the SearchRequest protocolOp, BER
	expected  int    // entries, after the size limit
	sizeLimit bool   // expected is cut by the size limit: result 4 is right
	text      string // for messages
}

// The workloads: which term kinds they draw from, the filter, attributes.
type workload struct {
	hitKind, missKind string  // term kinds
	hitRatio          float64 // share of hitKind (the rest: missKind)
	attrs             []string
	sizeLimit         bool
}

var workloads = map[string]workload{
	"postfix":      {"mail_hit", "mail_miss", 0, []string{"mail"}, false},
	"autocomplete": {"prefix", "", 1, []string{"cn", "displayName", "mail"}, true},
	"callerid":     {"phone", "phone_miss", 0, []string{"cn", "displayName", "telephoneNumber", "mobile"}, false},
	"browse":       {"division", "", 1, nil, false},
}

// filterFor returns the base and filter that a term kind stands for.
func filterFor(t term, suffix string) (base, filter string, ok bool) {
	v := ldap.EscapeFilter(t.value)
	switch t.kind {
	case "mail_hit", "mail_miss", "mail_case":
		return suffix, "(mail=" + v + ")", true
	case "prefix":
		return suffix, "(|(cn=" + v + "*)(mail=" + v + "*)(sn=" + v + "*)(givenName=" + v + "*))", true
	case "phone", "phone_miss":
		return suffix, "(|(telephoneNumber=*" + v + "*)(mobile=*" + v + "*))", true
	case "division":
		return t.value + "," + suffix, "(objectClass=inetOrgPerson)", true
	}
	return "", "", false
}

// attrsFor returns the attributes a workload asks for with a term kind.
func attrsFor(kind string) []string {
	for _, w := range workloads {
		if w.hitKind == kind || w.missKind == kind {
			return w.attrs
		}
	}
	return []string{"mail"}
}

// encodeSearch builds a SearchRequest op (RFC 4511 §4.5.1): subtree, never
// deref aliases, no time limit.
func encodeSearch(base, filter string, sizeLimit int, attrs []string) ([]byte, error) {
	f, err := ldap.CompileFilter(filter)
	if err != nil {
		return nil, fmt.Errorf("filter %s: %w", filter, err)
	}
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 3, nil, "search")
	req.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, base, "base"))
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, ldap.ScopeWholeSubtree, "scope"))
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, ldap.NeverDerefAliases, "deref"))
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, sizeLimit, "size"))
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 0, "time"))
	req.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, false, "typesOnly"))
	req.AppendChild(f)
	as := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "attrs")
	for _, a := range attrs {
		as.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a, "attr"))
	}
	req.AppendChild(as)
	return req.Bytes(), nil
}

// makeQuery encodes the search for t. limit > 0 is the size limit of
// prefix searches.
func makeQuery(t term, suffix string, limit int) (query, error) {
	base, filter, ok := filterFor(t, suffix)
	if !ok {
		return query{}, fmt.Errorf("unknown term kind %q", t.kind)
	}
	q := query{expected: t.expected, text: filter + " under " + base}
	size := 0
	if t.kind == "prefix" && limit > 0 {
		size = limit
		if t.expected > limit {
			q.expected, q.sizeLimit = limit, true
		}
	}
	op, err := encodeSearch(base, filter, size, attrsFor(t.kind))
	q.op = op
	return q, err
}

// makeQueries encodes every term of the given kinds.
func makeQueries(terms map[string][]term, kind, suffix string, limit int) ([]query, error) {
	out := make([]query, 0, len(terms[kind]))
	for _, t := range terms[kind] {
		q, err := makeQuery(t, suffix, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}
