// Command load measures an LDAP server with the searches a corporate
// address book gets, and checks that it returns the right number of
// entries. It reads a terms file written by bench/gen and runs one
// workload over -conns connections for -duration after -warmup:
//
//	postfix       (mail=<addr>), attrs mail; 80% existing addresses
//	autocomplete  (|(cn=<p>*)(mail=<p>*)(sn=<p>*)(givenName=<p>*)), size limit 100;
//	              sizeLimitExceeded (4) is the right answer past 100 entries
//	callerid      (|(telephoneNumber=*<digits>*)(mobile=*<digits>*)); 80% known numbers
//	browse        (objectClass=inetOrgPerson) under one division, all attributes
//	mixed         per operation postfix 80, autocomplete 15, callerid 4, browse 1 (-mix)
//
// Searches are subtree, RFC 4511, on a minimal client that counts entries
// without decoding them. -newconn dials, binds, searches and unbinds for
// every operation. The query of operation i depends only on -seed and i.
//
// It prints one line of key=value fields (see bench/README.md), ending
// with -label; a mixed run also prints a "# workload=mixed/<kind> ..." line
// per kind on stderr. -verify instead runs every term once and prints a
// "verify ..." line. The exit status is 1 when any operation failed or
// returned a wrong number of entries.
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"userdir/bench/internal/benchldap"
)

// config is the command line.
type config struct {
	addr, base, terms, dn, pw, label, workload, mix string
	conns, sizeLimit, pid                           int
	count                                           int64
	duration, warmup                                time.Duration
	newconn, verify                                 bool
	hitRatio                                        float64
	seed                                            uint64
}

