package integration

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"userdir/internal/readme"
	"userdir/internal/testdb"
)

// pgNode is one `userdir serve` node of a PostgreSQL store, with its own
// configuration (its own listening port).
type pgNode struct {
	cfg  string
	srv  *server
	ldap string // its LDAP URL
	http string // its HTTP URL (/healthz), "" when it has none
}

// startNodes writes a configuration per node, all on store, and starts
// `serve` on each; the first also listens for HTTP (/healthz).
func startNodes(t *testing.T, bin, store string, n int) []pgNode {
	t.Helper()
	nodes := make([]pgNode, n)
	for i := range nodes {
		dir := filepath.Join(t.TempDir(), fmt.Sprint("node", i+1))
		must(t, mkdirAll(dir), "node directory")
		o := configOptions{store: store, listen: []string{"ldap://127.0.0.1:0"}}
		if i == 0 {
			o.http = "127.0.0.1:0"
		}
		nodes[i].cfg = writeConfig(t, dir, o)
		nodes[i].srv = startServe(t, bin, nodes[i].cfg, 1+boolInt(i == 0), nil)
		for _, u := range nodes[i].srv.urls {
			if strings.HasPrefix(u, "http://") {
				nodes[i].http = u
			} else {
				nodes[i].ldap = u
			}
		}
	}
	return nodes
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// healthz returns the status code of node's /healthz.
func (nd pgNode) healthz(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(nd.http + "/healthz")
	must(t, err, "GET /healthz")
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitAll waits until every node finds want with filter, and returns how
// long that took from start.
func waitAll(t *testing.T, nodes []pgNode, timeout time.Duration, filter, want string) time.Duration {
	t.Helper()
	start := time.Now()
	for i, nd := range nodes {
		waitFor(t, timeout, fmt.Sprintf("%s on node %d", want, i+1), func() (bool, string) {
			got, err := mtaSearch(nd.ldap, filter)
			return err == nil && len(got) == 1 && got[0] == want, fmt.Sprintf("%q, %v", got, err)
		})
	}
	return time.Since(start)
}

// tyumenMessage is a command message of Tyumen with Message-ID id.
func tyumenMessage(t *testing.T, id string, lines ...string) []byte {
	t.Helper()
	return commandMessage{code: codeTyumen, from: "admin@tyumen.company.ru", to: "dir@relay.company.ru",
		date: time.Now().Add(-time.Minute), messageID: id, lines: lines}.bytes(t)
}

// TestIntegrationSeveralNodes runs two `serve` nodes on one private
// PostgreSQL database and `ingest` as a third process: a change is seen
// by both nodes through LISTEN/NOTIFY; with PostgreSQL stopped, ingest
// defers (75, 4.3.0) and both nodes go on answering from their snapshots;
// started again, the retried message applies and both catch up; and an
// ingest killed inside its transaction leaves nothing half done.
func TestIntegrationSeveralNodes(t *testing.T) {
	pg := testdb.NewPostgres(t)
	store := pg.URL("postgres")
	bin := buildUserdir(t)
	nodes := startNodes(t, bin, store, 2)
	ingestCfg := nodes[0].cfg // the third process: same store, any node's configuration
	loadFixture(t, bin, ingestCfg)
	waitAll(t, nodes, 10*time.Second, "(mail="+visibleAddr+")", visibleAddr)
	if code := nodes[0].healthz(t); code != http.StatusOK {
		t.Errorf("/healthz with PostgreSQL up: %d, want 200", code)
	}

	// A change by ingest is on both nodes at once: NOTIFY, not the 5 s poll.
	ingest(t, bin, ingestCfg, "admin@tyumen.company.ru", tyumenMessage(t, "nodes-1@tyumen.company.ru",
		"_cmd=insert:type=mbox:name=Новиков Никита:eml=novikov@company.ru"))
	took := waitAll(t, nodes, 2*time.Second, "(mail=novikov@company.ru)", "novikov@company.ru")
	t.Logf("visible on both nodes %v after ingest exited", took.Round(time.Millisecond))
	measureVisibility(t, bin, ingestCfg, nodes)

	// PostgreSQL down: ingest defers, the nodes answer from their snapshots.
	pg.Stop()
	down := tyumenMessage(t, "nodes-2@tyumen.company.ru", "_cmd=insert:type=mbox:name=Петров Пётр:eml=petrov@company.ru")
	r := runCmd(t, down, nil, bin, "ingest", "-config", ingestCfg, "-sender", "admin@tyumen.company.ru")
	if r.code != 75 || !strings.HasPrefix(r.stdout, "4.3.0 ") {
		t.Fatalf("ingest with PostgreSQL down: %s\nwant exit 75 and 4.3.0", r)
	}
	for i, nd := range nodes {
		waitFor(t, 15*time.Second, fmt.Sprintf("node %d to report the store unreachable", i+1), func() (bool, string) {
			return strings.Contains(nd.srv.log.String(), "store unreachable; serving the last snapshot"), nd.srv.log.String()
		})
		got, err := mtaSearch(nd.ldap, "(mail=novikov@company.ru)")
		if err != nil || len(got) != 1 {
			t.Errorf("node %d with PostgreSQL down: %q, %v; want its last snapshot", i+1, got, err)
		}
	}

	if code := nodes[0].healthz(t); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz with PostgreSQL down: %d, want 503", code)
	}

	// A node that starts meanwhile has nothing to serve: it says why and
	// exits 1, for its service manager to try again.
	late := runCmd(t, nil, nil, bin, "serve", "-config", ingestCfg)
	if late.code != 1 || !strings.Contains(late.stderr, "connect") {
		t.Errorf("serve started with PostgreSQL down: %s\nwant exit 1 and why", late)
	}

	// Up again: the MTA's retry applies, both nodes catch up.
	must(t, pg.Start(), "start PostgreSQL again")
	ingest(t, bin, ingestCfg, "admin@tyumen.company.ru", down)
	took = waitAll(t, nodes, 15*time.Second, "(mail=petrov@company.ru)", "petrov@company.ru")
	t.Logf("after PostgreSQL came back, the retried message was on both nodes %v after ingest exited", took.Round(time.Millisecond))
	if code := nodes[0].healthz(t); code != http.StatusOK {
		t.Errorf("/healthz with PostgreSQL back: %d, want 200", code)
	}

	testKilledIngest(t, bin, ingestCfg, store, nodes)
}

// testKilledIngest kills `ingest` with SIGKILL inside its transaction: none
// of the message is stored, and its redelivery applies all of it.
func testKilledIngest(t *testing.T, bin, cfg, store string, nodes []pgNode) {
	const n = 20000
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("_cmd=insert:type=mbox:name=Курьер %05d:eml=courier%05d@tyumen.company.ru", i, i)
	}
	big := tyumenMessage(t, "nodes-big@tyumen.company.ru", lines...)
	db, err := sql.Open("pgx", store)
	must(t, err, "open PostgreSQL")
	defer db.Close()
	ctx := context.Background()
	cmd := exec.Command(bin, "ingest", "-config", cfg, "-sender", "admin@tyumen.company.ru")
	cmd.Stdin = bytes.NewReader(big)
	must(t, cmd.Start(), "start ingest")
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Inside its transaction: its session holds a transaction id (it has
	// locked meta's row and started writing).
	waitFor(t, 30*time.Second, "ingest inside its transaction", func() (bool, string) {
		var k int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'userdir' AND backend_xid IS NOT NULL`).Scan(&k)
		select {
		case werr := <-exited:
			exited <- werr
			t.Fatalf("ingest finished (%v) before it could be killed: make the message bigger", werr)
		default:
		}
		return err == nil && k > 0, fmt.Sprint(k, err)
	})
	must(t, syscall.Kill(cmd.Process.Pid, syscall.SIGKILL), "kill ingest")
	<-exited
	var stored, journaled int
	waitFor(t, 10*time.Second, "the killed transaction to be rolled back", func() (bool, string) {
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'userdir' AND backend_xid IS NOT NULL`).Scan(&stored)
		return err == nil && stored == 0, fmt.Sprint(stored, err)
	})
	must(t, db.QueryRowContext(ctx, `SELECT count(*) FROM record WHERE eml LIKE 'courier%'`).Scan(&stored), "count records")
	must(t, db.QueryRowContext(ctx, `SELECT count(*) FROM journal WHERE message_id LIKE '%nodes-big%'`).Scan(&journaled), "count journal")
	if stored != 0 || journaled != 0 {
		t.Fatalf("after SIGKILL: %d records and %d journal entries of the message, want none", stored, journaled)
	}
	ingest(t, bin, cfg, "admin@tyumen.company.ru", big)
	must(t, db.QueryRowContext(ctx, `SELECT count(*) FROM record WHERE eml LIKE 'courier%' AND live = 1`).Scan(&stored), "count records")
	if stored != n {
		t.Errorf("after redelivery: %d records, want %d", stored, n)
	}
	waitAll(t, nodes, 15*time.Second, "(mail=courier19999@tyumen.company.ru)", "courier19999@tyumen.company.ru")
}

