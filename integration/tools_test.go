package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// packagesHint names what a machine needs for these tests.
const packagesHint = "install the Debian packages ldap-utils, postfix and postfix-ldap (see integration/doc_test.go)"

// commandTimeout bounds every external command the tests run.
const commandTimeout = 30 * time.Second

// unavailable stops a test that cannot run on this machine: it fails under
// CI=true, where the environment must provide everything, and skips
// otherwise.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s; %s (CI=true: integration tests must run)", msg, packagesHint)
		return
	}
	tb.Skipf("%s; %s", msg, packagesHint)
}

// lookTool returns the path of program name: from $PATH, else from the
// sbin directories Debian installs Postfix into (not on a user's $PATH).
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}

// requireTools returns the paths of the named programs, or stops the test
// (see unavailable) when one is missing.
func requireTools(tb testing.TB, names ...string) map[string]string {
	tb.Helper()
	paths := make(map[string]string, len(names))
	for _, n := range names {
		p, err := lookTool(n)
		if err != nil {
			unavailable(tb, "%s is not installed", n)
		}
		paths[n] = p
	}
	return paths
}

// requireRoot stops the test when it is not root: Postfix's master, its
// queue ownership and the pipe's user= need it.
func requireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		unavailable(tb, "a private Postfix instance needs root (euid is %d)", os.Geteuid())
	}
}

// result is what a finished external command did.
type result struct {
	code           int // exit status
	stdout, stderr string
}

// String describes r for failure messages.
func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// runCmd runs cmd to completion within commandTimeout with stdin as its
// input and returns its exit status and output. A command that cannot be
// started or does not finish in time fails the test: only a real exit
// status is a result.
func runCmd(tb testing.TB, stdin []byte, env []string, name string, args ...string) result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		tb.Fatalf("%s %q did not finish within %v\n%s", name, args, commandTimeout, r)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		tb.Fatalf("run %s %q: %v", name, args, err)
	}
	return r
}

// waitFor polls cond every 50 ms until it returns true or the deadline
// passes; then it fails the test with what cond last reported.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s; last state:\n%s", timeout, what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recordingTB is a testing.TB that records Skipf and Fatalf instead of
// stopping the test.
type recordingTB struct {
	testing.TB
	skipped, fatal string
}

func (r *recordingTB) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

// TestIntegrationUnavailable checks that a missing program skips the
// tests on a developer's machine and fails them under CI=true, naming
// the packages to install.
func TestIntegrationUnavailable(t *testing.T) {
	tests := []struct {
		ci                  string
		wantSkip, wantFatal bool
	}{
		{ci: "", wantSkip: true},
		{ci: "false", wantSkip: true},
		{ci: "true", wantFatal: true},
	}
	for _, tt := range tests {
		t.Setenv("CI", tt.ci)
		r := &recordingTB{TB: t}
		requireTools(r, "userdir-integration-no-such-program")
		if (r.skipped != "") != tt.wantSkip || (r.fatal != "") != tt.wantFatal {
			t.Errorf("CI=%q: skipped %q, fatal %q; want skip %v, fatal %v", tt.ci, r.skipped, r.fatal, tt.wantSkip, tt.wantFatal)
		}
		for _, msg := range []string{r.skipped, r.fatal} {
			if msg != "" && (!strings.Contains(msg, "userdir-integration-no-such-program") || !strings.Contains(msg, "postfix-ldap")) {
				t.Errorf("CI=%q: message %q should name the program and the packages", tt.ci, msg)
			}
		}
	}
}
