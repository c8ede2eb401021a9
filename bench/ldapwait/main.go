// Command ldapwait measures when a change becomes visible over LDAP: it
// binds once, checks that a filter matches nothing yet, prints "ready",
// then repeats the search every -interval until it matches an entry and
// prints the wall-clock time (Unix µs, the clock of bash's
// $EPOCHREALTIME) at which the matching response arrived.
//
//	ldapwait -filter '(&(mail=a@company.ru)(title=new))' > out &
//	# wait for "ready" in out, then run userdir ingest
//
// Output lines: "ready", then "seen_unix_us=T polls=N max_search_us=M".
// It exits 1 when the deadline passes first, 2 on other errors. Filters
// follow RFC 4515.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-ldap/ldap/v3"

	"userdir/bench/internal/benchldap"
)

// errTimeout is returned when the filter did not match before the deadline.
var errTimeout = errors.New("not visible before the deadline")

// errAlreadyVisible is returned when the filter matches before the change.
var errAlreadyVisible = errors.New("the filter already matches before the change")

// searcher is what ldapwait needs of an LDAP connection.
type searcher interface {
	Search(req *ldap.SearchRequest) (*ldap.SearchResult, error)
}

// poller repeats one search.
type poller struct {
	conn     searcher
	req      *ldap.SearchRequest
	interval time.Duration
	now      func() time.Time
	sleep    func(time.Duration)
}

// matches runs the search once and reports whether it returned an entry.
func (p *poller) matches() (bool, error) {
	res, err := p.conn.Search(p.req)
	if err != nil {
		return false, fmt.Errorf("search %s: %w", p.req.Filter, err)
	}
	return len(res.Entries) > 0, nil
}

// result is what wait observed.
type result struct {
	seen      time.Time
	polls     int
	maxSearch time.Duration
}

// wait polls until the search matches or the deadline passes.
func (p *poller) wait(deadline time.Time) (result, error) {
	var r result
	for {
		t0 := p.now()
		ok, err := p.matches()
		t1 := p.now()
		r.polls++
		r.maxSearch = max(r.maxSearch, t1.Sub(t0))
		if err != nil {
			return r, err
		}
		if ok {
			r.seen = t1
			return r, nil
		}
		if !t1.Before(deadline) {
			return r, errTimeout
		}
		p.sleep(p.interval)
	}
}

// run checks the filter does not match yet, says ready, and waits.
func run(p *poller, timeout time.Duration, out io.Writer) error {
	ok, err := p.matches()
	if err != nil {
		return err
	}
	if ok {
		return errAlreadyVisible
	}
	fmt.Fprintln(out, "ready")
	r, err := p.wait(p.now().Add(timeout))
	if err != nil {
		return fmt.Errorf("after %d polls: %w", r.polls, err)
	}
	fmt.Fprintf(out, "seen_unix_us=%d polls=%d max_search_us=%d\n", r.seen.UnixMicro(), r.polls, r.maxSearch.Microseconds())
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3891", "server `address`")
	base := flag.String("base", "dc=company,dc=ru", "search `base`")
	filter := flag.String("filter", "", "`filter` that matches once the change is visible (required)")
	dn := flag.String("D", "cn=reader,dc=company,dc=ru", "bind `DN` (empty: anonymous)")
	pw := flag.String("w", "readerpass", "bind `password`")
	interval := flag.Duration("interval", 2*time.Millisecond, "pause between searches")
	timeout := flag.Duration("timeout", 10*time.Second, "give up after this long")
	flag.Parse()
	if *filter == "" {
		fmt.Fprintln(os.Stderr, "ldapwait: -filter is required")
		os.Exit(2)
	}
	conn, err := benchldap.Dial(*addr, *dn, *pw)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ldapwait: %v\n", err)
		os.Exit(2)
	}
	defer conn.Close()
	req := ldap.NewSearchRequest(*base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, *filter, []string{"1.1"}, nil)
	p := &poller{conn: conn, req: req, interval: *interval, now: time.Now, sleep: time.Sleep}
	if err := run(p, *timeout, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "ldapwait: %v\n", err)
		conn.Close()
		if errors.Is(err, errTimeout) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}
