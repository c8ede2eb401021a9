package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// result is what a run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs userdir in-process with args, stdin and the environment vars.
func runCmd(tb testing.TB, stdin string, vars map[string]string, args ...string) result {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{
		stdin:  strings.NewReader(stdin),
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(k string) string { return vars[k] },
	}
	code := run(context.Background(), args, e)
	return result{code, stdout.String(), stderr.String()}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{nil, {"help"}, {"-h"}, {"--help"}, {"help", "nonesuch"}} {
		r := runCmd(t, "", nil, args...)
		if r.code != exitOK || r.stderr != "" {
			t.Errorf("userdir %q: exit %d, stderr %q; want 0 and nothing", args, r.code, r.stderr)
		}
		for _, c := range commands {
			if !strings.Contains(r.stdout, c.name) || !strings.Contains(r.stdout, c.summary) {
				t.Errorf("userdir %q does not list %s: %q", args, c.name, r.stdout)
			}
		}
	}
}

func TestHelpCommand(t *testing.T) {
	tests := []struct{ cmd, flag string }{
		{"check-config", "-config"},
		{"passwd", "-cost"},
	}
	for _, tc := range tests {
		r := runCmd(t, "", nil, "help", tc.cmd)
		if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "usage: userdir "+tc.cmd) || !strings.Contains(r.stdout, tc.flag) {
			t.Errorf("userdir help %s: exit %d, stdout %q, stderr %q; want 0 and its usage with %s on stdout",
				tc.cmd, r.code, r.stdout, r.stderr, tc.flag)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	r := runCmd(t, "", nil, "frobnicate", "-x")
	if r.code != exitUsage || r.stdout != "" {
		t.Errorf("exit %d, stdout %q; want 2 and nothing", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, `unknown command "frobnicate"`) || !strings.Contains(r.stderr, "check-config") {
		t.Errorf("stderr %q: want the unknown command and the list", r.stderr)
	}
}

func TestCommandTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range commands {
		if seen[c.name] || c.name == "" || c.summary == "" || c.run == nil {
			t.Errorf("command %+v: want a unique name, a summary and a run func", c)
		}
		seen[c.name] = true
		if lookup(c.name) == nil {
			t.Errorf("lookup(%q) = nil", c.name)
		}
	}
}

func TestBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"check-config", "-nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"check-config", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"check-config", "-h"}, exitOK, "usage: userdir check-config"},
		{[]string{"passwd", "-cost", "ten"}, exitUsage, "invalid value"},
	}
	for _, tc := range tests {
		r := runCmd(t, "", nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.err) || r.stdout != "" {
			t.Errorf("userdir %q: exit %d, stderr %q, stdout %q; want %d, …%s…, nothing",
				tc.args, r.code, r.stderr, r.stdout, tc.code, tc.err)
		}
	}
}

func TestLoadConfigResolution(t *testing.T) {
	dir := t.TempDir()
	flagPath, envPath := filepath.Join(dir, "flag.toml"), filepath.Join(dir, "env.toml")
	for _, p := range []string{flagPath, envPath} {
		if err := os.WriteFile(p, []byte("[[division]]\nid = \"a\"\nname = \"A\"\ncode = \"1\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, flag, env, want string
	}{
		{"flag wins", flagPath, envPath, flagPath},
		{"environment", "", envPath, envPath},
		{"default", "", "", defaultConfigPath},
	}
	for _, tc := range tests {
		e := &env{getenv: func(k string) string {
			if k == "USERDIR_CONFIG" {
				return tc.env
			}
			return ""
		}}
		c, err := loadConfig(e, tc.flag)
		var pe *fs.PathError
		switch {
		case err == nil && c.Path != tc.want:
			t.Errorf("%s: loaded %s, want %s", tc.name, c.Path, tc.want)
		case err != nil && !(errors.As(err, &pe) && pe.Path == tc.want):
			t.Errorf("%s: %v, want to load %s", tc.name, err, tc.want)
		}
	}
}

func TestLogLevelFlag(t *testing.T) {
	tests := []struct {
		arg  string
		want slog.Level
		ok   bool
	}{
		{"", slog.LevelInfo, true},
		{"debug", slog.LevelDebug, true},
		{"INFO", slog.LevelInfo, true},
		{"warn", slog.LevelWarn, true},
		{"error", slog.LevelError, true},
		{"verbose", 0, false},
	}
	for _, tc := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		level := logLevelFlag(fs)
		var args []string
		if tc.arg != "" {
			args = []string{"-log-level", tc.arg}
		}
		err := fs.Parse(args)
		if (err == nil) != tc.ok || (tc.ok && level.Level() != tc.want) {
			t.Errorf("-log-level %q: level %v, error %v; want %v, ok %v", tc.arg, level.Level(), err, tc.want, tc.ok)
		}
	}
}

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	log := newLogger(&env{stderr: &buf}, level)
	log.Info("quiet")
	log.Warn("loud", "division", "tyumen")
	if got := buf.String(); strings.Contains(got, "quiet") || !strings.Contains(got, "msg=loud division=tyumen") {
		t.Errorf("log = %q, want only the warning", got)
	}
}
