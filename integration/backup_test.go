package integration

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	_ "modernc.org/sqlite"
)

// TestIntegrationBackupUnderLoad takes a backup while an ingest loop and a
// search loop run: the copy passes integrity_check, holds a consistent
// prefix of the ingested messages, and a serve on it answers what dump of
// it prints.
func TestIntegrationBackupUnderLoad(t *testing.T) {
	bin := buildUserdir(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, configOptions{store: filepath.Join(dir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}})
	loadFixture(t, bin, cfg)
	srv := startServe(t, bin, cfg, 1, nil)

	const maxIngests = 60
	var ingested, searches atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // ingest loop: one new mailbox per message
		defer wg.Done()
		for i := 0; i < maxIngests; i++ {
			select {
			case <-stop:
				return
			default:
			}
			m := commandMessage{code: codeTyumen, from: "admin@tyumen.company.ru", to: "dir@company.ru",
				date: time.Date(2025, 4, 1, 0, 0, i, 0, time.UTC), messageID: fmt.Sprintf("loop-%03d@test", i),
				lines: []string{fmt.Sprintf("_cmd=insert:eml=loop%03d@company.ru:name=Loop %03d", i, i)}}
			r := runCmd(t, m.bytes(t), nil, bin, "ingest", "-config", cfg)
			if r.code != 0 {
				t.Errorf("ingest %d: %s", i, r)
				return
			}
			ingested.Add(1)
		}
	}()
	go func() { // search loop, as Postfix (the book role's rate limit would refuse a loop)
		defer wg.Done()
		c, err := ldap.DialURL(srv.urls[0])
		if err != nil {
			t.Errorf("dial: %v", err)
			return
		}
		defer c.Close()
		if err := c.Bind(postfixDN, postfixPW); err != nil {
			t.Errorf("bind: %v", err)
			return
		}
		for n := 0; n < 100000; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := c.Search(ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
				"(mail="+visibleAddr+")", []string{"mail"}, nil)); err != nil {
				t.Errorf("search: %v", err)
				return
			}
			searches.Add(1)
		}
	}()
	waitFor(t, 60*time.Second, "10 ingests and 5 searches", func() (bool, string) {
		return ingested.Load() >= 10 && searches.Load() >= 5, fmt.Sprint(ingested.Load(), searches.Load())
	})
	backup := filepath.Join(dir, "copy", "userdir.db")
	r := runCmd(t, nil, nil, bin, "backup", "-config", cfg, backup)
	atBackup := ingested.Load()
	waitFor(t, 60*time.Second, "5 more ingests", func() (bool, string) { return ingested.Load() >= min(atBackup+5, maxIngests), "" })
	close(stop)
	wg.Wait()
	if r.code != 0 {
		t.Fatalf("userdir backup: %s", r)
	}
	if searches.Load() == 0 {
		t.Errorf("the search loop did not run")
	}

	db, err := sql.Open("sqlite", backup+"?mode=ro")
	must(t, err, "open the copy")
	var check string
	must(t, db.QueryRow(`PRAGMA integrity_check`).Scan(&check), "integrity_check")
	if check != "ok" {
		t.Errorf("integrity_check of the copy: %s", check)
	}
	var loops, journaled int
	must(t, db.QueryRow(`SELECT count(*) FROM record WHERE eml LIKE 'loop%'`).Scan(&loops), "count records")
	must(t, db.QueryRow(`SELECT count(*) FROM journal WHERE message_id LIKE '%loop-%'`).Scan(&journaled), "count journal")
	db.Close()
	if loops < 10 || loops != journaled || int64(loops) > ingested.Load() {
		t.Errorf("the copy holds %d loop records and %d loop messages; want the same number, at least 10 (%d ingested in all)",
			loops, journaled, ingested.Load())
	}

	// A serve on the copy answers what dump of the copy prints.
	copyCfg := writeConfig(t, filepath.Join(dir, "copy"), configOptions{store: backup, listen: []string{"ldap://127.0.0.1:0"}})
	dump := runCmd(t, nil, nil, bin, "dump", "-config", copyCfg, "-role", "mta")
	if dump.code != 0 {
		t.Fatalf("dump of the copy: %s", dump)
	}
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^mail: (.*)$`).FindAllStringSubmatch(dump.stdout, -1) {
		want = append(want, m[1])
	}
	copySrv := startServe(t, bin, copyCfg, 1, nil)
	c, err := ldap.DialURL(copySrv.urls[0])
	must(t, err, "dial the copy's serve")
	defer c.Close()
	must(t, c.Bind(postfixDN, postfixPW), "bind")
	sr, err := c.Search(ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(mail=*)", []string{"mail"}, nil))
	must(t, err, "search the copy")
	var got []string
	for _, e := range sr.Entries {
		got = append(got, e.GetAttributeValue("mail"))
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) || len(got) != mtaEntries+loops {
		t.Errorf("serve on the copy answers %d addresses, dump prints %d (want %d):\n%s\n---\n%s",
			len(got), len(want), mtaEntries+loops, strings.Join(got, " "), strings.Join(want, " "))
	}
}
