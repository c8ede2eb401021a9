package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tally is what a run (or one kind of a mixed run) measured.
type tally struct {
	lat           []uint32 // µs per operation
	entries       int64
	expected      int64
	mismatches    int64
	sizelimitHits int64
	errors        int64
}

func (t *tally) add(o *tally) {
	t.lat = append(t.lat, o.lat...)
	t.entries += o.entries
	t.expected += o.expected
	t.mismatches += o.mismatches
	t.sizelimitHits += o.sizelimitHits
	t.errors += o.errors
}

// line renders the fields every result line has.
func (t *tally) line(name, mode string, conns int, secs float64) string {
	lat := slices.Clone(t.lat)
	slices.Sort(lat)
	pct := func(p float64) uint32 {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	var sum, mx uint64
	for _, v := range lat {
		sum += uint64(v)
		mx = max(mx, uint64(v))
	}
	mean := uint64(0)
	if len(lat) > 0 {
		mean = sum / uint64(len(lat))
	}
	return fmt.Sprintf("workload=%s mode=%s conns=%d secs=%.2f ops=%d ops_per_s=%.1f mean_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d entries=%d expected_entries=%d mismatches=%d sizelimit_hits=%d errors=%d",
		name, mode, conns, secs, len(lat), float64(len(lat))/secs, mean, pct(0.50), pct(0.90), pct(0.99), mx,
		t.entries, t.expected, t.mismatches, t.sizelimitHits, t.errors)
}

// usage is a point-in-time reading of CPU counters.
type usage struct {
	self      time.Duration // this process, user + system
	hostBusy  uint64        // jiffies, all CPUs
	hostTotal uint64
	srv       time.Duration // the server process, user + system
}

// clockTick is the unit of /proc times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

func readUsage(pid int) usage {
	var u usage
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		u.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
		for i, v := range f[1:] {
			n, _ := strconv.ParseUint(v, 10, 64)
			if i < 8 {
				u.hostTotal += n
				if i != 3 && i != 4 {
					u.hostBusy += n
				}
			}
		}
	}
	if pid > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			// Fields after the command name (which may hold spaces): state is 3rd.
			s := string(b)
			f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
			if len(f) > 12 {
				ut, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				u.srv = time.Duration(ut+st) * clockTick
			}
		}
	}
	return u
}

// procKB returns VmRSS and VmHWM of pid in KiB.
func procKB(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm
}

// resources renders the CPU and memory fields of a result line.
func resources(before, after usage, ops int, pid int) string {
	perOp := func(d time.Duration) float64 {
		if ops == 0 {
			return 0
		}
		return float64(d.Microseconds()) / float64(ops)
	}
	busy := 0.0
	if t := after.hostTotal - before.hostTotal; t > 0 {
		busy = 100 * float64(after.hostBusy-before.hostBusy) / float64(t)
	}
	s := fmt.Sprintf("cli_cpu_us_per_op=%.1f host_busy_pct=%.1f", perOp(after.self-before.self), busy)
	if pid > 0 {
		rss, hwm := procKB(pid)
		srv := after.srv - before.srv
		s += fmt.Sprintf(" srv_cpu_s=%.2f srv_cpu_us_per_op=%.1f srv_rss_kb=%d srv_hwm_kb=%d", srv.Seconds(), perOp(srv), rss, hwm)
	}
	return s
}
