package integration

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"userdir/internal/readme"
	"userdir/internal/testdb"
)

// The postfixadmin mailbox table, as its MySQL and PostgreSQL schemas
// have it (the columns the agent reads, and enough of the others).
const (
	mailboxMySQL = `CREATE TABLE mailbox (
  username varchar(255) NOT NULL PRIMARY KEY, password varchar(255) NOT NULL DEFAULT '',
  name varchar(255) CHARACTER SET utf8mb4 NOT NULL DEFAULT '', maildir varchar(255) NOT NULL DEFAULT '',
  quota bigint NOT NULL DEFAULT 0, local_part varchar(255) NOT NULL DEFAULT '', domain varchar(255) NOT NULL,
  created datetime NOT NULL DEFAULT '2000-01-01 00:00:00', modified datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  active tinyint(1) NOT NULL DEFAULT 1) DEFAULT CHARSET=utf8mb4`
	mailboxPostgres = `CREATE TABLE mailbox (
  username varchar(255) NOT NULL PRIMARY KEY, password varchar(255) NOT NULL DEFAULT '',
  name varchar(255) NOT NULL DEFAULT '', maildir varchar(255) NOT NULL DEFAULT '',
  quota bigint NOT NULL DEFAULT 0, local_part varchar(255) NOT NULL DEFAULT '', domain varchar(255) NOT NULL,
  created timestamp with time zone DEFAULT now(), modified timestamp with time zone DEFAULT now(),
  active boolean NOT NULL DEFAULT true)`
)

// branchDomain is the domain of the branch's mailboxes in these tests.
const branchDomain = "tyumen.company.ru"

// mailboxDB is a branch's postfixadmin database.
type mailboxDB struct {
	tb testing.TB
	db *sql.DB
	pg bool // PostgreSQL placeholders and booleans
}

func (m mailboxDB) exec(query string, args ...any) {
	m.tb.Helper()
	if m.pg {
		n := 0
		query = regexp.MustCompile(`\?`).ReplaceAllStringFunc(query, func(string) string { n++; return fmt.Sprintf("$%d", n) })
	}
	if _, err := m.db.Exec(query, args...); err != nil {
		m.tb.Fatalf("%s: %v", query, err)
	}
}

// add inserts a mailbox of the branch's domain.
func (m mailboxDB) add(local, name string, active bool) {
	m.tb.Helper()
	var act any = active
	if !m.pg {
		act = map[bool]int{true: 1, false: 0}[active]
	}
	m.exec("INSERT INTO mailbox (username, name, local_part, domain, maildir, active) VALUES (?, ?, ?, ?, ?, ?)",
		local+"@"+branchDomain, name, local, branchDomain, branchDomain+"/"+local+"/", act)
}

// openMailboxDB starts a private server of engine, creates the table and
// returns it with the DSN.
func openMailboxDB(t *testing.T, engine string) (mailboxDB, string) {
	var dsn, driver, schema string
	switch engine {
	case "mysql":
		dsn, driver, schema = testdb.StartMariaDB(t), "mysql", mailboxMySQL
	case "postgres":
		dsn, driver, schema = testdb.StartPostgres(t), "pgx", mailboxPostgres
	}
	db, err := sql.Open(driver, dsn)
	must(t, err, "open %s", engine)
	t.Cleanup(func() { db.Close() })
	m := mailboxDB{tb: t, db: db, pg: engine == "postgres"}
	m.exec(schema)
	return m, dsn
}

// branch is an agent set up from the README's Branch setup snippets.
type branch struct {
	bin, dir, config, state string
	sent                    string // a file with a line per message sendmail was given
}

