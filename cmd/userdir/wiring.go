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
// `dump` work on a fresh installation.
func openReadOnly(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	if _, err := os.Stat(cfg.Store); errors.Is(err, os.ErrNotExist) {
		st, err := store.Open(ctx, store.Options{Path: cfg.Store, TombstoneDays: cfg.TombstoneDays})
		if err != nil {
			return nil, err
		}
		if err := st.Close(); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, store.Options{Path: cfg.Store, ReadOnly: true, TombstoneDays: cfg.TombstoneDays})
}
