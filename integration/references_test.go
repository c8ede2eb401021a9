package integration

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outside matches a reference to something outside the repository: the
// shared directory next to a work tree, or the design brief that docs/
// replaced (by file name, or cited by section). The words are split so
// that this file does not match itself.
var outside = regexp.MustCompile(`\.\./sh` + `ared|\bSP` + `EC\b`)

// TestNoReferencesOutsideRepository fails when a tracked file cites the
// old design brief or the shared directory beside the work tree: a clone
// must stand on its own, so design references point into docs/.
func TestNoReferencesOutsideRepository(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files := repoFiles(t, root)
	if len(files) < 20 {
		t.Fatalf("found only %d files under %s; is this the repository?", len(files), root)
	}
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, not yet in the index
			}
			t.Fatal(err)
		}
		if bytes.IndexByte(b, 0) >= 0 {
			continue // binary
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := outside.FindString(line); m != "" {
				t.Errorf("%s:%d: %q refers outside the repository (cite docs/ instead): %s",
					name, i+1, m, strings.TrimSpace(line))
			}
		}
	}
}

// repoFiles lists the tracked files (git ls-files), or, without git, every
// file under root except .git.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	if out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
		return files
	}
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return files
}
