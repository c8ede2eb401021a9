// Package testdb starts private database servers for tests: a PostgreSQL
// and a MariaDB of the test's own, each with its own data directory and
// unix socket in a temporary directory, no TCP listener, and stopped and
// removed when the test ends. Nothing of the machine's own servers is
// touched.
//
// When a server program is missing the test fails under CI=true (where
// the environment must provide everything: .ci/run installs the Debian
// packages postgresql and mariadb-server) and is skipped otherwise. Run
// as root, the servers run as the unprivileged user nobody, since neither
// agrees to run as root.
package testdb

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds the set-up of a server (initdb, install-db) and the
// wait for it to accept connections.
const startTimeout = 90 * time.Second

// packagesHint names what a machine needs for the tests that use this package.
const packagesHint = "install the Debian packages postgresql and mariadb-server (.ci/run does)"

// unavailable stops a test that cannot run on this machine: it fails under
// CI=true and skips otherwise.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s; %s (CI=true: integration tests must run)", msg, packagesHint)
	}
	tb.Skipf("%s; %s", msg, packagesHint)
}

// runner says how the server programs are run: as nobody when the test
// runs as root, else as the test's own user.
type runner struct {
	cred *syscall.Credential // nil: as ourselves
	uid  int
	gid  int
}

// newRunner returns the runner for this process.
func newRunner(tb testing.TB) runner {
	tb.Helper()
	if os.Geteuid() != 0 {
		return runner{uid: os.Geteuid(), gid: os.Getegid()}
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		unavailable(tb, "running as root, and there is no user nobody to run a database server as: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return runner{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid: uid, gid: gid}
}

// command returns cmd for program with args, run as r's user with a
// minimal environment.
func (r runner) command(ctx context.Context, program string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "HOME=/tmp"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred, Setpgid: true}
	return cmd
}

// run runs program to completion and fails the test with its output when
// it fails.
func (r runner) run(tb testing.TB, program string, args ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := r.command(ctx, program, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %v: %v\n%s", program, args, err, out.String())
	}
}

// privateDir returns a new empty directory owned by r's user, removed when
// the test ends. It is made with os.MkdirTemp rather than t.TempDir, whose
// parent only the test's own user may enter; its path is short, since a
// unix socket path is limited to 107 bytes.
func (r runner) privateDir(tb testing.TB, prefix string) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		tb.Fatalf("temporary directory: %v", err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chown(dir, r.uid, r.gid); err != nil {
		tb.Fatalf("chown %s: %v", dir, err)
	}
	return dir
}

// server is a started server process.
type server struct {
	cmd    *exec.Cmd
	exited chan error
	log    string // its log file
}

// start starts cmd, logging to logFile, and stops it (SIGTERM to its
// process group, then SIGKILL) when the test ends.
func start(tb testing.TB, cmd *exec.Cmd, logFile string) *server {
	tb.Helper()
	f, err := os.Create(logFile)
	if err != nil {
		tb.Fatalf("log file: %v", err)
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", cmd.Path, err)
	}
	s := &server{cmd: cmd, exited: make(chan error, 1), log: logFile}
	go func() { s.exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		pgid := cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-s.exited
		}
	})
	return s
}

// waitReady pings db until it answers, the server exits or startTimeout
// passes; the latter two fail the test with the server's log.
func (s *server) waitReady(tb testing.TB, db *sql.DB) {
	tb.Helper()
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case werr := <-s.exited:
			s.exited <- werr
			tb.Fatalf("%s exited before accepting connections (%v):\n%s", s.cmd.Path, werr, s.logText())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s not ready after %v: %v\n%s", s.cmd.Path, startTimeout, err, s.logText())
		}
	}
}

// logText returns the server's log so far.
func (s *server) logText() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// firstExisting returns the first of paths that is an executable file, or "".
func firstExisting(paths ...string) string {
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// lookProgram finds name on $PATH or in the sbin directories.
func lookProgram(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if p := firstExisting(filepath.Join("/usr/sbin", n), filepath.Join("/usr/local/sbin", n)); p != "" {
			return p
		}
	}
	return ""
}
