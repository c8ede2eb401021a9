package agent

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkRun10000 measures what one run costs a branch of 10,000
// accounts with 1% of them changed: reading the CSV rows into checked
// records, and the diff against the last state.
func BenchmarkRun10000(b *testing.B) {
	const n = 10000
	var old, now strings.Builder
	old.WriteString("eml,name,post,gor,act\n")
	now.WriteString("eml,name,post,gor,act\n")
	for i := range n {
		row := fmt.Sprintf("user%05d@tyumen.company.ru,Сотрудник Номер %d,Инженер: отдел %d,88-02-%02d,1\n", i, i, i%50, i%100)
		old.WriteString(row)
		if i%100 == 0 {
			row = strings.Replace(row, "Инженер", "Ведущий инженер", 1)
		}
		now.WriteString(row)
	}
	prev := accounts(b, old.String()).Records
	text := now.String()
	b.ReportAllocs()
	for b.Loop() {
		tab, err := readCSV(strings.NewReader(text))
		if err != nil {
			b.Fatal(err)
		}
		a, err := NewAccounts(tab)
		if err != nil {
			b.Fatal(err)
		}
		changes, err := Diff(prev, a)
		if err != nil || len(changes) != n/100 {
			b.Fatalf("%d changes, %v", len(changes), err)
		}
	}
}