// readmeAgent sets up the agent as the README's Branch setup says, with
// its paths moved under dir: the install snippet run with sh, the
// README's agent.toml with driver and dsn for this database, and a
// sendmail that pipes the message into `userdir ingest` of the centre's
// configuration (or, with failing, refuses it as a full queue would).
func readmeAgent(t *testing.T, bin, centre, driver, dsn string) *branch {
	t.Helper()
	dir := t.TempDir()
	b := &branch{bin: bin, dir: dir, config: filepath.Join(dir, "etc", "agent.toml"),
		state: filepath.Join(dir, "lib", "agent.state"), sent: filepath.Join(dir, "sent")}
	paths := strings.NewReplacer("/etc/userdir/", filepath.Join(dir, "etc")+"/", "/etc/userdir", filepath.Join(dir, "etc"),
		"/var/lib/userdir/", filepath.Join(dir, "lib")+"/", "/var/lib/userdir", filepath.Join(dir, "lib"))
	install := paths.Replace(readme.Block(t, "agent-install"))
	if r := runCmd(t, []byte(install), nil, "sh", "-e"); r.code != 0 {
		t.Fatalf("the README's install snippet:\n%s\n%s", install, r)
	}
	conf := paths.Replace(readme.Block(t, "agent.toml"))
	conf = regexp.MustCompile(`(?m)^dsn = .*$`).ReplaceAllLiteralString(conf, fmt.Sprintf("dsn = %q", dsn))
	conf = strings.Replace(conf, `driver = "mysql"`, fmt.Sprintf("driver = %q", driver), 1)
	sendmail := b.script("sendmail", fmt.Sprintf("echo \"$*\" >> %s\nexec %s ingest -config %s -sender \"$4\"\n", b.sent, bin, centre))
	must(t, os.WriteFile(b.config, []byte(conf+"\n[send]\nsendmail = \""+sendmail+"\"\n"), 0o640), "write agent.toml")
	failing := b.script("sendmail-down", "cat > /dev/null\necho 'sendmail: fatal: queue file write error' >&2\nexit 75\n")
	must(t, os.WriteFile(b.config+".down", []byte(conf+"\n[send]\nsendmail = \""+failing+"\"\n"), 0o640), "write agent.toml.down")
	return b
}

// script writes an executable shell script into b.dir.
func (b *branch) script(name, body string) string {
	path := filepath.Join(b.dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		panic(err)
	}
	return path
}

// run runs the README's cron command (the agent, -once) with config.
func (b *branch) run(t *testing.T, config string, args ...string) result {
	t.Helper()
	cron := strings.Fields(readme.Block(t, "agent-cron"))
	cmd := strings.Join(cron[6:], " ") // minute hour day month weekday user command
	cmd = strings.NewReplacer("/usr/local/bin/userdir", b.bin, "/etc/userdir/agent.toml", config).Replace(cmd)
	argv := append(strings.Fields(cmd), args...)
	return runCmd(t, nil, nil, argv[0], argv[1:]...)
}

// messages returns how many messages sendmail was given.
func (b *branch) messages() int {
	data, _ := os.ReadFile(b.sent)
	return strings.Count(string(data), "\n")
}

func (b *branch) stateBytes(t *testing.T) string {
	data, err := os.ReadFile(b.state)
	must(t, err, "read the agent's state")
	return string(data)
}

// waitGone waits until filter finds nothing over LDAP.
func waitGone(tb testing.TB, url, filter string) {
	tb.Helper()
	waitFor(tb, 3*time.Second, filter+" gone over LDAP", func() (bool, string) {
		got, err := mtaSearch(url, filter)
		return err == nil && len(got) == 0, fmt.Sprintf("%q, %v", got, err)
	})
}

// TestIntegrationAgent runs the README's branch setup against a real
// postfixadmin database on private MariaDB and PostgreSQL servers: rows
// inserted, changed and deleted reach the directory through `agent -once`
// → sendmail → `userdir ingest`; a run with no change sends nothing; a
// truncated table is refused with the README's message; a failed send
// leaves the state as it was and the next run sends the same change.
func TestIntegrationAgent(t *testing.T) {
	requireTools(t, "sh")
	bin := buildUserdir(t)
	for _, engine := range []string{"mysql", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db, dsn := openMailboxDB(t, engine)
			centreDir := t.TempDir()
			centre := writeConfig(t, centreDir, configOptions{store: filepath.Join(centreDir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}})
			url := startServe(t, bin, centre, 1, nil).urls[0]
			testAgent(t, db, readmeAgent(t, bin, centre, engine, dsn), url)
		})
	}
}

