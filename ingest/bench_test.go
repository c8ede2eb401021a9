package ingest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"userdir/mailcmd"
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
