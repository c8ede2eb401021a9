package compose

import (
	"fmt"
	"testing"
)

// BenchmarkEncodeSync10000 composes and encodes a sync of 10,000 mailboxes
// with Cyrillic names, the largest message a branch sends, read-back
// check included.
func BenchmarkEncodeSync10000(b *testing.B) {
	lines := make([]string, 10000)
	for i := range lines {
		l, err := Line("insert", []Field{{"eml", fmt.Sprintf("user%d@company.ru", i)}, {"name", "Петров Пётр Петрович"},
			{"gor", "88-02-49"}, {"mer", "2749"}, {"post", "Инженер"}, {"sdiv", "Отдел ИТ"}, {"of", "214"}})
		if err != nil {
			b.Fatal(err)
		}
		lines[i] = l
	}
	b.ResetTimer()
	for b.Loop() {
		body, _, err := Body(lines, "mbox")
		if err != nil {
			b.Fatal(err)
		}
		raw, err := testMessage("0001", body).Encode()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(raw)))
	}
}

// BenchmarkLine builds and checks one command line.
func BenchmarkLine(b *testing.B) {
	fields := []Field{{"eml", "petrov@company.ru"}, {"name", "Петров Пётр"}, {"post", `C:\Temp: x`}, {"gor", "88-02-49"}}
	for b.Loop() {
		if _, err := Line("update", fields); err != nil {
			b.Fatal(err)
		}
	}
}
