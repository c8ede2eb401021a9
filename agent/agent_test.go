package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"userdir/mailcmd"
	"userdir/mailmsg"
)

// mta is a Sender that reads each message back as userdir ingest reads it
// and keeps its body, or refuses every message while down is set.
type mta struct {
	bodies []string
	dates  []time.Time // each message's Date, in the order sent
	down   bool
}

func (m *mta) Send(_ context.Context, from, to string, raw []byte) error {
	if m.down {
		return errors.New("451 4.3.0 queue file write error")
	}
	got, err := mailmsg.ReadMail(bytes.NewReader(raw), 0)
	if err != nil {
		return err
	}
	if got.Subject != "0001" {
		return fmt.Errorf("Subject %q, want the division code", got.Subject)
	}
	body, err := got.Body("")
	if err != nil {
		return err
	}
	m.bodies = append(m.bodies, body)
	m.dates = append(m.dates, got.Date)
	return nil
}

// last returns the body of the last message and forgets every message.
func (m *mta) take() []string {
	b := m.bodies
	m.bodies = nil
	return b
}

// csvAgent is an agent reading dir/accounts.csv, with its state in dir.
type csvAgent struct {
	t    *testing.T
	dir  string
	cfg  *Config
	mta  *mta
	now  time.Time
	logs bytes.Buffer
}

func newCSVAgent(t *testing.T, extra string) *csvAgent {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.toml")
	text := "to = \"userdir@company.ru\"\nfrom = \"agent@tyumen.company.ru\"\n" + extra + "\n[source]\ndriver = \"csv\"\nfile = \"accounts.csv\"\n"
	cfg, err := ParseConfig(path, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return &csvAgent{t: t, dir: dir, cfg: cfg, mta: &mta{}, now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// write replaces the CSV file with a header and rows.
func (a *csvAgent) write(rows ...string) {
	a.t.Helper()
	text := "eml,name,post\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(a.dir, "accounts.csv"), []byte(text), 0o600); err != nil {
		a.t.Fatal(err)
	}
}

// run runs the agent once, an hour after the previous run.
func (a *csvAgent) run(o Options) (Result, error) {
	a.now = a.now.Add(time.Hour)
	o.Config, o.Code, o.Sender = a.cfg, "0001", a.mta
	o.Now = func() time.Time { return a.now }
	o.Log = slog.New(slog.NewTextHandler(&a.logs, nil))
	return Run(context.Background(), o)
}

func (a *csvAgent) state() string {
	b, _ := os.ReadFile(a.cfg.State)
	return string(b)
}

// staff returns n rows of people.
func staff(n int) []string {
	var rows []string
	for i := range n {
		rows = append(rows, fmt.Sprintf("user%02d@company.ru,Сотрудник %d,Инженер", i, i))
	}
	return rows
}

func TestRunCSV(t *testing.T) {
	a := newCSVAgent(t, "")
	a.write(staff(20)...)
	res, err := a.run(Options{})
	if err != nil || !res.Synced || res.Messages != 1 || res.Changes != 20 {
		t.Fatalf("first run = %+v, %v; want a sync of 20", res, err)
	}
	bodies := a.mta.take()
	if len(bodies) != 1 || !strings.HasPrefix(bodies[0], "_cmd=sync:type=mbox\n_cmd=insert:eml=user00@company.ru:name=Сотрудник 0:post=Инженер\n") {
		t.Fatalf("first run sent %q", bodies)
	}

	res, err = a.run(Options{})
	if err != nil || res.Messages != 0 || len(a.mta.take()) != 0 {
		t.Fatalf("a run with no change = %+v, %v; want nothing sent", res, err)
	}

	rows := staff(20)
	rows[3] = "user03@company.ru,Сотрудник 3,Ведущий инженер: ИТ"
	rows = append(rows[:5], rows[6:]...)
	rows = append(rows, "new@company.ru,Новиков Николай,")
	a.write(rows...)
	res, err = a.run(Options{})
	want := "_cmd=insert:eml=new@company.ru:name=Новиков Николай:post=\n" +
		"_cmd=update:eml=user03@company.ru:post=Ведущий инженер\\: ИТ\n" +
		"_cmd=delete:type=mbox:eml=user05@company.ru\n"
	if got := a.mta.take(); err != nil || len(got) != 1 || got[0] != want {
		t.Fatalf("changes: %+v, %v, sent %q; want %q", res, err, got, want)
	}

	// A failed send leaves the state as it was; the next run sends the same.
	before := a.state()
	a.write(append(rows, "late@company.ru,Поздний,")...)
	a.mta.down = true
	if _, err := a.run(Options{}); err == nil || !strings.Contains(err.Error(), "state is unchanged") {
		t.Fatalf("run with the MTA down: %v", err)
	}
	if a.state() != before {
		t.Fatalf("the state changed though the MTA refused the message")
	}
	a.mta.down = false
	if _, err := a.run(Options{}); err != nil {
		t.Fatal(err)
	}
	if got := a.mta.take(); len(got) != 1 || got[0] != "_cmd=insert:eml=late@company.ru:name=Поздний:post=\n" {
		t.Fatalf("after the MTA is back: sent %q", got)
	}

	// A day after the first sync, the next run is a full sync again.
	a.now = a.now.Add(24 * time.Hour)
	if res, err := a.run(Options{}); err != nil || !res.Synced || res.Changes != 21 {
		t.Fatalf("run a day later = %+v, %v; want a sync of 21", res, err)
	}
}

func TestRunRefuses(t *testing.T) {
	a := newCSVAgent(t, "")
	a.write(staff(60)...)
	if _, err := a.run(Options{}); err != nil {
		t.Fatal(err)
	}
	a.mta.take()
	before := a.state()
	for _, tc := range []struct {
		name string
		rows []string
		want string
	}{
		{"truncated export", staff(53), `7 of the 60 accounts last sent would be deleted (the source now lists 53), more than max_shrink = "10%" allows (6)`},
		{"empty export", nil, "the source returned no rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.write(tc.rows...)
			_, err := a.run(Options{})
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "-force") {
				t.Fatalf("run = %v; want refused with %q", err, tc.want)
			}
			if len(a.mta.take()) != 0 || a.state() != before {
				t.Fatal("a refused run sent something or changed the state")
			}
		})
	}
	// Six deletions are allowed; -force allows more.
	a.write(staff(54)...)
	if res, err := a.run(Options{}); err != nil || res.Changes != 6 {
		t.Fatalf("six deletions: %+v, %v", res, err)
	}
	a.write(staff(10)...)
	if res, err := a.run(Options{Force: true}); err != nil || res.Changes != 44 {
		t.Fatalf("-force: %+v, %v", res, err)
	}
}

