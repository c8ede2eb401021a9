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
	"unicode"
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

// docRef matches a reference into the design pages or the README, as code
// comments and Markdown links write it: docs/protocol.md#command-lines,
// (../docs/roles.md), README.md#configuration, or (protocol.md#meaning)
// between pages of docs/.
var docRef = regexp.MustCompile(`(?:\bdocs/|\]\()([A-Za-z0-9_.-]+\.md)(#[a-z0-9_-]+)?|\b(README\.md)(#[a-z0-9_-]+)`)

// TestDocReferencesResolve checks that every reference to a page of docs/,
// or to a section of the README, names a page and a heading that exist, so
// that moving or renaming a section cannot leave the code pointing nowhere.
func TestDocReferencesResolve(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]map[string]bool{} // page path from root -> anchors
	pageAnchors := func(page string) map[string]bool {
		if a, ok := anchors[page]; ok {
			return a
		}
		b, err := os.ReadFile(filepath.Join(root, page))
		if err != nil {
			anchors[page] = nil
			return nil
		}
		a := map[string]bool{}
		for _, line := range strings.Split(string(b), "\n") {
			if h := strings.TrimLeft(line, "#"); h != line && strings.HasPrefix(h, " ") {
				a[headingAnchor(h)] = true
			}
		}
		anchors[page] = a
		return a
	}
	for _, name := range repoFiles(t, root) {
		if strings.HasPrefix(name, "bench/results/") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || bytes.IndexByte(b, 0) >= 0 {
			continue
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range docRef.FindAllStringSubmatch(line, -1) {
				page, anchor := "docs/"+m[1], m[2]
				switch {
				case m[3] != "":
					page, anchor = "README.md", m[4]
				case strings.HasPrefix(m[0], "]("):
					if !strings.HasPrefix(name, "docs/") {
						continue // a link relative to another directory; not ours to check
					}
				}
				a := pageAnchors(page)
				if a == nil {
					t.Errorf("%s:%d: %s: no page %s", name, i+1, m[0], page)
				} else if anchor != "" && !a[anchor[1:]] {
					t.Errorf("%s:%d: %s: %s has no heading %s", name, i+1, m[0], page, anchor)
				}
			}
		}
	}
}

// headingAnchor is the anchor GitHub gives a Markdown heading: lower case,
// punctuation dropped, spaces turned into hyphens.
func headingAnchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
