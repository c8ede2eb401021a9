package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"

	"userdir/config"
	"userdir/ingest"
	"userdir/store"
)

// runDemo builds a directory from the sample messages in testdata/mail,
// in a temporary store, and serves it on 127.0.0.1 until interrupted. It
// needs no root and no configuration: it uses testdata/userdir.toml.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", "[-listen 127.0.0.1:3389] [-http 127.0.0.1:8389] [-testdata DIR]")
	listen := fs.String("listen", "127.0.0.1:3389", "`address` to serve LDAP on")
	httpListen := fs.String("http", "", "`address` to serve the search page and XML phone books on (default: none)")
	testdata := fs.String("testdata", "testdata", "`directory` with userdir.toml and mail/*.eml (run from the repository root)")
	level := logLevelFlag(fs)
	level.Set(slog.LevelWarn)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newLogger(e, level)
	tmp, err := os.MkdirTemp("", "userdir-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cfg, err := config.Load(filepath.Join(*testdata, "userdir.toml"))
	if err != nil {
		return &configError{err: err, hint: "run it from the repository root, or give -testdata"}
	}
	cfg.Store = filepath.Join(tmp, "userdir.db")
	cfg.LDAP.Listen = []string{"ldap://" + *listen}
	cfg.HTTP.Listen = *httpListen
	applied, total, err := ingestSamples(ctx, cfg, filepath.Join(*testdata, "mail"), log)
	if err != nil {
		return err
	}
	s, err := startServer(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.stop(true)
	printDemoHelp(e, s, applied, total)
	<-ctx.Done()
	return nil
}

// ingestSamples feeds every message of dir to ingest, in name order.
func ingestSamples(ctx context.Context, cfg *config.Config, dir string, log *slog.Logger) (applied, total int, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) == 0 {
		return 0, 0, fmt.Errorf("no sample messages in %s", dir)
	}
	sort.Strings(files)
	st, err := store.Open(ctx, store.Options{Path: cfg.Store, TombstoneDays: cfg.TombstoneDays, Logger: log})
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	in := ingest.New(ingest.Options{Divisions: cfg.Divisions, MaxMessageBytes: cfg.MaxMessageBytes, Logger: log}, st)
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return applied, total, err
		}
		rep, err := in.Ingest(ctx, r, "admin@company.ru")
		r.Close()
		if err != nil {
			return applied, total, fmt.Errorf("%s: %w", f, err)
		}
		total++
		if rep.Outcome == store.OutcomeApplied {
			applied++
		}
	}
	return applied, total, nil
}

func printDemoHelp(e *env, s *server, applied, total int) {
	url := s.addrs[0]
	fmt.Fprintf(e.stdout, `userdir demo: %d of %d sample messages applied; %d entries served at %s
Press Ctrl-C to stop. In another terminal try:

  # the address book, as Thunderbird searches it (anonymous: role book)
  ldapsearch -x -H %[4]s -b dc=company,dc=ru '(|(cn=*иван*)(mail=*иван*))' cn mail telephoneNumber
  # a caller-ID lookup, as a desk phone does it, by bare digits
  ldapsearch -x -H %[4]s -b dc=company,dc=ru '(telephoneNumber=83452880293)' cn
  # what Postfix sees (role mta: hidden entries and aliases too)
  ldapsearch -x -H %[4]s -D cn=postfix,dc=company,dc=ru -w postfixpass -b dc=company,dc=ru '(mail=*)' mail mailHost
  # an anonymous dump attempt gets nothing
  ldapsearch -x -H %[4]s -b dc=company,dc=ru '(objectClass=*)'
`, applied, total, s.dir.Snapshot().Len(), url)
	if s.http != nil {
		fmt.Fprintf(e.stdout, `
  # the search page: open it in a browser; and the same for scripts
  curl 'http://%[1]s/search?format=json&q=%%D0%%B8%%D0%%B2%%D0%%B0%%D0%%BD'
  # a phone's whole book needs the reader role (an account or a network)
  curl -u cn=reader,dc=company,dc=ru:readerpass http://%[1]s/phonebook/yealink.xml
`, s.httpAddr)
	}
}
