package testdb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// PostgresServer is a private PostgreSQL server that can be stopped and
// started again on the same data, for tests of what a program does while
// its database is down. Unlike StartPostgres it needs no testing.TB, so a
// package's TestMain can share one server among its tests.
type PostgresServer struct {
	r      runner
	bin    string
	dir    string // holds data/, sock/ and postgres.log
	cmd    *exec.Cmd
	exited chan error
}

// PostgresMissing returns why no PostgreSQL server can be started here,
// or "" when one can.
func PostgresMissing() string {
	if postgresBin() == "" {
		return "PostgreSQL's initdb and postgres are not installed; " + packagesHint
	}
	return ""
}

// NewPostgres starts a PostgresServer for the test and closes it when the
// test ends. A missing PostgreSQL fails the test under CI=true and skips it
// otherwise.
func NewPostgres(tb testing.TB) *PostgresServer {
	tb.Helper()
	if why := PostgresMissing(); why != "" {
		unavailable(tb, "%s", why)
	}
	p, err := StartPostgresServer()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	return p
}

// StartPostgresServer runs initdb in a new temporary directory and starts
// the server, listening on a unix socket only, run as nobody when the
// caller is root. Close stops it and removes its files.
func StartPostgresServer() (*PostgresServer, error) {
	bin := postgresBin()
	if bin == "" {
		return nil, errors.New(PostgresMissing())
	}
	r, err := currentRunner()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "testdb-pg")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	p := &PostgresServer{r: r, bin: bin, dir: dir}
	if err := os.Chown(dir, r.uid, r.gid); err != nil {
		p.Close()
		return nil, fmt.Errorf("chown %s: %w", dir, err)
	}
	steps := [][]string{
		{"/bin/mkdir", "-m", "0700", p.sock()},
		{filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust",
			"-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"},
	}
	for _, s := range steps {
		if err := r.runErr(s[0], s[1:]...); err != nil {
			p.Close()
			return nil, err
		}
	}
	if err := p.Start(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *PostgresServer) sock() string { return filepath.Join(p.dir, "sock") }

// URL returns the URL of database db (e.g. "postgres") for the superuser
// postgres, on the server's socket.
func (p *PostgresServer) URL(db string) string {
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + db,
		RawQuery: url.Values{"host": {p.sock()}}.Encode()}).String()
}

// Start starts the server (again) and waits until it accepts connections.
func (p *PostgresServer) Start() error {
	if p.cmd != nil {
		return errors.New("postgres is already running")
	}
	logf, err := os.OpenFile(filepath.Join(p.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := p.r.command(context.Background(), filepath.Join(p.bin, "postgres"), "-D", filepath.Join(p.dir, "data"),
		"-k", p.sock(), "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=100", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	p.cmd, p.exited = cmd, make(chan error, 1)
	go func() { p.exited <- cmd.Wait() }()
	db, err := sql.Open("pgx", p.URL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case werr := <-p.exited:
			p.cmd = nil
			return fmt.Errorf("postgres exited before accepting connections (%v):\n%s", werr, p.log())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return fmt.Errorf("postgres not ready after %v: %v\n%s", startTimeout, err, p.log())
		}
	}
}

// Stop stops the server (a fast shutdown: open transactions are rolled
// back, clients disconnected) and waits for it to exit.
func (p *PostgresServer) Stop() {
	if p.cmd == nil {
		return
	}
	pid := p.cmd.Process.Pid
	_ = syscall.Kill(pid, syscall.SIGINT)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-p.exited
	}
	p.cmd = nil
}

// Close stops the server and removes its files.
func (p *PostgresServer) Close() {
	p.Stop()
	_ = os.RemoveAll(p.dir)
}

func (p *PostgresServer) log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
	return string(b)
}

// currentRunner is newRunner without a test: as nobody when root.
func currentRunner() (runner, error) {
	if os.Geteuid() != 0 {
		return runner{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return runner{}, fmt.Errorf("running as root, and there is no user nobody to run a database server as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return runner{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid: uid, gid: gid}, nil
}

// runErr runs program to completion; its output comes with the error.
func (r runner) runErr(program string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := r.command(ctx, program, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %w\n%s", program, args, err, out.String())
	}
	return nil
}