// TestIntegrationMigrateStore moves the test directory from SQLite to
// PostgreSQL with `userdir migrate-store` and back to a new SQLite file:
// `dump -role all` is the same from all three.
func TestIntegrationMigrateStore(t *testing.T) {
	pg := testdb.NewPostgres(t)
	bin := buildUserdir(t)
	dir := t.TempDir()
	sqliteCfg := writeConfig(t, mkdir(t, dir, "sqlite"), configOptions{store: filepath.Join(dir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}})
	pgCfg := writeConfig(t, mkdir(t, dir, "pg"), configOptions{store: pg.URL("postgres"), listen: []string{"ldap://127.0.0.1:0"}})
	backCfg := writeConfig(t, mkdir(t, dir, "back"), configOptions{store: filepath.Join(dir, "back.db"), listen: []string{"ldap://127.0.0.1:0"}})
	loadFixture(t, bin, sqliteCfg)
	// A tombstone and a journal note, so that there is some of everything.
	ingest(t, bin, sqliteCfg, "admin@tyumen.company.ru", tyumenMessage(t, "migrate-1@tyumen.company.ru",
		"_cmd=delete:eml="+visibleAddr, "_cmd=bogus:eml=x@company.ru"))

	// The README's command, with this test's paths.
	snippet := strings.TrimSpace(readme.Block(t, "migrate-store"))
	if !strings.HasPrefix(snippet, "userdir migrate-store ") {
		t.Fatalf("README migrate-store snippet is %q", snippet)
	}
	snippet = strings.NewReplacer("userdir migrate-store", bin+" migrate-store", "/etc/userdir/userdir.toml", pgCfg,
		"/var/db/userdir/userdir.db", filepath.Join(dir, "userdir.db")).Replace(snippet)
	r := runCmd(t, nil, nil, "sh", "-c", snippet)
	if r.code != 0 || !strings.Contains(r.stdout, "dump -role all is identical") {
		t.Fatalf("migrate-store to PostgreSQL (%s): %s", snippet, r)
	}
	t.Logf("migrate-store: %s", r.stdout)
	r = runCmd(t, nil, nil, bin, "migrate-store", "-config", backCfg, "-from", pg.URL("postgres"))
	if r.code != 0 {
		t.Fatalf("migrate-store back to SQLite: %s", r)
	}
	again := runCmd(t, nil, nil, bin, "migrate-store", "-config", pgCfg, "-from", filepath.Join(dir, "userdir.db"))
	if again.code == 0 || !strings.Contains(again.stderr, "not empty") {
		t.Errorf("migrate-store into a filled database: %s\nwant a refusal", again)
	}
	var dumps []string
	for _, cfg := range []string{sqliteCfg, pgCfg, backCfg} {
		d := runCmd(t, nil, nil, bin, "dump", "-config", cfg, "-role", "all", "-operational")
		if d.code != 0 {
			t.Fatalf("dump -config %s: %s", cfg, d)
		}
		dumps = append(dumps, d.stdout)
	}
	if dumps[0] != dumps[1] || dumps[0] != dumps[2] {
		t.Errorf("dump -role all differs:\nSQLite:\n%s\nPostgreSQL:\n%s\nback:\n%s", dumps[0], dumps[1], dumps[2])
	}
	for _, cfg := range []string{sqliteCfg, pgCfg, backCfg} {
		j := runCmd(t, nil, nil, bin, "journal", "-config", cfg)
		if j.code != 0 || !strings.Contains(j.stdout, "migrate-1@tyumen.company.ru") {
			t.Errorf("journal -config %s: %s", cfg, j)
		}
	}
}

