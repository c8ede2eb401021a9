package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

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

// storeOptions returns the options of cfg's store: its path or URL, the
// PostgreSQL password from store_password_file, and retention.
func storeOptions(cfg *config.Config) (store.Options, error) {
	o := store.Options{Path: cfg.Store, TombstoneDays: cfg.TombstoneDays}
	if cfg.StorePasswordFile != "" {
		b, err := os.ReadFile(cfg.StorePasswordFile)
		if err != nil {
			return o, fmt.Errorf("store_password_file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		o.Password = strings.TrimSuffix(line, "\r")
	}
	return o, nil
}

// openStore opens cfg's store for writing, with the given logger and lock
// timeout (0: the default).
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger, lockTimeout time.Duration) (*store.Store, error) {
	o, err := storeOptions(cfg)
	if err != nil {
		return nil, err
	}
	o.Logger, o.BusyTimeout = log, lockTimeout
	return store.Open(ctx, o)
}

// openReadOnly opens cfg's store for reading. A store that does not exist
// yet (no message has arrived; on PostgreSQL, a database without tables)
// is created empty first, so that `serve` and `dump` work on a fresh
// installation; one written by an older version is migrated first, so that
// `serve` starts after an upgrade.
func openReadOnly(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	o, err := storeOptions(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.Store); !store.IsPostgres(cfg.Store) && errors.Is(err, os.ErrNotExist) {
		if err := migrateStore(ctx, cfg); err != nil {
			return nil, err
		}
	}
	ro := o
	ro.ReadOnly = true
	st, err := store.Open(ctx, ro)
	if errors.Is(err, store.ErrSchema) {
		// Older or without tables (the writer migrates it) or newer (the
		// writer says so).
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
	o, err := storeOptions(cfg)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, o)
	if err != nil {
		return err
	}
	return st.Close()
}
