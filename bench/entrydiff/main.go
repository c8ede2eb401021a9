// Command entrydiff explains verify mismatches of bench/compare.sh: it runs
// every query term of a gen terms file against two LDAP servers holding the
// same book, compares the returned entries by their mail address, and
// prints each term where either server's entries differ from the other's
// or its count from the terms file, with the entries only one server
// returned and the attribute values that matched.
//
// The queries are those of bench/load: Postfix
// (mail=...), autocomplete (|(cn=p*)(mail=p*)(sn=p*)(givenName=p*)) without
// a size limit, caller ID (|(telephoneNumber=*d*)(mobile=*d*)) and a
// division browse (objectClass=inetOrgPerson). Filters follow RFC 4515.
//
//	entrydiff -terms ab-10000.terms -a 127.0.0.1:3891 -b 127.0.0.1:3890
//
// It exits 1 when some term differs, 2 on a connection or protocol error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"userdir/bench/internal/terms"

	"userdir/bench/internal/benchldap"
)

// errTerms reports a malformed terms file line.
var errTerms = terms.ErrMalformed

// term is one line of a terms file.
type term struct {
	kind, value string
	expected    int
}

// query is the search a term stands for.
type query struct {
	base, filter string
	attrs        []string // shown for entries only one server returned
}

// kinds lists the term kinds in the order they are checked.
var kinds = []string{"mail_hit", "mail_miss", "mail_case", "prefix", "phone", "phone_miss", "division"}

// buildQuery returns the search for a term, and false for a kind it does
// not know.
func buildQuery(t term, suffix string) (query, bool) {
	v := ldap.EscapeFilter(t.value)
	switch t.kind {
	case "mail_hit", "mail_miss", "mail_case":
		return query{suffix, "(mail=" + v + ")", []string{"mail"}}, true
	case "prefix":
		return query{suffix, "(|(cn=" + v + "*)(mail=" + v + "*)(sn=" + v + "*)(givenName=" + v + "*))",
			[]string{"cn", "sn", "givenName"}}, true
	case "phone", "phone_miss":
		return query{suffix, "(|(telephoneNumber=*" + v + "*)(mobile=*" + v + "*))",
			[]string{"telephoneNumber", "mobile"}}, true
	case "division":
		return query{t.value + "," + suffix, "(objectClass=inetOrgPerson)", nil}, true
	}
	return query{}, false
}

// readTerms reads a terms file (package terms) and drops repeated
// (kind, value) pairs.
func readTerms(r io.Reader) ([]term, error) {
	ts, err := terms.Read(r)
	if err != nil {
		return nil, err
	}
	var out []term
	seen := map[[2]string]bool{}
	for _, t := range ts {
		if k := [2]string{t.Kind, t.Value}; !seen[k] {
			seen[k] = true
			out = append(out, term{t.Kind, t.Value, t.Expected})
		}
	}
	return out, nil
}

// entries maps a lower-cased mail address to the shown attributes'
// values, rendered "attr=v1|v2 attr=v3".
type entries map[string]string

// result turns search results into entries. An entry without mail is
// keyed by its DN.
func result(res *ldap.SearchResult, attrs []string) entries {
	out := entries{}
	for _, e := range res.Entries {
		key := strings.ToLower(e.GetAttributeValue("mail"))
		if key == "" {
			key = e.DN
		}
		var parts []string
		for _, a := range attrs {
			if a == "mail" {
				continue
			}
			if vs := e.GetAttributeValues(a); len(vs) > 0 {
				parts = append(parts, a+"="+strings.Join(vs, "|"))
			}
		}
		out[key] = strings.Join(parts, " ")
	}
	return out
}

