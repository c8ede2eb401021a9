package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// StartPostgres starts a private PostgreSQL server for the test and returns
// the URL of its database "postgres" for the superuser "postgres", e.g.
// "postgres://postgres@/postgres?host=/tmp/testdb-pg123/sock". It listens
// only on a unix socket in its own directory, trusts local connections,
// and runs with fsync off. The server is stopped and its files removed
// when the test ends.
func StartPostgres(tb testing.TB) string {
	tb.Helper()
	bin := postgresBin()
	if bin == "" {
		unavailable(tb, "PostgreSQL's initdb and postgres are not installed")
	}
	r := newRunner(tb)
	dir := r.privateDir(tb, "testdb-pg")
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	r.run(tb, "/bin/mkdir", "-m", "0700", sock)
	r.run(tb, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
	cmd := r.command(context.Background(), filepath.Join(bin, "postgres"), "-D", data, "-k", sock,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=20", "-c", "shared_buffers=16MB")
	s := start(tb, cmd, filepath.Join(dir, "postgres.log"))
	dsn := (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {sock}}.Encode()}).String()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", dsn, err)
	}
	defer db.Close()
	s.waitReady(tb, db)
	return dsn
}

// postgresBin returns the newest /usr/lib/postgresql/N/bin that has initdb
// and postgres, or "".
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if firstExisting(filepath.Join(d, "initdb")) != "" && firstExisting(filepath.Join(d, "postgres")) != "" {
			return d
		}
	}
	return ""
}

// versionOf returns the major version N of /usr/lib/postgresql/N/bin.
func versionOf(binDir string) int {
	var n int
	_, _ = fmt.Sscanf(filepath.Base(filepath.Dir(binDir)), "%d", &n)
	return n
}
