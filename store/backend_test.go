package store

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"

	"userdir/internal/testdb"
)

// The whole store test suite runs twice: on SQLite, then on PostgreSQL
// (one private server for the package, a fresh schema for every store a
// test opens). MustOpen and holdWriteLock open whichever backend the run
// is for; the few tests that are about one engine's own files or settings
// say so with onlyOn. Without PostgreSQL the second run fails under
// CI=true and is skipped otherwise.

// backend is the engine of the current run: "sqlite" or "postgres".
var backend = "sqlite"

// pg is the shared server of the PostgreSQL run, and admin a connection
// to its database postgres.
var pg struct {
	srv   *testdb.PostgresServer
	admin *sql.DB
	mu    sync.Mutex
	n     int
	paths map[string]string // a test's SQLite path → its schema's URL
}

func TestMain(m *testing.M) {
	code := m.Run()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		os.Exit(code) // fuzzing: the rules are pure, one engine is enough
	}
	if why := testdb.PostgresMissing(); why != "" {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "store tests on PostgreSQL: %s (CI=true: they must run)\n", why)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "store tests on PostgreSQL skipped: %s\n", why)
		os.Exit(code)
	}
	srv, err := testdb.StartPostgresServer()
	if err != nil {
		fmt.Fprintf(os.Stderr, "store tests on PostgreSQL: %v\n", err)
		os.Exit(1)
	}
	pg.srv, pg.paths = srv, map[string]string{}
	pg.admin, err = sql.Open("pgx", srv.URL("postgres"))
	if err != nil {
		srv.Close()
		fmt.Fprintf(os.Stderr, "store tests on PostgreSQL: %v\n", err)
		os.Exit(1)
	}
	backend = "postgres"
	fmt.Println("=== the store tests again, on PostgreSQL")
	code2 := m.Run()
	pg.admin.Close()
	srv.Close()
	os.Exit(max(code, code2))
}

// onlyOn skips a test about one engine's own files or settings in the run
// of the other (it ran, or runs, in its own).
func onlyOn(tb testing.TB, engine string) {
	tb.Helper()
	if backend != engine {
		tb.Skipf("about %s only; this run is on %s", engine, backend)
	}
}

// newSchema returns the URL of a new, empty schema of the shared
// PostgreSQL server: a store of its own.
func newSchema(tb testing.TB) string {
	tb.Helper()
	pg.mu.Lock()
	pg.n++
	name := fmt.Sprintf("t%d", pg.n)
	pg.mu.Unlock()
	if _, err := pg.admin.ExecContext(context.Background(), "CREATE SCHEMA "+name); err != nil {
		tb.Fatalf("create schema %s: %v", name, err)
	}
	tb.Cleanup(func() { pg.admin.ExecContext(context.Background(), "DROP SCHEMA "+name+" CASCADE") })
	u, err := url.Parse(pg.srv.URL("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// storePath returns what Options.Path is for a test's store at path ("":
// a new one) in the current run: the path itself on SQLite, the URL of the
// path's own schema on PostgreSQL.
func storePath(tb testing.TB, path string) string {
	tb.Helper()
	if backend != "postgres" || IsPostgres(path) {
		return path
	}
	if path == "" {
		return newSchema(tb)
	}
	pg.mu.Lock()
	u, ok := pg.paths[path]
	pg.mu.Unlock()
	if !ok {
		u = newSchema(tb)
		pg.mu.Lock()
		pg.paths[path] = u
		pg.mu.Unlock()
	}
	return u
}