// only returns the keys of x that y lacks, sorted.
func only(x, y entries) []string {
	var out []string
	for k := range x {
		if _, ok := y[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// searcher is what entrydiff needs of an LDAP connection.
type searcher interface {
	Search(req *ldap.SearchRequest) (*ldap.SearchResult, error)
}

// server is one side of the comparison.
type server struct {
	name string
	conn searcher
}

// search runs q on s, without a size limit.
func (s server) search(q query) (entries, error) {
	attrs := append([]string{"mail"}, q.attrs...)
	req := ldap.NewSearchRequest(q.base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, q.filter, attrs, nil)
	res, err := s.conn.Search(req)
	if err != nil {
		return nil, fmt.Errorf("%s: search %s under %s: %w", s.name, q.filter, q.base, err)
	}
	return result(res, attrs), nil
}

// tally counts, per kind, the terms checked and how they fared.
type tally struct {
	terms, differ, aWrong, bWrong, shown int
}

// checker compares the two servers term by term.
type checker struct {
	a, b   server
	suffix string
	show   int // details printed per kind
	out    io.Writer
	tally  map[string]*tally
	agreed []term // terms on which both servers returned the same entries
}

func newChecker(a, b server, suffix string, show int, out io.Writer) *checker {
	ch := &checker{a: a, b: b, suffix: suffix, show: show, out: out, tally: map[string]*tally{}}
	for _, k := range kinds {
		ch.tally[k] = &tally{}
	}
	return ch
}

// check compares one term and prints it when it differs.
func (c *checker) check(t term) error {
	q, ok := buildQuery(t, c.suffix)
	if !ok {
		return nil
	}
	ea, err := c.a.search(q)
	if err != nil {
		return err
	}
	eb, err := c.b.search(q)
	if err != nil {
		return err
	}
	tl := c.tally[t.kind]
	tl.terms++
	onlyA, onlyB := only(ea, eb), only(eb, ea)
	if len(onlyA) == 0 && len(onlyB) == 0 {
		c.agreed = append(c.agreed, t)
	}
	aWrong, bWrong := len(ea) != t.expected, len(eb) != t.expected
	if !aWrong && !bWrong && len(onlyA) == 0 && len(onlyB) == 0 {
		return nil
	}
	tl.differ++
	if aWrong {
		tl.aWrong++
	}
	if bWrong {
		tl.bWrong++
	}
	if tl.shown >= c.show {
		return nil
	}
	tl.shown++
	fmt.Fprintf(c.out, "entrydiff-term kind=%s term=%q expected=%d %s=%d %s=%d filter=%s base=%s\n",
		t.kind, t.value, t.expected, c.a.name, len(ea), c.b.name, len(eb), q.filter, q.base)
	c.printOnly(c.a.name, onlyA, ea)
	c.printOnly(c.b.name, onlyB, eb)
	return nil
}

// printOnly lists the entries only one server returned, with the values
// that matched.
func (c *checker) printOnly(name string, keys []string, e entries) {
	for _, k := range keys {
		fmt.Fprintf(c.out, "    only %s: %s %s\n", name, k, e[k])
	}
}

// summary prints one line per kind and reports whether all terms agreed.
func (c *checker) summary() bool {
	same := true
	for _, k := range kinds {
		tl := c.tally[k]
		if tl.terms == 0 {
			continue
		}
		fmt.Fprintf(c.out, "entrydiff kind=%s terms=%d differ=%d %s_wrong_count=%d %s_wrong_count=%d\n",
			k, tl.terms, tl.differ, c.a.name, tl.aWrong, c.b.name, tl.bWrong)
		same = same && tl.differ == 0
	}
	return same
}

// config is the command line.
type config struct {
	terms, suffix, dn, pw string
	agreed                string // file for the terms both servers answer alike
	aAddr, bAddr          string
	aName, bName          string
	only                  []string
	show                  int
}

func parseFlags() config {
	var c config
	var only string
	flag.StringVar(&c.terms, "terms", "", "terms `file` written by gen (required)")
	flag.StringVar(&c.agreed, "agreed", "", "write the terms on which both servers return the same entries to `file`")
	flag.StringVar(&c.aAddr, "a", "127.0.0.1:3891", "first server `address`")
	flag.StringVar(&c.bAddr, "b", "127.0.0.1:3890", "second server `address`")
	flag.StringVar(&c.aName, "a-name", "userdir", "first server's `name` in the output")
	flag.StringVar(&c.bName, "b-name", "slapd", "second server's `name` in the output")
	flag.StringVar(&c.suffix, "base", "dc=company,dc=ru", "search base (the suffix)")
	flag.StringVar(&c.dn, "D", "cn=reader,dc=company,dc=ru", "bind `DN` (empty: anonymous)")
	flag.StringVar(&c.pw, "w", "readerpass", "bind `password`")
	flag.StringVar(&only, "kinds", "", "comma-separated term `kinds` to check (default: all)")
	flag.IntVar(&c.show, "show", 20, "differing terms printed in detail per kind")
	flag.Parse()
	if only != "" {
		c.only = strings.Split(only, ",")
	}
	return c
}

func main() {
	os.Exit(run(parseFlags(), os.Stdout))
}

// run compares the servers and returns the exit status.
func run(c config, out io.Writer) int {
	if c.terms == "" {
		fmt.Fprintln(os.Stderr, "entrydiff: -terms is required")
		return 2
	}
	ts, err := loadTerms(c.terms)
	if err == nil {
		err = compare(c, ts, out)
	}
	if errors.Is(err, errDiffer) {
		return 1
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "entrydiff: %v\n", err)
		return 2
	}
	return 0
}

// errDiffer is returned by compare when some term differs.
var errDiffer = errors.New("the servers differ")

func loadTerms(path string) ([]term, error) {
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

// compare connects to both servers and checks every selected term.
func compare(c config, ts []term, out io.Writer) error {
	ca, err := benchldap.Dial(c.aAddr, c.dn, c.pw)
	if err != nil {
		return err
	}
	defer ca.Close()
	cb, err := benchldap.Dial(c.bAddr, c.dn, c.pw)
	if err != nil {
		return err
	}
	defer cb.Close()
	ch := newChecker(server{c.aName, ca}, server{c.bName, cb}, c.suffix, c.show, out)
	for _, t := range ts {
		if ch.tally[t.kind] == nil || (c.only != nil && !slices.Contains(c.only, t.kind)) {
			continue
		}
		if err := ch.check(t); err != nil {
			return err
		}
	}
	if c.agreed != "" {
		if err := writeTerms(c.agreed, ch.agreed); err != nil {
			return err
		}
	}
	if !ch.summary() {
		return errDiffer
	}
	return nil
}

// writeTerms writes terms in the terms file format.
func writeTerms(path string, ts []term) error {
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "%s\t%s\t%d\n", t.kind, t.value, t.expected)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write agreed terms: %w", err)
	}
	return nil
}
