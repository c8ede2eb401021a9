package phonebook

import (
	"encoding/xml"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestReadmePaths requests every path of the README's phonebook-paths
// block as a reader and as an anonymous client: each is served, and is
// well-formed XML or JSON.
func TestReadmePaths(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(data), "<!-- readme-test: phonebook-paths -->\n```\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no readme-test phonebook-paths block")
	}
	h, _, _ := newTest(t, book())
	paths := strings.Fields(block)
	if len(paths) < 8 {
		t.Fatalf("README lists %d paths", len(paths))
	}
	for _, path := range paths {
		w := get(t, h, path, phonePeer)
		if w.Code != http.StatusOK {
			t.Errorf("%s: status %d: %s", path, w.Code, w.Body)
			continue
		}
		if strings.HasPrefix(w.Header().Get("Content-Type"), "text/xml") {
			var any struct{ XMLName xml.Name }
			if err := xml.Unmarshal(w.Body.Bytes(), &any); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
		anon := get(t, h, path, anonPeer)
		whole := !strings.Contains(path, "?") && path != "/phonebook/cisco"
		if whole && anon.Code != http.StatusUnauthorized || !whole && anon.Code != http.StatusOK {
			t.Errorf("%s anonymous: status %d", path, anon.Code)
		}
	}
}