func TestRunInvalidRowsPostponeSync(t *testing.T) {
	a := newCSVAgent(t, "")
	a.write(append(staff(3), "bad address,Плохой,", "user01@company.ru,Дубль,")...)
	res, err := a.run(Options{})
	if !errors.Is(err, ErrInvalidRows) || !strings.Contains(err.Error(), "row 4 (bad address)") || !strings.Contains(err.Error(), "row 5 (user01@company.ru): the address is also on row 2") {
		t.Fatalf("run = %v; want the invalid rows by number", err)
	}
	if res.Synced || res.Changes != 2 {
		t.Fatalf("run = %+v; want no sync, two inserts", res)
	}
	if got := a.mta.take(); len(got) != 1 || strings.Contains(got[0], "sync") || strings.Contains(got[0], "user01") {
		t.Fatalf("sent %q", got)
	}
	if !strings.Contains(a.logs.String(), "full sync postponed") {
		t.Errorf("log does not say the sync was postponed:\n%s", a.logs.String())
	}
	a.write(staff(3)...)
	if res, err := a.run(Options{}); err != nil || !res.Synced {
		t.Fatalf("once fixed: %+v, %v; want the sync", res, err)
	}
}

func TestRunDryRun(t *testing.T) {
	a := newCSVAgent(t, "")
	a.write(staff(2)...)
	var out bytes.Buffer
	if _, err := a.run(Options{DryRun: true, Out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Subject: 0001\n", "To: <userdir@company.ru>\n", "_cmd=sync:type=mbox\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run printed no %q:\n%s", want, out.String())
		}
	}
	if len(a.mta.take()) != 0 || a.state() != "" {
		t.Error("a dry run sent something or wrote the state")
	}
	// What it printed is a message that ingest reads as the agent meant it.
	m, err := mailmsg.ReadMail(bytes.NewReader(out.Bytes()), 0)
	if err != nil {
		t.Fatal(err)
	}
	body, err := m.Body("")
	if err != nil || !strings.HasPrefix(body, "_cmd=sync:type=mbox\n_cmd=insert:eml=user00@company.ru:name=Сотрудник 0:post=Инженер\n") {
		t.Errorf("the printed message reads back as %q, %v", body, err)
	}
}

