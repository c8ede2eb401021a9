package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"userdir/config"
	"userdir/schema"
	"userdir/store"
)

// mapperFor returns the record-to-entry mapping that cfg describes.
func mapperFor(cfg *config.Config) (*schema.Mapper, error) {
	divs := make([]schema.DivisionInfo, len(cfg.Divisions))
	for i, d := range cfg.Divisions {
		divs[i] = schema.DivisionInfo{ID: d.ID, Name: d.Name, MailHost: d.MailHost}
	}
	m, err := schema.NewMapper(schema.MapOptions{
		Suffix: cfg.LDAP.Suffix, Organization: cfg.LDAP.Organization, NameOrder: cfg.NameOrder, Divisions: divs,
	})
	if err != nil {
		return nil, fmt.Errorf("directory layout: %w", err)
	}
	return m, nil
}

// openReadOnly opens cfg's store for reading. A store that does not exist
// yet (no message has arrived) is created empty first, so that `serve` and
// `dump` work on a fresh installation; one written by an older version is
// migrated first, so that `serve` starts after an upgrade.
func openReadOnly(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	if _, err := os.Stat(cfg.Store); errors.Is(err, os.ErrNotExist) {
		if err := migrateStore(ctx, cfg); err != nil {
			return nil, err
		}
	}
	ro := store.Options{Path: cfg.Store, ReadOnly: true, TombstoneDays: cfg.TombstoneDays}
	st, err := store.Open(ctx, ro)
	if errors.Is(err, store.ErrSchema) {
		// Older (the writer migrates it) or newer (the writer says so).
		if err := migrateStore(ctx, cfg); err != nil {
			return nil, err
		}
		st, err = store.Open(ctx, ro)
	}
	return st, err
}

// migrateStore opens cfg's store for writing, which creates it or brings
// its schema up to date, and closes it.
func migrateStore(ctx context.Context, cfg *config.Config) error {
	st, err := store.Open(ctx, store.Options{Path: cfg.Store, TombstoneDays: cfg.TombstoneDays})
	if err != nil {
		return err
	}
	return st.Close()
}