func testAgent(t *testing.T, db mailboxDB, b *branch, url string) {
	people := []struct{ local, name string }{
		{"ivanov", "Иванов Иван Иванович"}, {"petrov", "Петров Пётр"}, {"sidorov", "Сидоров Сидор"},
		{"kuznetsova", "Кузнецова Анна"}, {"smirnov", "Смирнов Олег"}, {"popova", "Попова Ольга"},
		{"vasiliev", "Васильев Василий"},
	}
	for _, p := range people {
		db.add(p.local, p.name, true)
	}
	db.add("former", "Бывший Сотрудник", false)
	db.exec("INSERT INTO mailbox (username, name, local_part, domain) VALUES ('other@elsewhere.ru', 'Чужой', 'other', 'elsewhere.ru')")

	// The README's dry run prints the sync of the postfixadmin table.
	dry := readme.Block(t, "agent-dry-run")
	argv := strings.Fields(strings.NewReplacer("userdir", b.bin, "/etc/userdir/agent.toml", b.config).Replace(strings.TrimSpace(dry)))
	r := runCmd(t, nil, nil, argv[0], argv[1:]...)
	if r.code != 0 || !strings.Contains(r.stdout, "\n_cmd=sync:type=mbox\n_cmd=insert:eml=former@tyumen.company.ru:name=Бывший Сотрудник:act=0\n") ||
		strings.Contains(r.stdout, "elsewhere") || b.messages() != 0 {
		t.Fatalf("the README's dry run: %s", r)
	}
	t.Logf("dry run of the postfixadmin example:\n%s", r.stdout)

	// First run: a full sync.
	if r := b.run(t, b.config, "-log-level", "info"); r.code != 0 || !strings.Contains(r.stderr, "full_sync=true") || b.messages() != 1 {
		t.Fatalf("first run: %s", r)
	}
	waitLDAP(t, url, "(cn=Иванов Иван Иванович)", "ivanov@tyumen.company.ru")
	waitGone(t, url, "(mail=former@tyumen.company.ru)") // inactive: never served

	// No change: nothing sent.
	if r := b.run(t, b.config); r.code != 0 || r.stderr != "" || b.messages() != 1 {
		t.Fatalf("a run with no change: %s; %d messages", r, b.messages())
	}

	// Inserted, changed, deleted.
	db.add("novikov", "Новиков Николай", true)
	db.exec("UPDATE mailbox SET name = ? WHERE username = ?", "Петров Пётр Петрович", "petrov@"+branchDomain)
	db.exec("DELETE FROM mailbox WHERE username = ?", "sidorov@"+branchDomain)
	if r := b.run(t, b.config, "-log-level", "warn"); r.code != 0 || b.messages() != 2 {
		t.Fatalf("run after changes: %s", r)
	}
	waitLDAP(t, url, "(cn=Новиков Николай)", "novikov@tyumen.company.ru")
	waitLDAP(t, url, "(cn=Петров Пётр Петрович)", "petrov@tyumen.company.ru")
	waitGone(t, url, "(mail=sidorov@tyumen.company.ru)")

	// A truncated table is refused, with the README's words.
	before := b.stateBytes(t)
	db.exec("DELETE FROM mailbox WHERE domain = ? AND username <> ?", branchDomain, "ivanov@"+branchDomain)
	r = b.run(t, b.config)
	if want := strings.TrimSpace(readme.Block(t, "agent-refusal")); r.code != 1 || strings.TrimSpace(r.stderr) != want {
		t.Fatalf("a truncated table: %s\nwant exit 1 and the README's:\n%s", r, want)
	}
	if b.messages() != 2 || b.stateBytes(t) != before {
		t.Fatal("a refused run sent a message or changed the state")
	}
	waitLDAP(t, url, "(mail=popova@tyumen.company.ru)", "popova@tyumen.company.ru")

	// Restored; then a change whose send fails is sent by the next run.
	for _, p := range people[1:] {
		if p.local != "sidorov" {
			db.add(p.local, p.name, true)
		}
	}
	db.exec("UPDATE mailbox SET name = ? WHERE username = ?", "Петров Пётр Петрович", "petrov@"+branchDomain)
	db.add("former", "Бывший Сотрудник", false)
	db.add("novikov", "Новиков Николай", true)
	db.exec("UPDATE mailbox SET active = ? WHERE username = ?", map[bool]any{true: false, false: 0}[db.pg], "popova@"+branchDomain)
	if r := b.run(t, b.config+".down"); r.code != 1 || !strings.Contains(r.stderr, "queue file write error") || !strings.Contains(r.stderr, "state is unchanged") {
		t.Fatalf("a run whose sendmail fails: %s", r)
	}
	if b.stateBytes(t) != before {
		t.Fatal("the state changed though sendmail failed")
	}
	if r := b.run(t, b.config); r.code != 0 || b.messages() != 3 {
		t.Fatalf("the run after the failed one: %s", r)
	}
	waitGone(t, url, "(mail=popova@tyumen.company.ru)")
	if r := b.run(t, b.config); r.code != 0 || b.messages() != 3 {
		t.Fatalf("one more run: %s", r)
	}
}

