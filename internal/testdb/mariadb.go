package testdb

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// StartMariaDB starts a private MariaDB server for the test and returns a
// DSN for github.com/go-sql-driver/mysql that connects as root over its
// unix socket to an empty database "test", e.g.
// "root@unix(/tmp/testdb-my123/mysqld.sock)/test?charset=utf8mb4". The
// server reads no option file, has no TCP listener and no binary log, and
// is stopped and its files removed when the test ends.
func StartMariaDB(tb testing.TB) string {
	tb.Helper()
	install, server := lookProgram("mariadb-install-db", "mysql_install_db"), lookProgram("mariadbd", "mysqld")
	if install == "" || server == "" {
		unavailable(tb, "MariaDB's mariadb-install-db and mariadbd are not installed")
	}
	r := newRunner(tb)
	dir := r.privateDir(tb, "testdb-my")
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "mysqld.sock")
	r.run(tb, install, "--no-defaults", "--datadir="+data, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve", "--innodb-buffer-pool-size=16M")
	cmd := r.command(context.Background(), server, "--no-defaults", "--datadir="+data, "--socket="+sock,
		"--skip-networking", "--pid-file="+filepath.Join(dir, "mysqld.pid"), "--skip-log-bin",
		"--innodb-buffer-pool-size=16M", "--innodb-flush-log-at-trx-commit=0", "--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci", "--log-error="+filepath.Join(dir, "mysqld.log"))
	s := start(tb, cmd, filepath.Join(dir, "mysqld.out"))
	s.log = filepath.Join(dir, "mysqld.log")

	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", sock
	cfg.Params = map[string]string{"charset": "utf8mb4"}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatalf("open mariadb: %v", err)
	}
	defer db.Close()
	s.waitReady(tb, db)
	if _, err := db.Exec("CREATE DATABASE test CHARACTER SET utf8mb4"); err != nil {
		tb.Fatalf("create database test: %v", err)
	}
	cfg.DBName = "test"
	return cfg.FormatDSN()
}
