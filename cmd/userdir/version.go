package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is userdir's release, set when building a release with
// -ldflags "-X main.version=1.2.0". Otherwise buildVersion reads the build
// information Go embeds in every binary.
var version = ""

// buildVersion returns userdir's version: the -ldflags one; else the module
// version (go install userdir/cmd/userdir@v1.2.0); else "devel" with the VCS
// revision and "-dirty" for a build of a modified tree.
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	v, rev, dirty := "devel", "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		v += "+" + rev[:min(12, len(rev))]
		if dirty {
			v += "-dirty"
		}
	}
	return v
}

// runVersion prints the version, the Go release and the platform.
func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintf(e.stdout, "userdir %s %s %s/%s\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
