// Package readme reads the repository's README.md for tests: its text and
// the code blocks marked "<!-- readme-test: NAME -->", which the tests run
// or check so that the operator's manual cannot rot.
package readme

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Text returns README.md, found in the first directory upwards from the
// test's working directory that holds go.mod.
func Text(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
	data, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		tb.Fatalf("read README.md: %v", err)
	}
	return string(data)
}

// Blocks returns the code blocks that follow a "<!-- readme-test: NAME -->"
// line, by NAME, each without its fences and ending in a newline.
func Blocks(tb testing.TB) map[string]string {
	tb.Helper()
	blocks := map[string]string{}
	lines := strings.Split(Text(tb), "\n")
	for i := 0; i < len(lines); i++ {
		name, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "<!-- readme-test: ")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, " -->")
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			tb.Fatalf("README.md:%d: readme-test %q is not followed by a code block", i+1, name)
		}
		var body []string
		for j := i + 2; j < len(lines) && !strings.HasPrefix(lines[j], "```"); j++ {
			body = append(body, lines[j])
		}
		blocks[name] = strings.Join(body, "\n") + "\n"
	}
	return blocks
}

// Block returns the block called name, failing the test when there is none.
func Block(tb testing.TB, name string) string {
	tb.Helper()
	b, ok := Blocks(tb)[name]
	if !ok {
		tb.Fatalf("README.md has no readme-test block %q", name)
	}
	return b
}
