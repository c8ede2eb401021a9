// Package seeds reads the sample files that fuzz tests start from: the
// real-world messages under testdata/ and the saved corpora, shared by the
// packages that fuzz the mail and command parsers.
package seeds

import (
	"os"
	"path/filepath"
	"testing"
)

// Files returns the contents of the files matching the glob patterns,
// relative to the module root (one level above the calling package's
// directory). It fails tb when a pattern is malformed, a file cannot be
// read, or nothing matches at all.
func Files(tb testing.TB, patterns ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("..", p))
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, data)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no seed files match %v", patterns)
	}
	return out
}