func parseFlags() config {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:3890", "server `address` (host:port or ldap:// URL)")
	flag.StringVar(&c.base, "base", "dc=company,dc=ru", "search base (the suffix)")
	flag.StringVar(&c.terms, "terms", "", "terms `file` written by bench/gen (required)")
	flag.StringVar(&c.dn, "D", "cn=reader,dc=company,dc=ru", "bind `DN` (empty: anonymous)")
	flag.StringVar(&c.pw, "w", "readerpass", "bind `password`")
	flag.StringVar(&c.workload, "workload", "postfix", "postfix, autocomplete, callerid, browse or mixed")
	flag.StringVar(&c.mix, "mix", "postfix=80,autocomplete=15,callerid=4,browse=1", "weights of a mixed run")
	flag.StringVar(&c.label, "label", "", "appended to the result line")
	flag.IntVar(&c.conns, "conns", 1, "connections")
	flag.IntVar(&c.sizeLimit, "sizelimit", 100, "size limit of autocomplete searches")
	flag.IntVar(&c.pid, "pid", 0, "server `PID`: report its CPU time and memory")
	flag.Int64Var(&c.count, "count", 0, "run this many operations instead of -duration (no warm-up)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "measured time")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured time before it")
	flag.BoolVar(&c.newconn, "newconn", false, "a new connection (dial, bind, search, unbind) per operation")
	flag.BoolVar(&c.verify, "verify", false, "run every term once and compare entry counts")
	flag.Float64Var(&c.hitRatio, "hit-ratio", 0.8, "share of postfix and callerid operations that should find something")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of the query sequence")
	flag.Parse()
	return c
}

func main() {
	c := parseFlags()
	if c.terms == "" || c.conns < 1 {
		fmt.Fprintln(os.Stderr, "load: -terms is required and -conns must be at least 1")
		os.Exit(2)
	}
	terms, err := loadTerms(c.terms)
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(2)
	}
	var ok bool
	if c.verify {
		ok, err = runVerify(c, terms)
	} else {
		ok, err = runLoad(c, terms)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// kindPlan is one search kind of a run: its queries and its share.
type kindPlan struct {
	name         string
	hits, misses []query
	hitRatio     float64
	weight       int
}

// plan lists the kinds a workload draws from.
func plan(c config, terms map[string][]term) ([]kindPlan, error) {
	weights := map[string]int{c.workload: 1}
	if c.workload == "mixed" {
		weights = map[string]int{}
		for _, part := range strings.Split(c.mix, ",") {
			k, v, _ := strings.Cut(part, "=")
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("-mix %q: bad weight %q", c.mix, part)
			}
			weights[k] = n
		}
	}
	var out []kindPlan
	for _, name := range slices.Sorted(maps.Keys(weights)) {
		w, ok := workloads[name]
		if !ok {
			return nil, fmt.Errorf("unknown workload %q", name)
		}
		kp := kindPlan{name: name, hitRatio: w.hitRatio, weight: weights[name]}
		if w.missKind != "" {
			kp.hitRatio = c.hitRatio
		}
		var err error
		if kp.hits, err = makeQueries(terms, w.hitKind, c.base, c.sizeLimit); err != nil {
			return nil, err
		}
		if w.missKind != "" {
			if kp.misses, err = makeQueries(terms, w.missKind, c.base, c.sizeLimit); err != nil {
				return nil, err
			}
		}
		if len(kp.hits) == 0 {
			return nil, fmt.Errorf("workload %s: no %s terms in %s", name, w.hitKind, c.terms)
		}
		if kp.weight > 0 {
			out = append(out, kp)
		}
	}
	return out, nil
}

// mix64 is SplitMix64: the pseudo-random numbers of operation i.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// pick returns the kind and query of operation i.
func pick(kinds []kindPlan, total int, seed uint64, i int64) (int, *query) {
	r := mix64(seed ^ mix64(uint64(i)))
	w := int(r % uint64(total))
	k := 0
	for w >= kinds[k].weight {
		w -= kinds[k].weight
		k++
	}
	kp := &kinds[k]
	r = mix64(r)
	qs := kp.hits
	if len(kp.misses) > 0 && float64(r%10000)/10000 >= kp.hitRatio {
		qs = kp.misses
	}
	return k, &qs[mix64(r)%uint64(len(qs))]
}

// worker runs operations until the run ends, one connection (or one per
// operation with -newconn).
type worker struct {
	c      config
	kinds  []kindPlan
	total  int
	tally  []tally // per kind
	conn   *rawConn
	errLog *errLog
}

// errLog prints the first few errors of a run.
type errLog struct {
	mu sync.Mutex
	n  int
}

func (l *errLog) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n++; l.n <= 10 {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}

// op runs one operation and reports whether it may be recorded.
func (w *worker) op(i int64, record bool) {
	k, q := pick(w.kinds, w.total, w.c.seed, i)
	t0 := time.Now()
	entries, code, err := w.search(q)
	lat := time.Since(t0)
	if !record {
		return
	}
	t := &w.tally[k]
	t.lat = append(t.lat, uint32(min(lat.Microseconds(), 1<<32-1)))
	t.entries += int64(entries)
	t.expected += int64(q.expected)
	switch {
	case err != nil:
		t.errors++
		w.errLog.printf("error: %s: %v", q.text, err)
	case code == resultSizeLimitEx && q.sizeLimit:
		t.sizelimitHits++
		if entries != q.expected {
			t.mismatches++
		}
	case code != resultSuccess:
		t.errors++
		w.errLog.printf("error: %s: result code %d", q.text, code)
	case entries != q.expected:
		t.mismatches++
		w.errLog.printf("mismatch: %s: %d entries, want %d", q.text, entries, q.expected)
	}
}

// search runs q on the worker's connection, redialing after an error.
func (w *worker) search(q *query) (int, int, error) {
	hp := benchldap.HostPort(w.c.addr)
	if w.c.newconn {
		rc, err := dialRaw(hp, w.c.dn, w.c.pw, 5*time.Second)
		if err != nil {
			return 0, 0, err
		}
		defer rc.close()
		defer rc.unbind()
		return rc.search(q.op)
	}
	if w.conn == nil {
		rc, err := dialRaw(hp, w.c.dn, w.c.pw, 5*time.Second)
		if err != nil {
			return 0, 0, err
		}
		w.conn = rc
	}
	n, code, err := w.conn.search(q.op)
	if err != nil {
		w.conn.close()
		w.conn = nil
	}
	return n, code, err
}

// runLoad runs the workload and prints its result line(s).
func runLoad(c config, terms map[string][]term) (bool, error) {
	kinds, err := plan(c, terms)
	if err != nil {
		return false, err
	}
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	workers := make([]*worker, c.conns)
	for i := range workers {
		workers[i] = &worker{c: c, kinds: kinds, total: total, tally: make([]tally, len(kinds)), errLog: &errLog{}}
		if !c.newconn {
			rc, err := dialRaw(benchldap.HostPort(c.addr), c.dn, c.pw, 5*time.Second)
			if err != nil {
				return false, err
			}
			workers[i].conn = rc
		}
	}
	log := &errLog{}
	for _, w := range workers {
		w.errLog = log
	}
	var next atomic.Int64
	start := time.Now()
	measureFrom, end := start.Add(c.warmup), start.Add(c.warmup+c.duration)
	if c.count > 0 {
		measureFrom = start
	}
	var before usage
	var beforeOnce sync.Once
	if c.warmup == 0 || c.count > 0 {
		beforeOnce.Do(func() { before = readUsage(c.pid) })
	}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				now := time.Now()
				i := next.Add(1) - 1
				if c.count > 0 && i >= c.count || c.count == 0 && !now.Before(end) {
					return
				}
				record := !now.Before(measureFrom)
				if record {
					beforeOnce.Do(func() { before = readUsage(c.pid) })
				}
				w.op(i, record)
			}
		}()
	}
	wg.Wait()
	after := readUsage(c.pid)
	secs := time.Since(measureFrom).Seconds()
	for _, w := range workers {
		if w.conn != nil {
			w.conn.unbind()
			w.conn.close()
		}
	}
	return report(c, kinds, workers, before, after, secs), nil
}

// report prints the result line (and per-kind lines of a mixed run) and
// reports whether every operation was right.
func report(c config, kinds []kindPlan, workers []*worker, before, after usage, secs float64) bool {
	mode := "persistent"
	if c.newconn {
		mode = "newconn"
	}
	var all tally
	for k, kp := range kinds {
		var t tally
		for _, w := range workers {
			t.add(&w.tally[k])
		}
		if c.workload == "mixed" {
			fmt.Fprintf(os.Stderr, "# %s\n", t.line("mixed/"+kp.name, mode, c.conns, secs))
		}
		all.add(&t)
	}
	line := all.line(c.workload, mode, c.conns, secs) + " " + resources(before, after, len(all.lat), c.pid)
	if c.label != "" {
		line += " " + c.label
	}
	fmt.Println(line)
	return all.errors == 0 && all.mismatches == 0
}
