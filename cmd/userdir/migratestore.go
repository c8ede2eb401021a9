package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"userdir/config"
	"userdir/schema"
	"userdir/store"
)

// runMigrateStore copies a store (an SQLite file) into another (a
// PostgreSQL database, by default the configuration's store) and checks
// that `dump -role all` reads the same from both.
func runMigrateStore(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "migrate-store", "[-config FILE] -from FILE.db [-to postgres://...]")
	path := configFlag(fs)
	from := fs.String("from", "", "the store to copy: an SQLite `file` (read only)")
	to := fs.String("to", "", "the store to fill, empty: a PostgreSQL `URL` (default: the configuration's store)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return usagef("-from is required")
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		return &configError{err: err}
	}
	return copyStore(ctx, cfg, *from, *to, e.stdout)
}

// copyStore copies the store from into to ("" meaning cfg's store),
// which must be empty, then compares what the role all sees of both.
func copyStore(ctx context.Context, cfg *config.Config, from, to string, out io.Writer) error {
	if to == "" {
		to = cfg.Store
	}
	if from == to {
		return errors.New("-from and -to name the same store")
	}
	o, err := storeOptions(cfg)
	if err != nil {
		return err
	}
	// store_password_file serves either side that is on PostgreSQL.
	src, err := store.Open(ctx, store.Options{Path: from, Password: o.Password, ReadOnly: true, TombstoneDays: cfg.TombstoneDays})
	if err != nil {
		return err
	}
	defer src.Close()
	o.Path = to
	dst, err := store.Open(ctx, o)
	if err != nil {
		return err
	}
	defer dst.Close()
	counts, err := store.Copy(ctx, dst, src)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "copied %s to %s: %d records (tombstones included), %d sync floors, %d journal entries with %d notes, %d held syncs; change sequence %d\n",
		store.Redact(from), store.Redact(to), counts.Tables["record"], counts.Tables["sync_floor"],
		counts.Tables["journal"], counts.Tables["journal_note"], counts.Tables["held"], counts.Seq)
	a, n, err := dumpAll(ctx, cfg, src)
	if err != nil {
		return fmt.Errorf("dump %s: %w", store.Redact(from), err)
	}
	b, _, err := dumpAll(ctx, cfg, dst)
	if err != nil {
		return fmt.Errorf("dump %s: %w", store.Redact(to), err)
	}
	if !bytes.Equal(a, b) {
		return fmt.Errorf("the copy is committed but `dump -role all` differs between %s and %s: compare them, and empty %s before trying again",
			store.Redact(from), store.Redact(to), store.Redact(to))
	}
	fmt.Fprintf(out, "dump -role all is identical on both: %d entries\n", n)
	return nil
}

// dumpAll returns `dump -role all -operational` of st, and how many
// entries it has.
func dumpAll(ctx context.Context, cfg *config.Config, st *store.Store) ([]byte, int, error) {
	recs, _, err := st.Records(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	entries, _, err := roleEntries(cfg, recs, schema.RoleAll)
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	if err := schema.WriteLDIF(&buf, entries, schema.LDIFOptions{Operational: true}); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), len(entries), nil
}
