package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntegrationContribSystemdUnit: contrib/systemd/userdir.service
// passes systemd-analyze verify without a warning.
func TestIntegrationContribSystemdUnit(t *testing.T) {
	tools := requireTools(t, "systemd-analyze")
	bin := buildUserdir(t)
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "contrib", "systemd", "userdir.service"))
	must(t, err, "read the unit")
	unit := strings.ReplaceAll(string(data), "/usr/local/bin/userdir", bin)
	path := filepath.Join(dir, "userdir.service")
	must(t, os.WriteFile(path, []byte(unit), 0o644), "write the unit")
	r := runCmd(t, nil, nil, tools["systemd-analyze"], "verify", path)
	if r.code != 0 || strings.TrimSpace(r.stdout+r.stderr) != "" {
		t.Fatalf("systemd-analyze verify contrib/systemd/userdir.service: %s", r)
	}
}