func TestRunSplits(t *testing.T) {
	a := newCSVAgent(t, "max_message_bytes = 4096\nsync_every = \"1000h\"")
	a.write(staff(1)...)
	if _, err := a.run(Options{}); err != nil {
		t.Fatal(err)
	}
	a.mta.take()
	a.write(staff(100)...)
	res, err := a.run(Options{})
	if err != nil || res.Messages < 2 || res.Changes != 99 {
		t.Fatalf("99 inserts in 4096-byte messages: %+v, %v", res, err)
	}
	if n := len(a.mta.take()); n != res.Messages {
		t.Fatalf("%d messages sent, result says %d", n, res.Messages)
	}
	// A sync is never split.
	_, err = a.run(Options{Sync: true})
	if err == nil || !strings.Contains(err.Error(), "a sync is never split") {
		t.Fatalf("a sync over max_message_bytes: %v", err)
	}
}

func TestCommandSource(t *testing.T) {
	for _, tc := range []struct {
		name    string
		command []string
		want    string // rows read, or the error
	}{
		{"csv on stdout", []string{"sh", "-c", `printf 'EML,Name\r\n"a@company.ru","Петров, Пётр"\r\n'`}, "1"},
		{"failing command", []string{"sh", "-c", "echo 'mysqldump: access denied' >&2; exit 2"}, "mysqldump: access denied"},
		{"no output", []string{"true"}, "no header row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Source{Driver: DriverCommand, Command: tc.command, Timeout: 10 * time.Second}
			tab, err := s.Read(context.Background())
			switch {
			case err != nil && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("Read = %v, want %q", err, tc.want)
			case err == nil && fmt.Sprint(len(tab.Rows)) != tc.want:
				t.Fatalf("Read = %d rows, want %s", len(tab.Rows), tc.want)
			case err == nil && (tab.Columns[1] != "name" || tab.Rows[0][1] != "Петров, Пётр"):
				t.Fatalf("Read = %q %q", tab.Columns, tab.Rows)
			}
		})
	}
}

func TestSQLiteSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.db")
	s := Source{Driver: DriverSQLite, DSN: path, Timeout: 10 * time.Second,
		Query: "SELECT email AS eml, fio AS name, enabled AS act, phone AS gor FROM persons ORDER BY email"}
	db, err := openSQL(DriverSQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE persons (email TEXT, fio TEXT, enabled BOOLEAN, phone TEXT)",
		"INSERT INTO persons VALUES ('a@company.ru', 'Петров: Пётр', 1, NULL), ('b@company.ru', 'Б', 0, '88-02-93')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	tab, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAccounts(tab)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := Diff(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.Line)
	}
	want := []string{`_cmd=insert:eml=a@company.ru:name=Петров\: Пётр:gor=:act=1`, "_cmd=insert:eml=b@company.ru:name=Б:gor=88-02-93:act=0"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("SQLite source gives\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	s.Query = "SELECT * FROM no_such_table"
	if _, err := s.Read(context.Background()); err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Errorf("a failing query: %v", err)
	}
}

