package ingest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"userdir/mailcmd"
	"userdir/store"
)

// benchBody returns a body of n command lines like a branch's full sync.
func benchBody(n int) string {
	var b strings.Builder
	b.WriteString("_cmd=sync:type=mbox\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "_cmd=insert:type=mbox:name=Иванов Иван Иванович %d:eml=user%d@tyumen.company.ru:vis=1:gor=88-02-%02d:mer=38-%02d:sot=:of=%d:post=Инженер\\: ведущий:sdiv=Отдел ИТ\n",
			i, i, i%100, i%100, i%500)
	}
	return b.String()
}

func BenchmarkParseCommands10000(b *testing.B) {
	body := benchBody(10000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		cmds, rejects, _ := mailcmd.ParseCommands(body)
		if len(cmds) != 10000 || len(rejects) != 0 {
			b.Fatalf("got %d commands and %d rejects", len(cmds), len(rejects))
		}
	}
}

func BenchmarkIngest10000(b *testing.B) {
	msg := []byte("Date: Mon, 10 Mar 2025 03:00:00 +0500\nFrom: admin@tyumen.company.ru\nSubject: 0001\n" +
		"Message-ID: <bench@tyumen.company.ru>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n" +
		"Content-Transfer-Encoding: 8bit\n\n" + benchBody(10000))
	in := New(Options{Divisions: testDivisions(b), Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler)}, nopApplier{})
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		rep, err := in.Ingest(context.Background(), bytes.NewReader(msg), "")
		if err != nil || rep.Result.Applied != 10000 {
			b.Fatalf("Ingest = %+v, %v", rep, err)
		}
	}
}

// bigMail returns a message of about size bytes of short insert lines, like
// the 361,564-command message of issue 8.
func bigMail(size int) []byte {
	var b bytes.Buffer
	b.WriteString("Date: Mon, 10 Mar 2025 03:00:00 +0500\nFrom: admin@tyumen.company.ru\nSubject: 0001\n" +
		"Message-ID: <big@tyumen.company.ru>\nContent-Type: text/plain; charset=utf-8\n\n")
	for i := 0; b.Len() < size-64; i++ {
		fmt.Fprintf(&b, "_cmd=insert:eml=u%06d@tob.ru\n", i)
	}
	return b.Bytes()
}

// peakSampler records the largest memory the Go runtime holds from the
// system (runtime/metrics /memory/classes/total:bytes) until stopped.
func peakSampler() (stop func() uint64) {
	done, out := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		var peak uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-out }
}

// BenchmarkIngest10MiB ingests one 10 MiB message (about 330,000
// commands) into a real store, and reports the peak memory the Go runtime
// held meanwhile (peak-MiB); see also TestIngestMemoryBound.
func BenchmarkIngest10MiB(b *testing.B) {
	msg := bigMail(10<<20 - 1024)
	b.SetBytes(int64(len(msg)))
	var peak uint64
	for i := 0; b.Loop(); i++ {
		st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(b.TempDir(), fmt.Sprint(i, ".db")),
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		in := New(Options{Divisions: testDivisions(b), Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler)}, st)
		runtime.GC()
		stop := peakSampler()
		rep, err := in.Ingest(context.Background(), bytes.NewReader(msg), "")
		peak = max(peak, stop())
		st.Close()
		if err != nil || rep.Outcome != store.OutcomeApplied {
			b.Fatalf("Ingest = %+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
}

// TestIngestMemoryBound checks the bound of BenchmarkIngest10MiB without
// the benchmark: the Go runtime holds less than 150 MiB while a 10 MiB
// message is ingested into a real store.
func TestIngestMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests a 10 MiB message")
	}
	msg := bigMail(10<<20 - 1024)
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(t.TempDir(), "u.db"),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := New(Options{Divisions: testDivisions(t), Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler)}, st)
	runtime.GC()
	stop := peakSampler()
	rep, err := in.Ingest(context.Background(), bytes.NewReader(msg), "")
	peak := stop()
	if err != nil || rep.Outcome != store.OutcomeApplied {
		t.Fatalf("Ingest = %+v, %v", rep, err)
	}
	t.Logf("10 MiB message, %d commands: peak Go memory %.1f MiB", rep.Result.Applied, float64(peak)/(1<<20))
	if peak > 150<<20 {
		t.Errorf("peak Go memory %d MiB, want under 150 MiB", peak>>20)
	}
}
