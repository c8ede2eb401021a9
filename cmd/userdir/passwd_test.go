package main

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPasswd(t *testing.T) {
	tests := []struct {
		name, stdin, password string
		args                  []string
		cost                  int
	}{
		{"line", "hunter2\n", "hunter2", []string{"-cost", "4"}, 4},
		{"crlf", "hunter2\r\n", "hunter2", []string{"-cost", "4"}, 4},
		{"no newline", "hunter2", "hunter2", []string{"-cost", "4"}, 4},
		{"first line only, spaces kept", " pass word \nsecond\n", " pass word ", []string{"-cost", "5"}, 5},
		{"unicode", "пароль\n", "пароль", []string{"-cost", "4"}, 4},
		{"72 bytes", strings.Repeat("x", 72), strings.Repeat("x", 72), []string{"-cost", "4"}, 4},
		{"default cost", "hunter2\n", "hunter2", nil, 10},
	}
	for _, tc := range tests {
		r := runCmd(t, tc.stdin, nil, append([]string{"passwd"}, tc.args...)...)
		if r.code != exitOK || r.stderr != "" || !strings.HasSuffix(r.stdout, "\n") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 0 and a hash line", tc.name, r.code, r.stdout, r.stderr)
			continue
		}
		hash := []byte(strings.TrimSuffix(r.stdout, "\n"))
		if err := bcrypt.CompareHashAndPassword(hash, []byte(tc.password)); err != nil {
			t.Errorf("%s: hash %s does not verify %q: %v", tc.name, hash, tc.password, err)
		}
		if cost, err := bcrypt.Cost(hash); err != nil || cost != tc.cost {
			t.Errorf("%s: cost %d (%v), want %d", tc.name, cost, err, tc.cost)
		}
	}
}

func TestPasswdRefuses(t *testing.T) {
	tests := []struct {
		name, stdin string
		args        []string
		code        int
		err         string
	}{
		{"empty input", "", nil, exitFailure, "empty password refused"},
		{"empty line", "\nhunter2\n", nil, exitFailure, "empty password refused"},
		{"73 bytes", strings.Repeat("x", 73), nil, exitFailure, "longer than 72 bytes"},
		{"cost too low", "hunter2", []string{"-cost", "3"}, exitUsage, "-cost must be from 4 to 31"},
		{"cost too high", "hunter2", []string{"-cost", "32"}, exitUsage, "-cost must be from 4 to 31"},
	}
	for _, tc := range tests {
		r := runCmd(t, tc.stdin, nil, append([]string{"passwd"}, tc.args...)...)
		if r.code != tc.code || r.stdout != "" || !strings.Contains(r.stderr, tc.err) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d, nothing, …%s…", tc.name, r.code, r.stdout, r.stderr, tc.code, tc.err)
		}
	}
}
