package main

import (
	"context"
	"fmt"

	"userdir/config"
	"userdir/schema"
	"userdir/store"
)

// runDump prints, as LDIF (RFC 2849), what a role sees of the directory:
// book, reader, mta, or all (which adds inactive records).
func runDump(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "dump", "[-config FILE] [-role book|reader|mta|all] [-operational]")
	path := configFlag(fs)
	roleName := fs.String("role", "mta", "what `role` sees: book, reader, mta, or all (adds inactive records)")
	operational := fs.Bool("operational", false, "include operational attributes (entryUUID, timestamps, ...)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	role, err := schema.ParseRole(*roleName, true)
	if err != nil {
		return usagef("-role: %w", err)
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		return &configError{err: err}
	}
	st, err := openReadOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	recs, _, err := st.Records(ctx, false)
	if err != nil {
		return err
	}
	entries, skipped, err := roleEntries(cfg, recs, role)
	if err != nil {
		return err
	}
	if skipped > 0 {
		fmt.Fprintf(e.stderr, "userdir dump: %d record(s) of divisions no longer configured are not shown\n", skipped)
	}
	return schema.WriteLDIF(e.stdout, entries, schema.LDIFOptions{Operational: *operational})
}

// roleEntries maps records to entries in tree order (suffix, divisions in
// configuration order, then each division's entries by address) and keeps
// those role sees. skipped counts records of unconfigured divisions.
func roleEntries(cfg *config.Config, recs []store.Record, role schema.Role) (entries []*schema.Entry, skipped int, err error) {
	m, err := mapperFor(cfg)
	if err != nil {
		return nil, 0, err
	}
	entries = append([]*schema.Entry{m.SuffixEntry()}, m.DivisionEntries()...)
	byDivision := make(map[string][]*store.Record)
	for i := range recs {
		byDivision[recs[i].Division] = append(byDivision[recs[i].Division], &recs[i])
	}
	for _, d := range cfg.Divisions {
		for _, r := range byDivision[d.ID] { // Records returns them ordered by eml
			e, err := m.Entry(r)
			if err != nil {
				return nil, 0, err
			}
			if role.Sees(e) {
				entries = append(entries, e)
			}
		}
		delete(byDivision, d.ID)
	}
	for _, rs := range byDivision {
		skipped += len(rs)
	}
	return entries, skipped, nil
}
