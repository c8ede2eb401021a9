package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// serveTimeout bounds how long `userdir serve` may take to listen, and to
// stop after SIGTERM.
const serveTimeout = 15 * time.Second

// buildUserdir builds ./cmd/userdir into a fresh temporary directory and
// returns the binary's path.
func buildUserdir(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "userdir")
	r := runCmd(tb, nil, nil, "go", "build", "-o", bin, "../cmd/userdir")
	if r.code != 0 {
		tb.Fatalf("go build ../cmd/userdir: %s", r)
	}
	return bin
}

// configOptions is what a test changes in testdata/userdir.toml. Zero
// values keep nothing of the sample: store and listen must be given.
type configOptions struct {
	store   string   // store: absolute path of the SQLite file
	listen  []string // ldap.listen: URLs on 127.0.0.1 port 0
	tlsCert string   // ldap.tls_cert, optional
	tlsKey  string   // ldap.tls_key, optional
	http    string   // http.listen, optional
	// edit, if set, changes the decoded configuration before it is written.
	edit func(cfg map[string]any)
}

// writeConfig writes the sample configuration testdata/userdir.toml (its
// divisions, codes, senders and accounts) with o's changes as
// dir/userdir.toml, readable by everyone (Postfix's pipe user reads it),
// and returns its path.
func writeConfig(tb testing.TB, dir string, o configOptions) string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "userdir.toml"))
	if err != nil {
		tb.Fatalf("read the sample configuration: %v", err)
	}
	var cfg map[string]any
	if err := toml.Unmarshal(data, &cfg); err != nil {
		tb.Fatalf("parse testdata/userdir.toml: %v", err)
	}
	ldap, ok := cfg["ldap"].(map[string]any)
	if !ok {
		tb.Fatalf("testdata/userdir.toml has no [ldap] table")
	}
	cfg["store"] = o.store
	ldap["listen"] = o.listen
	if o.tlsCert != "" {
		ldap["tls_cert"], ldap["tls_key"] = o.tlsCert, o.tlsKey
	}
	if o.http != "" {
		cfg["http"] = map[string]any{"listen": o.http}
	}
	if o.edit != nil {
		o.edit(cfg)
	}
	out, err := toml.Marshal(cfg)
	if err != nil {
		tb.Fatalf("encode the test configuration: %v", err)
	}
	path := filepath.Join(dir, "userdir.toml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		tb.Fatalf("write the test configuration: %v", err)
	}
	return path
}

// ingest runs `userdir ingest` on msg with envelope sender sender and
// fails the test unless it exits 0.
func ingest(tb testing.TB, bin, cfg, sender string, msg []byte) {
	tb.Helper()
	r := runCmd(tb, msg, nil, bin, "ingest", "-config", cfg, "-sender", sender)
	if r.code != 0 {
		tb.Fatalf("userdir ingest: %s", r)
	}
}

// lineLog collects a process's stderr and reports each whole line to
// onLine; it is the process's Stderr writer.
type lineLog struct {
	mu     sync.Mutex
	all    bytes.Buffer
	part   []byte
	onLine func(string)
}

// Write implements io.Writer.
func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.onLine(string(l.part[:i]))
		l.part = l.part[i+1:]
	}
}

// String returns everything written so far.
func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// server is a running `userdir serve`.
type server struct {
	urls []string // the listening URLs, in the configuration's order
	log  *lineLog // its stderr
	cmd  *exec.Cmd
}

// startServe starts `userdir serve` with configuration cfg, as the user of
// cred when it is not nil, and waits (with a deadline, not a sleep) for the
// "listening" log line of each of its n listeners. The server is stopped
// with SIGTERM when the test ends, and must then exit 0.
func startServe(tb testing.TB, bin, cfg string, n int, cred *syscall.Credential) *server {
	tb.Helper()
	urls := make(chan string, n)
	s := &server{log: &lineLog{onLine: func(line string) {
		if u, ok := listeningURL(line); ok {
			urls <- u
		}
	}}}
	cmd := exec.Command(bin, "serve", "-config", cfg, "-log-level", "debug")
	cmd.Stderr = s.log
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start userdir serve: %v", err)
	}
	s.cmd = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() { stopServe(tb, cmd, exited, s.log) })
	timeout := time.NewTimer(serveTimeout)
	defer timeout.Stop()
	for len(s.urls) < n {
		select {
		case u := <-urls:
			s.urls = append(s.urls, u)
		case err := <-exited:
			exited <- err // for stopServe
			tb.Fatalf("userdir serve exited before listening (%v):\n%s", err, s.log)
		case <-timeout.C:
			tb.Fatalf("userdir serve did not log %d listening lines within %v:\n%s", n, serveTimeout, s.log)
		}
	}
	return s
}

// listeningURL returns the url= value of a "msg=listening" log line.
func listeningURL(line string) (string, bool) {
	if !strings.Contains(line, " msg=listening ") {
		return "", false
	}
	for _, f := range strings.Fields(line) {
		if u, ok := strings.CutPrefix(f, "url="); ok {
			return u, true
		}
	}
	return "", false
}

// stopServe sends SIGTERM and expects a graceful exit 0 in time; a server
// that does not stop is killed and fails the test.
func stopServe(tb testing.TB, cmd *exec.Cmd, exited chan error, log *lineLog) {
	tb.Helper()
	select {
	case err := <-exited:
		tb.Errorf("userdir serve had exited before the test ended (%v):\n%s", err, log)
		return
	default:
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Errorf("SIGTERM userdir serve: %v", err)
	}
	select {
	case err := <-exited:
		if err != nil {
			tb.Errorf("userdir serve after SIGTERM: %v, want exit 0:\n%s", err, log)
		}
	case <-time.After(serveTimeout):
		cmd.Process.Kill()
		<-exited
		tb.Errorf("userdir serve did not stop within %v of SIGTERM:\n%s", serveTimeout, log)
	}
}

// must fails the test when err is not nil.
func must(tb testing.TB, err error, what string, args ...any) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}