func TestRunAliases(t *testing.T) {
	a := newCSVAgent(t, "")
	write := func(text string) {
		if err := os.WriteFile(filepath.Join(a.dir, "accounts.csv"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("type,eml,name,dst\nmbox,ivanov@company.ru,Иванов Иван,\nalias,sales@company.ru,Отдел продаж,ivanov@company.ru\n")
	res, err := a.run(Options{})
	if err != nil || res.Messages != 2 || !res.Synced {
		t.Fatalf("first run with an alias = %+v, %v; want two syncs", res, err)
	}
	got := a.mta.take()
	if !strings.HasPrefix(got[0], "_cmd=sync:type=mbox\n") || !strings.HasPrefix(got[1], "_cmd=sync:type=alias\n_cmd=insert:type=alias:eml=sales@company.ru:name=Отдел продаж:dst=ivanov@company.ru\n") {
		t.Fatalf("sent %q", got)
	}
	write("type,eml,name,dst\nmbox,ivanov@company.ru,Иванов Иван,\nalias,sales@company.ru,Отдел продаж,\"ivanov@company.ru,petrov@company.ru\"\n")
	if _, err := a.run(Options{}); err != nil {
		t.Fatal(err)
	}
	if got := a.mta.take(); len(got) != 1 || got[0] != "_cmd=update:type=alias:eml=sales@company.ru:dst=ivanov@company.ru,petrov@company.ru\n" {
		t.Fatalf("dst changed: sent %q", got)
	}
}

func TestRunLocked(t *testing.T) {
	a := newCSVAgent(t, "")
	a.write(staff(2)...)
	unlock, err := lock(a.cfg.State)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.run(Options{}); err == nil || !strings.Contains(err.Error(), "another userdir agent is running") {
		t.Fatalf("a run while another holds the lock: %v", err)
	}
	if len(a.mta.take()) != 0 {
		t.Fatal("a locked-out run sent a message")
	}
	unlock()
	if res, err := a.run(Options{}); err != nil || res.Messages != 1 {
		t.Fatalf("after the lock is released: %+v, %v", res, err)
	}
}

// TestRunForceSync: a sync sent under -force carries force=1 on its sync
// line, so the centre does not hold what the branch admin forced; other
// syncs and changes do not.
func TestRunForceSync(t *testing.T) {
	forced := func(body string) bool {
		t.Helper()
		cmds, rejects, _ := mailcmd.ParseCommands(body)
		if len(rejects) > 0 {
			t.Fatalf("ingest rejects %q: %v", body, rejects)
		}
		return len(cmds) > 0 && cmds[0].Op == mailcmd.OpSync && cmds[0].Force
	}
	a := newCSVAgent(t, "")
	a.write(staff(60)...)
	if _, err := a.run(Options{}); err != nil {
		t.Fatal(err)
	}
	if got := a.mta.take(); len(got) != 1 || !strings.HasPrefix(got[0], "_cmd=sync:type=mbox\n") || forced(got[0]) {
		t.Fatalf("first run, not forced: sent %q", got)
	}
	// -force with changes only: nothing to mark.
	a.write(staff(10)...)
	if res, err := a.run(Options{Force: true}); err != nil || res.Synced || res.Changes != 50 {
		t.Fatalf("-force: %+v, %v", res, err)
	}
	if got := a.mta.take(); len(got) != 1 || strings.Contains(got[0], "force") {
		t.Fatalf("-force without a sync: sent %q", got)
	}
	// -force -sync: the sync says force=1.
	a.write(staff(2)...)
	if res, err := a.run(Options{Force: true, Sync: true}); err != nil || !res.Synced {
		t.Fatalf("-force -sync: %+v, %v", res, err)
	}
	got := a.mta.take()
	if len(got) != 1 || !strings.HasPrefix(got[0], "_cmd=sync:type=mbox:force=1\n") || !forced(got[0]) {
		t.Fatalf("-force -sync: sent %q", got)
	}
	// The next sync, not forced, is plain again.
	if _, err := a.run(Options{Sync: true}); err != nil {
		t.Fatal(err)
	}
	if got := a.mta.take(); len(got) != 1 || forced(got[0]) {
		t.Fatalf("-sync after -force: sent %q", got)
	}
}

// TestRunRowLimits: values ingest would reject under mailcmd's limits (a
// value over 256 characters, a control character, a local part over 64)
// are reported by row number and skipped; the other rows are sent.
func TestRunRowLimits(t *testing.T) {
	a := newCSVAgent(t, "")
	a.write(append(staff(2),
		"long@company.ru,"+strings.Repeat("Я", 300)+",Инженер",
		"nul@company.ru,Иван\x00Иванов,Инженер",
		strings.Repeat("a", 65)+"@company.ru,Длинный адрес,",
		"user02@company.ru,Сотрудник 2,Инженер")...)
	res, err := a.run(Options{})
	if !errors.Is(err, ErrInvalidRows) {
		t.Fatalf("run = %v; want invalid rows", err)
	}
	for _, want := range []string{"row 3 (long@company.ru)", "row 4 (nul@company.ru)", "row 5 (" + strings.Repeat("a", 65)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if len(res.Invalid) != 3 || res.Changes != 3 || res.Synced {
		t.Fatalf("run = %+v; want three inserts, three rows skipped, no sync", res)
	}
	got := a.mta.take()
	if len(got) != 1 || strings.Contains(got[0], "long@") || strings.Contains(got[0], "nul@") || !strings.Contains(got[0], "user02@company.ru") {
		t.Fatalf("sent %q", got)
	}
	if cmds, rejects, _ := mailcmd.ParseCommands(got[0]); len(rejects) != 0 || len(cmds) != 3 {
		t.Fatalf("ingest reads %d commands, rejects %v", len(cmds), rejects)
	}
}

// TestStateWithoutLastSent: a state file written before last_sent existed
// still loads, and the next run sends with a Date of its own and records it.
func TestStateWithoutLastSent(t *testing.T) {
	a := newCSVAgent(t, "")
	old := `{"version": 1, "last_sync": "2026-03-01T09:00:00Z", "records": {"user00@company.ru": {"name": "Сотрудник 0", "post": "Инженер"}}}`
	if err := os.WriteFile(a.cfg.State, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := LoadState(a.cfg.State)
	if err != nil || !st.LastSent.IsZero() || len(st.Records) != 1 {
		t.Fatalf("LoadState of an old file = %+v, %v", st, err)
	}
	a.write(staff(2)...)
	if res, err := a.run(Options{}); err != nil || res.Changes != 1 || res.Synced {
		t.Fatalf("run from an old state = %+v, %v; want one insert", res, err)
	}
	if len(a.mta.dates) != 1 || !a.mta.dates[0].Equal(a.now) {
		t.Fatalf("Dates %v, want %v", a.mta.dates, a.now)
	}
	st, err = LoadState(a.cfg.State)
	if err != nil || !st.LastSent.Equal(a.now) {
		t.Fatalf("state after the run: last_sent %v, %v; want %v", st.LastSent, err, a.now)
	}
}

// TestRunDatesIncrease: every message is dated after the one before, in one
// run (two syncs) and across runs within one second, so the centre applies
// them in the order sent.
func TestRunDatesIncrease(t *testing.T) {
	a := newCSVAgent(t, "")
	if err := os.WriteFile(filepath.Join(a.dir, "accounts.csv"), []byte("type,eml,name,dst\nmbox,ivanov@company.ru,Иванов Иван,\nalias,sales@company.ru,Отдел продаж,ivanov@company.ru\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, err := a.run(Options{}); err != nil || res.Messages != 2 {
		t.Fatalf("first run = %+v, %v; want two syncs", res, err)
	}
	a.now = a.now.Add(-time.Hour) // the next run in the same second
	if res, err := a.run(Options{Sync: true}); err != nil || res.Messages != 2 {
		t.Fatalf("second run = %+v, %v; want two syncs", res, err)
	}
	d := a.mta.dates
	if len(d) != 4 {
		t.Fatalf("%d messages", len(d))
	}
	for i := 1; i < len(d); i++ {
		if !d[i].After(d[i-1]) {
			t.Errorf("message %d dated %s, not after message %d's %s", i+1, d[i], i, d[i-1])
		}
	}
}
