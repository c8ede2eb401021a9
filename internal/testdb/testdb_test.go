package testdb

import (
	"database/sql"
	"testing"
)

// TestStart starts each server and round-trips Cyrillic text through it.
func TestStart(t *testing.T) {
	for _, tc := range []struct {
		name, driver string
		start        func(testing.TB) string
	}{
		{"postgres", "pgx", StartPostgres},
		{"mariadb", "mysql", StartMariaDB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.start(t)
			db, err := sql.Open(tc.driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE t (s VARCHAR(64))"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("INSERT INTO t VALUES ('Иванов Иван')"); err != nil {
				t.Fatal(err)
			}
			var got string
			if err := db.QueryRow("SELECT s FROM t").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != "Иванов Иван" {
				t.Errorf("read back %q, want %q", got, "Иванов Иван")
			}
		})
	}
}
