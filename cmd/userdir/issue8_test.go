package main

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"userdir/internal/readme"
)

// The tests of this file reproduce the failures of issue 8 ("A branch's
// mistake never wipes or hijacks the directory") through the commands an
// operator runs, and show the fixed outcome.

// tyumenMailboxes returns insert lines for n Tyumen mailboxes.
func tyumenMailboxes(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "_cmd=insert:type=mbox:eml=u%03d@tyumen.company.ru:name=Сотрудник %d\n", i, i)
	}
	return b.String()
}

func mustIngest(t *testing.T, cfg, msg string) {
	t.Helper()
	if r := runCmd(t, msg, nil, "ingest", "-config", cfg); r.code != exitOK {
		t.Fatalf("ingest: %+v", r)
	}
}

// tyumenEntries counts Tyumen's entries in `dump -role all`.
func tyumenEntries(t *testing.T, cfg string) int {
	t.Helper()
	r := runCmd(t, "", nil, "dump", "-config", cfg, "-role", "all")
	if r.code != exitOK {
		t.Fatalf("dump: %+v", r)
	}
	return strings.Count(r.stdout, "@tyumen.company.ru")
}

// lastJournal returns the newest journal line and its notes.
func lastJournal(t *testing.T, cfg string) string {
	t.Helper()
	r := runCmd(t, "", nil, "journal", "-config", cfg, "-n", "1", "-v")
	if r.code != exitOK {
		t.Fatalf("journal: %+v", r)
	}
	return r.stdout
}

// TestEmptyOrBrokenSyncHeld: a newer sync with (a) no insert lines, (b)
// only rejected insert lines, (c) only a greeting or "Export failed", or
// one that would delete more than sync_max_delete, used to delete every
// mailbox it did not list and be journaled applied. Now it is held: nothing
// of it applies, the journal says why and how many it would delete, status
// counts it, and release or force=1 applies it.
func TestEmptyOrBrokenSyncHeld(t *testing.T) {
	date := func(min int) string { return fmt.Sprintf("Mon, 02 Nov 2026 10:%02d:00 +0500", min) }
	tests := []struct {
		name, body, reason string
	}{
		{"no insert lines", "_cmd=sync:type=mbox\n", "it lists no record"},
		{"only rejected inserts", "_cmd=sync:type=mbox\n_cmd=insert:type=mbox:eml=broken\n_cmd=insert:eml=a@tyumen.company.ru:act=maybe\n", "2 invalid line(s), the first on line 2"},
		{"only a greeting", "Добрый день!\n_cmd=sync:type=mbox\nExport failed: connection refused\n", "it lists no record"},
		{"half the branch", "_cmd=sync:type=mbox\n" + tyumenMailboxes(10), "it would delete 10 of 20 records, more than sync_max_delete allows (5)"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sampleConfig(t, t.TempDir())
			mustIngest(t, cfg, commandMail("0001", "full@test", date(0), tyumenMailboxes(20)))
			id := fmt.Sprintf("sync-%d@test", i)
			mustIngest(t, cfg, commandMail("0001", id, date(10), tt.body))
			if n := tyumenEntries(t, cfg); n != 20 {
				t.Fatalf("after the sync %d Tyumen entries, want all 20", n)
			}
			j := lastJournal(t, cfg)
			if !strings.Contains(j, "held") || !strings.Contains(j, tt.reason) {
				t.Fatalf("journal does not say held for %q:\n%s", tt.reason, j)
			}
			st := runCmd(t, "", nil, "status", "-config", cfg)
			if !regexp.MustCompile(`(?m)^tyumen\s.*\s1\s+0\s+\S+$`).MatchString(st.stdout) {
				t.Errorf("status does not count the held sync:\n%s", st.stdout)
			}
			list := runCmd(t, "", nil, "release", "-config", cfg)
			if !strings.Contains(list.stdout, id) {
				t.Errorf("release lists %q, want %s", list.stdout, id)
			}
			// Released at its own stamp, it applies: the branch's truth was that.
			rel := runCmd(t, "", nil, "release", "-config", cfg, "<"+id+">")
			if rel.code != exitOK || !strings.Contains(rel.stdout, "applied") {
				t.Fatalf("release: %+v", rel)
			}
			wantLeft := map[int]int{3: 10}[i]
			if n := tyumenEntries(t, cfg); n != wantLeft {
				t.Errorf("after release %d Tyumen entries, want %d", n, wantLeft)
			}
			if again := runCmd(t, "", nil, "release", "-config", cfg, id); again.code == exitOK {
				t.Errorf("a second release succeeded: %+v", again)
			}
			mustIngest(t, cfg, commandMail("0001", id, date(10), tt.body))
			if j := lastJournal(t, cfg); !strings.Contains(j, "duplicate") {
				t.Errorf("redelivery of a released sync: %s, want duplicate", j)
			}
		})
	}
}

// TestSyncForce: the branch resends the sync with force=1 and it applies.
func TestSyncForce(t *testing.T) {
	cfg := sampleConfig(t, t.TempDir())
	mustIngest(t, cfg, commandMail("0001", "full@test", "Mon, 02 Nov 2026 10:00:00 +0500", tyumenMailboxes(20)))
	mustIngest(t, cfg, commandMail("0001", "s1@test", "Mon, 02 Nov 2026 10:10:00 +0500", "_cmd=sync:type=mbox\n"+tyumenMailboxes(3)))
	if n := tyumenEntries(t, cfg); n != 20 {
		t.Fatalf("held sync: %d entries, want 20", n)
	}
	mustIngest(t, cfg, commandMail("0001", "s2@test", "Mon, 02 Nov 2026 10:11:00 +0500", "_cmd=sync:type=mbox:force=1\n"+tyumenMailboxes(3)))
	if n := tyumenEntries(t, cfg); n != 3 {
		t.Fatalf("forced sync: %d entries, want 3", n)
	}
	if j := lastJournal(t, cfg); !strings.Contains(j, "applied") {
		t.Errorf("forced sync journal:\n%s", j)
	}
	if st := runCmd(t, "", nil, "release", "-config", cfg); !strings.Contains(st.stdout, "no held sync") {
		t.Errorf("the older held sync is still listed after a newer sync applied:\n%s", st.stdout)
	}
}

