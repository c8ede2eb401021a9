package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	text := `to = "userdir@company.ru"
from = "agent@tyumen.company.ru"
division_code_file = "code"

[source]
driver = "mysql"
dsn = "postfix:secret@unix(/run/mysqld/mysqld.sock)/postfix"
query = "SELECT username AS eml FROM mailbox"
`
	c, err := ParseConfig("/etc/userdir/agent.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if c.State != "/etc/userdir/agent.toml.state" || c.CodeFile != "/etc/userdir/code" || c.SyncEvery != 24*time.Hour ||
		c.MaxShrink != (Shrink{Percent: true, N: 10}) || c.Send.Sendmail != DefaultSendmail || c.Interval != DefaultInterval {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"to = \"a@b.ru\"\nfrom = \"c@d.ru\"\n[source]\ndriver = \"oracle\"\n", `agent.toml:4: source.driver: unknown driver "oracle"`},
		{"to = \"a@b.ru\"\nfrom = \"c@d.ru\"\nmax_shrink = \"lots\"\n[source]\ndriver = \"csv\"\nfile = \"x.csv\"\n", `agent.toml:3: max_shrink: want a percentage`},
		{"to = \"a@b.ru\"\nfrom = \"c@d.ru\"\nsync_evry = \"1h\"\n[source]\ndriver = \"csv\"\nfile = \"x.csv\"\n", `agent.toml:3: sync_evry: unknown key`},
		{"to = \"a@b.ru\"\n\n[source]\ndriver = \"csv\"\nfile = \"x.csv\"\n", `agent.toml: from: is required`},
		{"to = \"a@b.ru\"\nfrom = \"c@d.ru\"\n[source]\ndriver = \"mysql\"\ndsn = 5\n", `agent.toml:5: source.dsn: invalid value`},
		{"to = \"a@b.ru\"\nfrom = \"c@d.ru\"\n[source]\ndriver = \"mysql\"\ndsn = \"x\"\n", `agent.toml:3: source.query: is required`},
		{"to = \"a@b.ru\"\nfrom = \"c@d.ru\"\n[send]\nsmtp = \"relay\"\n[source]\ndriver = \"csv\"\nfile = \"x.csv\"\n", `agent.toml:4: send.smtp: want host:port`},
		{"to = \"a@b.ru\"\nfrom = [\n", `agent.toml:2: invalid TOML`},
	} {
		_, err := ParseConfig("agent.toml", []byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfig(%q) = %v, want %q", tc.text, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "x\"") {
			t.Errorf("the error quotes the dsn: %v", err)
		}
	}
}

func TestReadCode(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "code")
	if err := os.WriteFile(file, []byte("0001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(v string) func(string) string { return func(string) string { return v } }
	if code, err := (&Config{CodeFile: file}).ReadCode(env("9999")); err != nil || code != "0001" {
		t.Errorf("from the file: %q, %v", code, err)
	}
	if code, err := (&Config{}).ReadCode(env(" 0002 ")); err != nil || code != "0002" {
		t.Errorf("from the environment: %q, %v", code, err)
	}
	if _, err := (&Config{}).ReadCode(env("")); err == nil {
		t.Error("no code anywhere: no error")
	}
}

func TestStateSaveAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.state")
	s, err := LoadState(path)
	if err != nil || len(s.Records) != 0 || !s.LastSync.IsZero() {
		t.Fatalf("missing state: %+v, %v", s, err)
	}
	s.Records["a@company.ru"] = Record{"name": "Иванов: Иван"}
	s.LastSync = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(path)
	if err != nil || got.Records["a@company.ru"]["name"] != "Иванов: Иван" || !got.LastSync.Equal(s.LastSync) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("files left beside the state: %v", entries)
	}
	if err := os.WriteFile(path, []byte("{\"version\":1,"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadState(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged state: %v", err)
	}
}