func mkdir(t *testing.T, parent, name string) string {
	t.Helper()
	d := filepath.Join(parent, name)
	must(t, mkdirAll(d), "create %s", d)
	return d
}

func mkdirAll(d string) error { return os.MkdirAll(d, 0o755) }

// measureVisibility logs how long changes take, from the end of ingest,
// to be found on every node (a measurement: the deadline only bounds it).
func measureVisibility(t *testing.T, bin, cfg string, nodes []pgNode) {
	const rounds = 10
	var delays []time.Duration
	for i := range rounds {
		eml := fmt.Sprintf("visible%02d@company.ru", i)
		ingest(t, bin, cfg, "admin@tyumen.company.ru", tyumenMessage(t, fmt.Sprintf("nodes-vis-%d@tyumen.company.ru", i),
			"_cmd=insert:type=mbox:name=Видимый:eml="+eml))
		start := time.Now()
		for j, nd := range nodes { // look every millisecond, not waitFor's 50
			for {
				got, err := mtaSearch(nd.ldap, "(mail="+eml+")")
				if err == nil && len(got) == 1 {
					break
				}
				if time.Since(start) > 2*time.Second {
					t.Fatalf("%s not on node %d after 2 s: %q, %v", eml, j+1, got, err)
				}
				time.Sleep(time.Millisecond)
			}
		}
		delays = append(delays, time.Since(start))
	}
	slices.Sort(delays)
	t.Logf("visibility on %d nodes over %d changes: median %v, max %v", len(nodes), rounds,
		delays[rounds/2].Round(time.Millisecond), delays[rounds-1].Round(time.Millisecond))
}

