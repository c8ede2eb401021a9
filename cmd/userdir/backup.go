package main

import (
	"context"
	"fmt"

	"userdir/store"
)

// runBackup writes a consistent copy of the store to FILE while `serve` and
// `ingest` go on using it, and checks the copy (PRAGMA integrity_check).
func runBackup(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "backup", "[-config FILE] FILE")
	path := configFlag(fs)
	if err := fs.Parse(args); err != nil {
		if code, _ := parseFlags(fs, args); code == exitOK {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(e.stderr, "userdir backup: want one FILE to write\n")
		fs.Usage()
		return exitUsage
	}
	target := fs.Arg(0)
	cfg, err := loadConfig(e, *path)
	if err != nil {
		reportConfigError(e.stderr, "backup", err)
		return exitConfig
	}
	st, err := store.Open(ctx, store.Options{Path: cfg.Store, ReadOnly: true, TombstoneDays: cfg.TombstoneDays})
	if err != nil {
		fmt.Fprintf(e.stderr, "userdir backup: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	if err := st.Backup(ctx, target); err != nil {
		fmt.Fprintf(e.stderr, "userdir backup: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "%s: copy of %s written and verified\n", target, cfg.Store)
	return exitOK
}