// TestEqualDates: two messages with one Date set name on one address. The
// outcome used to depend on the arrival order; now it is the same in both
// orders, and with eight ingests at once.
func TestEqualDates(t *testing.T) {
	date := "Mon, 02 Nov 2026 10:00:00 +0500"
	msgs := make([]string, 8)
	for i := range msgs {
		msgs[i] = commandMail("0001", fmt.Sprintf("eq-%d@test", i), date, fmt.Sprintf("_cmd=update:eml=ivanov@tyumen.company.ru:name=Вариант %d", i))
	}
	dump := func(order []int, concurrent bool) string {
		cfg := sampleConfig(t, t.TempDir())
		mustIngest(t, cfg, commandMail("0001", "init@test", "Mon, 02 Nov 2026 09:00:00 +0500", "_cmd=insert:eml=other@tyumen.company.ru"))
		var wg sync.WaitGroup
		for _, i := range order {
			if !concurrent {
				mustIngest(t, cfg, msgs[i])
				continue
			}
			wg.Go(func() {
				if r := runCmd(t, msgs[i], nil, "ingest", "-config", cfg); r.code != exitOK {
					t.Errorf("ingest %d: %+v", i, r)
				}
			})
		}
		wg.Wait()
		r := runCmd(t, "", nil, "dump", "-config", cfg, "-role", "all")
		return r.stdout
	}
	ab, ba := dump([]int{0, 1}, false), dump([]int{1, 0}, false)
	if ab != ba {
		t.Fatalf("order a,b and b,a differ:\n%s", firstDiff(ab, ba))
	}
	seq := dump([]int{0, 1, 2, 3, 4, 5, 6, 7}, false)
	for round := range 2 {
		if got := dump([]int{7, 6, 5, 4, 3, 2, 1, 0}, true); got != seq {
			t.Fatalf("eight at once (round %d) differ from one at a time:\n%s", round, firstDiff(seq, got))
		}
	}
}

// TestValueLimits: NUL bytes were stored and served, a 9.9 MB title
// stored, a 240-character local part accepted, and the two spellings of an
// internationalized domain were two records. Now each such line is
// rejected with its reason in journal -v, and the spellings are one.
func TestValueLimits(t *testing.T) {
	cfg := sampleConfig(t, t.TempDir())
	body := strings.Join([]string{
		"_cmd=insert:eml=ivanov@tyumen.company.ru:name=Iva\x00nov Ivan",
		"_cmd=insert:eml=petrov@tyumen.company.ru:post=" + strings.Repeat("Директор ", 40),
		"_cmd=insert:eml=" + strings.Repeat("a", 240) + "@tyumen.company.ru",
		"_cmd=insert:eml=ivanov@компания.рф:name=Иванов",
		"_cmd=update:eml=IVANOV@xn--80aqeigdi5k.xn--p1ai:gor=88-02-93",
	}, "\n")
	mustIngest(t, cfg, commandMail("0001", "limits@test", "Mon, 02 Nov 2026 10:00:00 +0500", body))
	j := lastJournal(t, cfg)
	for _, want := range []string{
		"line 1", "name holds the control character U+0000",
		"line 2", "post is 359 characters long, more than 256",
		"line 3", "the local part of eml is 240 characters long, more than 64",
	} {
		if !strings.Contains(j, want) {
			t.Errorf("journal -v lacks %q:\n%s", want, j)
		}
	}
	d := runCmd(t, "", nil, "dump", "-config", cfg, "-role", "all")
	if !strings.Contains(d.stdout, "telephoneNumber: 88-02-93") || strings.Count(d.stdout, "objectClass: person") != 1 {
		t.Errorf("the two spellings are not one entry:\n%s", d.stdout)
	}
}

// TestReadmeRelease runs the README's release example on a held sync with
// the Message-ID it names.
func TestReadmeRelease(t *testing.T) {
	block := readme.Block(t, "release")
	cfg := sampleConfig(t, t.TempDir())
	mustIngest(t, cfg, commandMail("0001", "full@test", "Mon, 02 Nov 2026 10:00:00 +0500", tyumenMailboxes(20)))
	mustIngest(t, cfg, commandMail("0001", "20261102.nightly@mx.tyumen.company.ru", "Mon, 02 Nov 2026 23:00:00 +0500", "_cmd=sync:type=mbox\n"))
	var outs []string
	for line := range strings.Lines(block) {
		line, _, _ = strings.Cut(line, "#")
		args := strings.Fields(line)
		if len(args) == 0 || args[0] != "userdir" {
			t.Fatalf("README release line %q", line)
		}
		r := runCmd(t, "", nil, append([]string{args[1], "-config", cfg}, args[2:]...)...)
		if r.code != exitOK {
			t.Fatalf("%s: %+v", line, r)
		}
		outs = append(outs, r.stdout)
	}
	if len(outs) != 2 || !strings.Contains(outs[0], "20261102.nightly@mx.tyumen.company.ru") || !strings.Contains(outs[1], "applied") {
		t.Errorf("README release example printed %q", outs)
	}
	if n := tyumenEntries(t, cfg); n != 0 {
		t.Errorf("after the released empty sync %d Tyumen entries, want 0", n)
	}
}