// TestIntegrationIngestTimes measures `userdir ingest` of a 1,000-line
// message into a store of 100,000 entries on SQLite and on PostgreSQL, as
// the MTA runs it (a process per message). It only logs.
func TestIntegrationIngestTimes(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 entries twice")
	}
	pg := testdb.NewPostgres(t)
	bin := buildUserdir(t)
	dir := t.TempDir()
	stores := []struct{ name, store string }{
		{"SQLite", filepath.Join(dir, "userdir.db")},
		{"PostgreSQL", pg.URL("postgres")},
	}
	day := time.Now().Add(-24 * time.Hour)
	for i, s := range stores {
		cfg := writeConfig(t, mkdir(t, dir, fmt.Sprint("c", i)), configOptions{store: s.store, listen: []string{"ldap://127.0.0.1:0"}})
		for m := range 10 { // 100,000 entries, 10,000 per message
			lines := make([]string, 10_000)
			for j := range lines {
				n := m*10_000 + j
				lines[j] = fmt.Sprintf("_cmd=insert:type=mbox:name=Сотрудник %06d:eml=u%06d@tyumen.company.ru:gor=88-%05d", n, n, n%100_000)
			}
			ingest(t, bin, cfg, "admin@tyumen.company.ru", commandMessage{code: codeTyumen, from: "admin@tyumen.company.ru",
				to: "dir@relay.company.ru", date: day, messageID: fmt.Sprintf("load-%d@tyumen.company.ru", m), lines: lines}.bytes(t))
		}
		var took []time.Duration
		for r := range 5 {
			lines := make([]string, 1_000)
			for j := range lines {
				n := (r*1_000 + j) * 97 % 100_000
				lines[j] = fmt.Sprintf("_cmd=update:eml=u%06d@tyumen.company.ru:gor=77-%05d:post=Начальник", n, r)
			}
			msg := commandMessage{code: codeTyumen, from: "admin@tyumen.company.ru", to: "dir@relay.company.ru",
				date: day.Add(time.Duration(r+1) * time.Minute), messageID: fmt.Sprintf("upd-%d@tyumen.company.ru", r), lines: lines}.bytes(t)
			start := time.Now()
			ingest(t, bin, cfg, "admin@tyumen.company.ru", msg)
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		t.Logf("%s, 100,000 entries: userdir ingest of a 1,000-line message: median %v (min %v, max %v, 5 runs)",
			s.name, took[2].Round(time.Millisecond), took[0].Round(time.Millisecond), took[4].Round(time.Millisecond))
	}
}