// TestIntegrationAgentPostfix: the agent, reading a command's CSV output,
// hands its message to a private Postfix with sendmail -t; Postfix
// delivers it to `userdir ingest` through the README's pipe service, and
// the accounts are found over LDAP. A CSV file source then sends only
// the change.
func TestIntegrationAgentPostfix(t *testing.T) {
	st := startPostfixStack(t)
	pf, tools, bin, url := st.pf, st.tools, st.bin, st.url

	dir := t.TempDir()
	csvFile := filepath.Join(dir, "accounts.csv")
	must(t, os.WriteFile(csvFile, []byte("eml,name,post,mer\n"+
		"pochta@tyumen.company.ru,Почтов Павел,Инженер: связь,38-32-99\n"+
		"kadr@tyumen.company.ru,Кадрова Ксения,,\n"), 0o644), "write the CSV")
	sendmail := filepath.Join(dir, "sendmail")
	must(t, os.WriteFile(sendmail, []byte(fmt.Sprintf("#!/bin/sh\nexec %s -C %s \"$@\"\n", tools["sendmail"], pf.conf)), 0o755), "write the sendmail wrapper")
	must(t, os.WriteFile(filepath.Join(dir, "code"), []byte(codeTyumen+"\n"), 0o600), "write the code")
	common := fmt.Sprintf("to = %q\nfrom = \"admin@tyumen.company.ru\"\ndivision_code_file = \"code\"\nstate = \"agent.state\"\n[send]\nsendmail = %q\n", dirAddr, sendmail)
	cmdConf, fileConf := filepath.Join(dir, "command.toml"), filepath.Join(dir, "file.toml")
	must(t, os.WriteFile(cmdConf, []byte(common+fmt.Sprintf("[source]\ndriver = \"command\"\ncommand = [\"cat\", %q]\n", csvFile)), 0o600), "write command.toml")
	must(t, os.WriteFile(fileConf, []byte(common+"[source]\ndriver = \"csv\"\nfile = \"accounts.csv\"\n"), 0o600), "write file.toml")

	messageID := regexp.MustCompile(`message_id=(\S+)`)
	send := func(conf string) string {
		t.Helper()
		r := runCmd(t, nil, nil, bin, "agent", "-once", "-log-level", "info", "-config", conf)
		m := messageID.FindStringSubmatch(r.stderr)
		if r.code != 0 || m == nil {
			t.Fatalf("userdir agent -once: %s\nmaillog:\n%s", r, pf.log())
		}
		return m[1]
	}
	pf.waitDelivery(t, send(cmdConf), "2.0.0 sent")
	waitLDAP(t, url, "(title=Инженер: связь)", "pochta@tyumen.company.ru")
	waitLDAP(t, url, "(ipPhone=3832 99)", "pochta@tyumen.company.ru")

	must(t, os.WriteFile(csvFile, []byte("eml,name,post,mer\n"+
		"pochta@tyumen.company.ru,Почтов Павел,Инженер: связь,38-32-99\n"+
		"kadr@tyumen.company.ru,Кадрова Ксения Петровна,,\n"), 0o644), "rewrite the CSV")
	pf.waitDelivery(t, send(fileConf), "2.0.0 sent")
	waitLDAP(t, url, "(cn=Кадрова Ксения Петровна)", "kadr@tyumen.company.ru")
	pf.waitEmpty(t)
}

// readmeUnit returns the README's systemd unit block name with its
// leading comment (the file's path) removed and the binary and config
// paths replaced.
func readmeUnit(tb testing.TB, name, bin, config string) string {
	tb.Helper()
	text := readme.Block(tb, name)
	if i := strings.Index(text, "\n"); strings.HasPrefix(text, "#") && i >= 0 {
		text = text[i+1:]
	}
	return strings.NewReplacer("/usr/local/bin/userdir", bin, "/etc/userdir/agent.toml", config).Replace(text)
}

// TestIntegrationAgentSystemdUnits: the README's service and timer pass
// systemd-analyze verify without a warning, and the service runs the
// same command as the README's cron line.
func TestIntegrationAgentSystemdUnits(t *testing.T) {
	tools := requireTools(t, "systemd-analyze")
	bin := buildUserdir(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "agent.toml")
	service := readmeUnit(t, "agent.service", bin, config)
	must(t, os.WriteFile(filepath.Join(dir, "userdir-agent.service"), []byte(service), 0o644), "write the service")
	must(t, os.WriteFile(filepath.Join(dir, "userdir-agent.timer"), []byte(readmeUnit(t, "agent.timer", bin, config)), 0o644), "write the timer")
	r := runCmd(t, nil, nil, tools["systemd-analyze"], "verify", filepath.Join(dir, "userdir-agent.service"), filepath.Join(dir, "userdir-agent.timer"))
	if r.code != 0 || strings.TrimSpace(r.stdout+r.stderr) != "" {
		t.Fatalf("systemd-analyze verify of the README's units: %s", r)
	}
	exec := regexp.MustCompile(`(?m)^ExecStart=(.*)$`).FindStringSubmatch(readme.Block(t, "agent.service"))
	cron := strings.Fields(readme.Block(t, "agent-cron"))[6:] // minute hour day month weekday user command
	if exec == nil || strings.Join(strings.Fields(exec[1]), " ") != strings.Join(cron, " ") {
		t.Errorf("the README's service runs %q, its cron line %q", exec, cron)
	}
}
