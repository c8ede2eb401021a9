package agent

import (
	"errors"
	"strings"
	"testing"

	"userdir/compose"
	"userdir/config"
	"userdir/mailcmd"
)

// FuzzAccounts: whatever a CSV source holds, every row is either a valid
// record or an invalid row with its number, and the sync of the valid
// records is a body that ingest reads back as exactly those inserts.
func FuzzAccounts(f *testing.F) {
	f.Add("eml,name,act\na@company.ru,Иванов: Иван,1\nb@company.ru,Б\\:,maybe\n")
	f.Add("type,eml,dst\nalias,hr@company.ru,\"a@company.ru,b@company.ru\"\n")
	f.Add("eml,post\nx@company.ru,a;_cmd=delete:eml=y@company.ru\n")
	f.Fuzz(func(t *testing.T, text string) {
		tab, err := readCSV(strings.NewReader(text))
		if err != nil {
			return
		}
		a, err := NewAccounts(tab)
		if err != nil {
			return
		}
		if len(a.Records)+len(a.Invalid) > a.Rows {
			t.Fatalf("%d records and %d invalid rows from %d rows", len(a.Records), len(a.Invalid), a.Rows)
		}
		changes, err := Diff(nil, a)
		if err != nil {
			t.Fatalf("Diff of checked records: %v", err)
		}
		byKind := map[string][]string{}
		for _, c := range changes {
			byKind[c.Rec.kind()] = append(byKind[c.Rec.kind()], c.Line)
		}
		for kind, lines := range byKind {
			body, _, err := compose.Body(lines, kind)
			if err != nil {
				t.Fatalf("sync of %s: %v", kind, err)
			}
			cmds, rejects, _ := mailcmd.ParseCommands(body)
			if len(rejects) > 0 || len(cmds) != len(lines)+1 {
				t.Fatalf("sync body %q reads as %d commands, rejects %v", body, len(cmds), rejects)
			}
		}
	})
}

// FuzzParseConfig: any file gives a config, or *config.Error problems —
// never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add("to = \"a@b.ru\"\nfrom = \"c@d.ru\"\n[source]\ndriver = \"mysql\"\ndsn = \"u:pw@tcp(h)/db\"\nquery = \"SELECT 1\"\n")
	f.Add("[source]\ndsn = 7\n")
	f.Add("max_shrink = \"150%\"\n[send]\nsmtp = \"x\"")
	f.Fuzz(func(t *testing.T, text string) {
		_, err := ParseConfig("agent.toml", []byte(text))
		if err == nil {
			return
		}
		var ce *config.Error
		if !errors.As(err, &ce) {
			t.Fatalf("ParseConfig error %v is not a *config.Error", err)
		}
	})
}
