package main

import (
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in     []float64
		want   float64
		wantOK bool
	}{
		{nil, 0, false},
		{[]float64{7}, 7, true},
		{[]float64{3, 1, 2}, 2, true},
		{[]float64{4, 1, 3, 2}, 2.5, true},
	}
	for _, tt := range tests {
		got, ok := median(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("median(%v) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line   string
		wantOK bool
		want   map[string]string
	}{
		{"workload=postfix mode=persistent conns=1 ops_per_s=10.5 server=slapd n=10",
			true, map[string]string{"workload": "postfix", "ops_per_s": "10.5", "server": "slapd", "n": "10"}},
		{"# workload=mixed/postfix mode=persistent conns=1 ops_per_s=10 server=slapd", false, nil},
		{"verify terms=3 mismatches=0 server=slapd", false, nil},
		{"workload=postfix ops_per_s=10", false, nil}, // no server label
		{"", false, nil},
	}
	for _, tt := range tests {
		got, ok := parseLine(tt.line)
		if ok != tt.wantOK {
			t.Errorf("parseLine(%q) ok = %v, want %v", tt.line, ok, tt.wantOK)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("parseLine(%q)[%q] = %q, want %q", tt.line, k, got[k], v)
			}
		}
	}
}

func TestNum(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {39, "39"}, {9.25, "9.2"}, {99.96, "100.0"}, {100, "100"}, {12345.6, "12346"},
	}
	for _, tt := range tests {
		if got := num(tt.in); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// render runs the table over input lines filtered by n and returns its output.
func render(tb testing.TB, input string, f filter) string {
	tb.Helper()
	tab := newTable(f)
	if err := tab.read(strings.NewReader(input)); err != nil {
		tb.Fatalf("read: %v", err)
	}
	var sb strings.Builder
	if err := tab.write(&sb, "userdir", "slapd"); err != nil {
		tb.Fatalf("write: %v", err)
	}
	return sb.String()
}

const sample = `gen n=10 secs=0.1
workload=postfix mode=persistent conns=1 ops_per_s=3000 p50_us=300 p99_us=900 mismatches=0 errors=0 srv_cpu_us_per_op=50 srv_rss_kb=20480 server=userdir n=10 round=1
workload=postfix mode=persistent conns=1 ops_per_s=2000 p50_us=400 p99_us=800 mismatches=0 errors=0 srv_cpu_us_per_op=80 srv_rss_kb=10240 server=slapd n=10 round=1
workload=postfix mode=persistent conns=1 ops_per_s=5000 p50_us=100 p99_us=700 mismatches=0 errors=0 srv_cpu_us_per_op=40 srv_rss_kb=30720 server=userdir n=10 round=2
workload=postfix mode=persistent conns=1 ops_per_s=1000 p50_us=500 p99_us=600 mismatches=0 errors=0 srv_cpu_us_per_op=90 srv_rss_kb=10240 server=slapd n=10 round=2
workload=callerid mode=persistent conns=8 ops_per_s=50.5 p50_us=300 p99_us=900 mismatches=7 errors=0 srv_rss_kb=20480 server=userdir n=10 round=1
workload=postfix mode=persistent conns=1 ops_per_s=9 p50_us=1 p99_us=1 mismatches=0 errors=0 server=userdir n=99 round=1
`

func TestTableMediansAndRatio(t *testing.T) {
	out := render(t, sample, filter{"n": "10"})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	tests := []struct {
		name string
		line int
		want string
	}{
		// userdir medians 4000/200/800, slapd 1500/450/700, ratio 2.67, RSS 25 and 10 MiB, CPU 45 and 85.
		{"postfix row", 2, "| postfix | persistent | 1 | 4000 | 200 | 800 | 1500 | 450 | 700 | 2.67 | 25 | 10 | 45 | 85 | 2/2 |"},
		// no slapd runs: dashes, no ratio; mismatches flag the cell.
		{"callerid row", 3, "| callerid | persistent | 8 | 50.5 (!) | 300 | 900 | – | – | – | – | 20 | – | – | – | 1/0 |"},
	}
	for _, tt := range tests {
		if tt.line >= len(lines) || lines[tt.line] != tt.want {
			t.Errorf("%s:\n got %q\nwant %q\nfull output:\n%s", tt.name, lines[min(tt.line, len(lines)-1)], tt.want, out)
		}
	}
	if strings.Contains(out, "| 9 |") {
		t.Errorf("line of n=99 not filtered out:\n%s", out)
	}
	if !strings.Contains(out, "- userdir callerid persistent conns=8: mismatches=7 errors=0 in 1 run(s)") {
		t.Errorf("missing note for the flagged row:\n%s", out)
	}
}

func TestTableEmptyFilterKeepsAll(t *testing.T) {
	out := render(t, sample, filter{"n": ""})
	if !strings.Contains(out, "| postfix | persistent | 1 | 3000 |") { // median of 3000, 5000, 9 over both sizes
		t.Errorf("unfiltered table lacks the 3-run median:\n%s", out)
	}
}
