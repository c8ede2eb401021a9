// Command table prints the side-by-side table of bench/compare.sh: for one
// book size, one row per bench/load run kind (workload, mode, conns) and, for
// each of two servers, the medians over rounds of ops/s, p50 and p99
// latency, the server's RSS and CPU per operation, plus the ratio of the
// two servers' ops/s.
//
// It reads the key=value result lines that bench/load prints (see
// bench/README.md) and ignores every other line.
//
//	table -n 10000 -pin none bench/results/compare-2026-11-28T2000.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	n := flag.String("n", "", "only lines with n=`N` (book size); empty: all")
	pin := flag.String("pin", "", "only lines with pin=`VALUE` (none, srv1-cli0); empty: all")
	a := flag.String("a", "userdir", "first server (the server= label)")
	b := flag.String("b", "slapd", "second server, the reference of the ratio")
	flag.Parse()
	t := newTable(filter{"n": *n, "pin": *pin})
	files := flag.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, fn := range files {
		if err := readFile(t, fn); err != nil {
			fmt.Fprintf(os.Stderr, "table: %v\n", err)
			os.Exit(1)
		}
	}
	if err := t.write(os.Stdout, *a, *b); err != nil {
		fmt.Fprintf(os.Stderr, "table: %v\n", err)
		os.Exit(1)
	}
}

// readFile adds the result lines of one file ("-" is stdin) to t.
func readFile(t *table, name string) error {
	if name == "-" {
		return t.read(os.Stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("open results: %w", err)
	}
	defer f.Close()
	if err := t.read(f); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// filter holds key=value pairs a line must carry; an empty value matches
// any line.
type filter map[string]string

func (f filter) match(m map[string]string) bool {
	for k, v := range f {
		if v != "" && m[k] != v {
			return false
		}
	}
	return true
}

// parseLine splits a result line into its key=value fields. It reports
// false for lines that are not bench/load results (verify lines,
// comments, the per-kind "# mixed/..." lines, anything else).
func parseLine(line string) (map[string]string, bool) {
	if strings.HasPrefix(line, "#") {
		return nil, false
	}
	m := map[string]string{}
	for _, f := range strings.Fields(line) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	if m["workload"] == "" || m["ops_per_s"] == "" || m["server"] == "" {
		return nil, false
	}
	return m, true
}

// rowKey identifies one row: the kind of bench/load run.
type rowKey struct{ workload, mode, conns string }

// metric names, in the order of the columns per server.
var metrics = []string{"ops_per_s", "p50_us", "p99_us", "srv_rss_kb", "srv_cpu_us_per_op"}

// cell collects one server's runs of one row.
type cell struct {
	vals       map[string][]float64
	runs       int
	mismatches int64
	errors     int64
}

// table collects result lines and renders them.
type table struct {
	filter filter
	rows   []rowKey
	cells  map[rowKey]map[string]*cell // row -> server -> runs
}

func newTable(f filter) *table {
	return &table{filter: f, cells: map[rowKey]map[string]*cell{}}
}

// read adds every matching result line of r.
func (t *table) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if m, ok := parseLine(sc.Text()); ok && t.filter.match(m) {
			t.add(m)
		}
	}
	return sc.Err()
}

// add records one parsed result line.
func (t *table) add(m map[string]string) {
	k := rowKey{m["workload"], m["mode"], m["conns"]}
	if t.cells[k] == nil {
		t.cells[k] = map[string]*cell{}
		t.rows = append(t.rows, k)
	}
	c := t.cells[k][m["server"]]
	if c == nil {
		c = &cell{vals: map[string][]float64{}}
		t.cells[k][m["server"]] = c
	}
	c.runs++
	for _, mt := range metrics {
		if v, err := strconv.ParseFloat(m[mt], 64); err == nil {
			c.vals[mt] = append(c.vals[mt], v)
		}
	}
	mis, _ := strconv.ParseInt(m["mismatches"], 10, 64)
	errs, _ := strconv.ParseInt(m["errors"], 10, 64)
	c.mismatches += mis
	c.errors += errs
}

// median returns the median of xs and false when xs is empty.
func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// med is the median of one metric of c, and false when there is none.
func (c *cell) med(metric string) (float64, bool) {
	if c == nil {
		return 0, false
	}
	return median(c.vals[metric])
}

// num formats a measurement: whole numbers and values from 100 up
// without decimals, others with one.
func num(v float64) string {
	if v >= 100 || v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// show formats c's median of metric scaled by div, or "–" when missing.
func (c *cell) show(metric string, div float64) string {
	v, ok := c.med(metric)
	if !ok {
		return "–"
	}
	return num(v / div)
}

// ratio formats a/b of the median ops/s, or "–" when either is missing.
func ratio(a, b *cell) string {
	x, okA := a.med("ops_per_s")
	y, okB := b.med("ops_per_s")
	if !okA || !okB || y == 0 {
		return "–"
	}
	return strconv.FormatFloat(x/y, 'f', 2, 64)
}

// flagged is the ops/s cell text, marked "(!)" when a run had errors or
// mismatches.
func (c *cell) flagged() string {
	s := c.show("ops_per_s", 1)
	if c != nil && (c.mismatches > 0 || c.errors > 0) {
		s += " (!)"
	}
	return s
}

// write renders the table with server a first and b as the ratio's
// reference, then a note for every row that had errors or mismatches.
func (t *table) write(w io.Writer, a, b string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "| workload | mode | conns | %[1]s ops/s | %[1]s p50 µs | %[1]s p99 µs | %[2]s ops/s | %[2]s p50 µs | %[2]s p99 µs | ops/s %[1]s/%[2]s | RSS MiB %[1]s | RSS MiB %[2]s | srv CPU µs/op %[1]s | srv CPU µs/op %[2]s | runs |\n", a, b)
	fmt.Fprintln(bw, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, k := range t.rows {
		ca, cb := t.cells[k][a], t.cells[k][b]
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			k.workload, k.mode, k.conns,
			ca.flagged(), ca.show("p50_us", 1), ca.show("p99_us", 1),
			cb.flagged(), cb.show("p50_us", 1), cb.show("p99_us", 1),
			ratio(ca, cb), ca.show("srv_rss_kb", 1024), cb.show("srv_rss_kb", 1024),
			ca.show("srv_cpu_us_per_op", 1), cb.show("srv_cpu_us_per_op", 1), runs(ca, cb))
	}
	t.writeNotes(bw, a, b)
	return bw.Flush()
}

// runs shows how many runs each median is over, "a/b".
func runs(a, b *cell) string {
	n := func(c *cell) int {
		if c == nil {
			return 0
		}
		return c.runs
	}
	return fmt.Sprintf("%d/%d", n(a), n(b))
}

// writeNotes lists the rows marked "(!)" with their totals.
func (t *table) writeNotes(w io.Writer, servers ...string) {
	first := true
	for _, k := range t.rows {
		for _, s := range servers {
			c := t.cells[k][s]
			if c == nil || (c.mismatches == 0 && c.errors == 0) {
				continue
			}
			if first {
				fmt.Fprintln(w, "\n(!) runs with wrong entry counts or errors (totals over the rounds):")
				first = false
			}
			fmt.Fprintf(w, "- %s %s %s conns=%s: mismatches=%d errors=%d in %d run(s)\n",
				s, k.workload, k.mode, k.conns, c.mismatches, c.errors, c.runs)
		}
	}
}
