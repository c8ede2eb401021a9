package store

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"userdir/mailcmd"
)

// TestApplyRules applies each case's messages, in order, to a fresh store
// and compares the visible state of every record (tombstones included)
// with want. Stamps are ts(n): n seconds after t0.
func TestApplyRules(t *testing.T) {
	tests := []struct {
		name string
		msgs []*Message
		want map[string]string // "division/eml" -> state()
	}{
		{
			name: "insert creates",
			msgs: []*Message{msg("a", "m1", 1, ins("x@c.ru", "type=mbox", "name=Иванов Иван", "gor=88-02-93"))},
			want: map[string]string{"a/x@c.ru": "+ type=mbox name=Иванов Иван gor=88-02-93"},
		},
		{
			name: "insert replaces the whole record",
			msgs: []*Message{
				msg("a", "m1", 1, ins("x@c.ru", "name=A", "gor=1", "mer=2")),
				msg("a", "m2", 2, ins("x@c.ru", "name=B")),
			},
			want: map[string]string{"a/x@c.ru": "+ name=B"},
		},
		{
			name: "update patches and an empty value clears",
			msgs: []*Message{
				msg("a", "m1", 1, ins("x@c.ru", "name=A", "gor=1", "mer=2")),
				msg("a", "m2", 2, upd("x@c.ru", "gor=3", "mer=")),
			},
			want: map[string]string{"a/x@c.ru": "+ name=A gor=3"},
		},
		{
			name: "update creates a missing record",
			msgs: []*Message{msg("a", "m1", 1, upd("x@c.ru", "name=A", "act=1"))},
			want: map[string]string{"a/x@c.ru": "+ name=A act=1"},
		},
		{
			name: "delete leaves an empty tombstone",
			msgs: []*Message{
				msg("a", "m1", 1, ins("x@c.ru", "type=alias", "name=A", "dst=y@c.ru")),
				msg("a", "m2", 2, del("x@c.ru")),
			},
			want: map[string]string{"a/x@c.ru": "-"},
		},
		{
			name: "delete of a missing record is a tombstone that an older insert cannot pass",
			msgs: []*Message{
				msg("a", "m1", 5, del("x@c.ru")),
				msg("a", "m2", 1, ins("x@c.ru", "name=A")),
			},
			want: map[string]string{"a/x@c.ru": "-"},
		},
		{
			name: "an older delete arriving late does not remove a newer insert",
			msgs: []*Message{
				msg("a", "m1", 5, ins("x@c.ru", "name=A")),
				msg("a", "m2", 1, del("x@c.ru")),
			},
			want: map[string]string{"a/x@c.ru": "+ name=A"},
		},
		{
			name: "last writer wins per field",
			msgs: []*Message{
				msg("a", "m1", 1, ins("x@c.ru", "name=A", "gor=1")),
				msg("a", "m3", 3, upd("x@c.ru", "gor=3")),
				msg("a", "m2", 2, upd("x@c.ru", "gor=2", "name=B")),
			},
			want: map[string]string{"a/x@c.ru": "+ name=B gor=3"},
		},
		{
			name: "equal stamps apply in arrival order",
			msgs: []*Message{
				msg("a", "m1", 2, upd("x@c.ru", "gor=1")),
				msg("a", "m2", 2, upd("x@c.ru", "gor=2")),
			},
			want: map[string]string{"a/x@c.ru": "+ gor=2"},
		},
		{
			name: "commands of one message apply in line order",
			msgs: []*Message{
				msg("a", "m1", 2, upd("x@c.ru", "gor=1"), upd("x@c.ru", "gor=2", "name=N"), del("y@c.ru"), ins("y@c.ru", "name=Y")),
			},
			want: map[string]string{"a/x@c.ru": "+ name=N gor=2", "a/y@c.ru": "+ name=Y"},
		},
		{
			name: "an update that overtakes its insert keeps its fields and gains the others",
			msgs: []*Message{
				msg("a", "m2", 2, upd("x@c.ru", "gor=9", "post=")),
				msg("a", "m1", 1, ins("x@c.ru", "name=A", "gor=1", "mer=5", "post=Инженер")),
			},
			want: map[string]string{"a/x@c.ru": "+ name=A gor=9 mer=5"},
		},
		{
			name: "divisions are isolated",
			msgs: []*Message{
				msg("a", "m1", 1, ins("x@c.ru", "name=A")),
				msg("b", "m1", 2, ins("x@c.ru", "name=B", "gor=2")),
				msg("b", "m2", 3, del("x@c.ru")),
				msg("b", "m3", 4, syncOf(mailcmd.KindMailbox)),
			},
			want: map[string]string{"a/x@c.ru": "+ name=A", "b/x@c.ru": "-"},
		},
		{
			name: "sync deletes unlisted older records of its kind and keeps the rest",
			msgs: []*Message{
				msg("a", "m1", 1, ins("x@c.ru", "name=X"), ins("y@c.ru", "name=Y"), ins("al@c.ru", "type=alias", "dst=x@c.ru")),
				msg("a", "m2", 5, ins("z@c.ru", "name=Z")),
				msg("a", "m3", 3, syncOf(mailcmd.KindMailbox), ins("x@c.ru", "type=mbox", "name=X2")),
				msg("b", "m4", 1, ins("y@c.ru", "name=BY")),
			},
			want: map[string]string{
				"a/x@c.ru":  "+ type=mbox name=X2",
				"a/y@c.ru":  "-",
				"a/z@c.ru":  "+ name=Z",
				"a/al@c.ru": "+ type=alias dst=x@c.ru",
				"b/y@c.ru":  "+ name=BY",
			},
		},
		{
			name: "sync keeps the newer fields of an unlisted record",
			msgs: []*Message{
				msg("a", "m1", 1, ins("x@c.ru", "name=X", "gor=1")),
				msg("a", "m2", 5, upd("x@c.ru", "gor=5")),
				msg("a", "m3", 3, syncOf(mailcmd.KindMailbox)),
			},
			want: map[string]string{"a/x@c.ru": "+ gor=5"},
		},
		{
			name: "a command older than the sync cannot bring an unlisted address back",
			msgs: []*Message{
				msg("a", "m1", 1, ins("y@c.ru", "name=Y")),
				msg("a", "m2", 3, syncOf(mailcmd.KindMailbox), ins("x@c.ru", "name=X")),
				msg("a", "m3", 2, upd("y@c.ru", "name=Y2")),
				msg("a", "m4", 2, ins("w@c.ru", "name=W")),
				msg("a", "m5", 4, ins("v@c.ru", "name=V")),
				msg("a", "m6", 2, ins("al@c.ru", "type=alias", "dst=v@c.ru")),
			},
			want: map[string]string{
				"a/x@c.ru":  "+ name=X",
				"a/y@c.ru":  "-",
				"a/w@c.ru":  "-",
				"a/v@c.ru":  "+ name=V",
				"a/al@c.ru": "+ type=alias dst=v@c.ru",
			},
		},
		{
			// In Date order: insert (1), sync (3) empties it, update (5).
			name: "an insert older than the sync, arriving after a newer update, gains nothing",
			msgs: []*Message{
				msg("a", "m2", 3, syncOf(mailcmd.KindMailbox)),
				msg("a", "m3", 5, upd("x@c.ru", "type=mbox", "gor=5")),
				msg("a", "m1", 1, ins("x@c.ru", "type=mbox", "name=A", "gor=1", "mer=2")),
			},
			want: map[string]string{"a/x@c.ru": "+ type=mbox gor=5"},
		},
		{
			// In Date order: delete (1), insert (2), mailbox sync (3): the
			// alias lives. The delete, arriving first, must not make the
			// address look like a mailbox to the sync.
			name: "a mailbox sync spares an alias known only from its delete",
			msgs: []*Message{
				msg("a", "m1", 1, del("al@c.ru")),
				msg("a", "m3", 3, syncOf(mailcmd.KindMailbox)),
				msg("a", "m2", 2, ins("al@c.ru", "type=alias", "dst=x@c.ru")),
			},
			want: map[string]string{"a/al@c.ru": "+ type=alias dst=x@c.ru"},
		},
		{
			name: "an older sync arriving after a newer one cannot revive what the newer dropped",
			msgs: []*Message{
				msg("a", "m2", 5, syncOf(mailcmd.KindMailbox), ins("x@c.ru", "name=X5")),
				msg("a", "m1", 3, syncOf(mailcmd.KindMailbox), ins("x@c.ru", "name=X3"), ins("y@c.ru", "name=Y3")),
			},
			want: map[string]string{"a/x@c.ru": "+ name=X5", "a/y@c.ru": "-"},
		},
		{
			name: "an alias sync leaves mailboxes alone",
			msgs: []*Message{
				msg("a", "m1", 1, ins("x@c.ru", "name=X"), ins("al@c.ru", "type=alias", "dst=x@c.ru"), ins("al2@c.ru", "type=alias")),
				msg("a", "m2", 3, syncOf(mailcmd.KindAlias), ins("al@c.ru", "type=alias", "dst=z@c.ru")),
			},
			want: map[string]string{
				"a/x@c.ru":   "+ name=X",
				"a/al@c.ru":  "+ type=alias dst=z@c.ru",
				"a/al2@c.ru": "-",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustOpen(t, Options{})
			for _, m := range tt.msgs {
				if res := mustApply(t, s, m); res.Outcome != OutcomeApplied {
					t.Fatalf("Apply(%s).Outcome = %s, want %s", m.MessageID, res.Outcome, OutcomeApplied)
				}
			}
			got := states(mustRecords(t, s))
			if !maps.Equal(got, tt.want) {
				for _, k := range slices.Sorted(maps.Keys(got)) {
					t.Logf("got  %s: %s", k, got[k])
				}
				for _, k := range slices.Sorted(maps.Keys(tt.want)) {
					t.Logf("want %s: %s", k, tt.want[k])
				}
				t.Fatal("records differ")
			}
		})
	}
}

// TestApplyStamps checks the stamps, Created, Modified and Seq of a record.
func TestApplyStamps(t *testing.T) {
	s := MustOpen(t, Options{})
	mustApply(t, s, msg("a", "m1", 10, upd("x@c.ru", "gor=1")))
	mustApply(t, s, msg("a", "m0", 5, ins("x@c.ru", "name=A", "gor=0")))
	recs := mustRecords(t, s)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	r := recs[0]
	n5, n10 := ts(5).UnixNano(), ts(10).UnixNano()
	if r.Stamps[mailcmd.FieldGor] != n10 || r.Stamps[mailcmd.FieldName] != n5 || r.Stamps[mailcmd.FieldMer] != n5 {
		t.Errorf("stamps gor, name, mer = %d, %d, %d; want %d, %d, %d",
			r.Stamps[mailcmd.FieldGor], r.Stamps[mailcmd.FieldName], r.Stamps[mailcmd.FieldMer], n10, n5, n5)
	}
	if r.ExistsStamp != n10 || !r.Created.Equal(ts(10)) || !r.Modified.Equal(ts(10)) {
		t.Errorf("ExistsStamp, Created, Modified = %d, %v, %v; want %d, %v, %v",
			r.ExistsStamp, r.Created, r.Modified, n10, ts(10), ts(10))
	}
	if r.Seq != 2 {
		t.Errorf("Seq = %d, want 2", r.Seq)
	}

	mustApply(t, s, msg("a", "m2", 20, del("x@c.ru")))
	mustApply(t, s, msg("a", "m3", 30, ins("x@c.ru", "name=B")))
	r = mustRecords(t, s)[0]
	if !r.Created.Equal(ts(30)) || r.Seq != 4 {
		t.Errorf("after delete and insert: Created, Seq = %v, %d; want %v, 4", r.Created, r.Seq, ts(30))
	}
}

// TestSeq checks that the change sequence moves once per transaction that
// changes a record, and that Changes returns exactly the records changed.
func TestSeq(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, Options{})
	steps := []struct {
		m        *Message
		wantSeq  int64
		wantEmls []string // Changes(previous seq)
	}{
		{msg("a", "m1", 10, ins("x@c.ru", "name=A"), ins("y@c.ru", "name=B")), 1, []string{"x@c.ru", "y@c.ru"}},
		{msg("a", "m2", 11, upd("y@c.ru", "gor=1")), 2, []string{"y@c.ru"}},
		{msg("a", "m3", 5, upd("y@c.ru", "gor=0")), 2, nil}, // older: nothing changes
		{msg("a", "m4", 4, upd("y@c.ru", "gor=1")), 2, nil}, // older, same value
		{msg("a", "m2", 12, del("x@c.ru")), 2, nil},         // duplicate Message-ID
		{msg("a", "m5", 12, del("x@c.ru"), upd("z@c.ru")), 3, []string{"x@c.ru", "z@c.ru"}},
		// Another division's m5; a's x@c.ru comes along (same address).
		{msg("b", "m5", 13, del("x@c.ru")), 4, []string{"x@c.ru", "x@c.ru"}},
	}
	prev := int64(0)
	for i, st := range steps {
		mustApply(t, s, st.m)
		seq, err := s.Seq(ctx)
		if err != nil {
			t.Fatalf("step %d: Seq: %v", i, err)
		}
		if seq != st.wantSeq {
			t.Errorf("step %d: Seq = %d, want %d", i, seq, st.wantSeq)
		}
		recs, cseq, err := s.Changes(ctx, prev)
		if err != nil {
			t.Fatalf("step %d: Changes: %v", i, err)
		}
		var emls []string
		for _, r := range recs {
			emls = append(emls, r.Eml)
			if r.Seq != seq && r.Division == st.m.Division {
				t.Errorf("step %d: %s has Seq %d, want %d", i, r.Eml, r.Seq, seq)
			}
		}
		if cseq != seq || !slices.Equal(emls, st.wantEmls) {
			t.Errorf("step %d: Changes(%d) = %v, %d; want %v, %d", i, prev, emls, cseq, st.wantEmls, seq)
		}
		prev = seq
	}
}

// TestOutcomes checks duplicates and messages without commands.
func TestOutcomes(t *testing.T) {
	s := MustOpen(t, Options{})
	steps := []struct {
		m    *Message
		want Outcome
	}{
		{msg("a", "m1", 1, ins("x@c.ru", "name=A")), OutcomeApplied},
		{msg("a", "m2", 1, ins("x@c.ru", "name=B")), OutcomeApplied},
		// Re-applied, m1 would win the tie and set name=A again.
		{msg("a", "m1", 1, ins("x@c.ru", "name=A")), OutcomeDuplicate},
		{msg("b", "m1", 1, ins("x@c.ru", "name=A")), OutcomeApplied},
		{msg("a", "m3", 2), OutcomeNoCommands},
		{msg("a", "m3", 2, ins("x@c.ru", "name=C")), OutcomeDuplicate},
	}
	for i, st := range steps {
		if got := mustApply(t, s, st.m); got.Outcome != st.want {
			t.Errorf("step %d: Apply(%s/%s).Outcome = %s, want %s", i, st.m.Division, st.m.MessageID, got.Outcome, st.want)
		}
	}
	// b's x@c.ru is stored, but a's newer one wins the address.
	want := map[string]string{"a/x@c.ru": "+ name=B", "b/x@c.ru": "- name=A"}
	if got := states(mustRecords(t, s)); !maps.Equal(got, want) {
		t.Errorf("records = %v, want %v", got, want)
	}
}

// TestTombstonePurge checks that tombstones recorded more than
// TombstoneDays ago go and the others stay: their age counts from when
// they were recorded, not from their stamp.
func TestTombstonePurge(t *testing.T) {
	now := t0.Add(10 * 24 * time.Hour)
	s := MustOpen(t, Options{TombstoneDays: 3, Now: func() time.Time { return now }})
	at := func(d time.Duration) int { return int(now.Add(-d).Sub(t0) / time.Second) }
	mustApply(t, s, msg("a", "m1", at(5*24*time.Hour), ins("old@c.ru"), ins("new@c.ru"), ins("live@c.ru")))
	mustApply(t, s, msg("a", "m2", at(4*24*time.Hour), del("old@c.ru")))
	now = now.Add(4 * 24 * time.Hour)
	mustApply(t, s, msg("a", "m3", at(time.Hour), del("new@c.ru")))
	want := map[string]string{"a/new@c.ru": "-", "a/live@c.ru": "+"}
	if got := states(mustRecords(t, s)); !maps.Equal(got, want) {
		t.Errorf("records = %v, want %v", got, want)
	}
}

// TestOldStampedDelete is issue 8's "old Dates leave no tombstone": a
// delete stamped 100 days ago, with tombstone_days 90, used to be purged in
// its own transaction, so an older insert delivered later revived the
// address. Now its tombstone is kept 90 days from when it was recorded.
func TestOldStampedDelete(t *testing.T) {
	now := t0.Add(200 * 24 * time.Hour)
	s := MustOpen(t, Options{TombstoneDays: 90, Now: func() time.Time { return now }})
	at := func(d time.Duration) int { return int(now.Add(-d).Sub(t0) / time.Second) }
	mustApply(t, s, msg("a", "m1", at(120*24*time.Hour), ins("x@c.ru", "name=X")))
	mustApply(t, s, msg("a", "m2", at(100*24*time.Hour), del("x@c.ru")))
	if got := states(mustRecords(t, s)); got["a/x@c.ru"] != "-" {
		t.Fatalf("after an old-stamped delete: %v, want a tombstone", got)
	}
	now = now.Add(89 * 24 * time.Hour)
	mustApply(t, s, msg("a", "m0", at(289*24*time.Hour), ins("x@c.ru", "name=Older")))
	if got := states(mustRecords(t, s)); got["a/x@c.ru"] != "-" {
		t.Fatalf("an older insert 89 days later: %v, want the tombstone to hold", got)
	}
	now = now.Add(2 * 24 * time.Hour)
	mustApply(t, s, msg("a", "m9", at(time.Hour), ins("y@c.ru")))
	if got := states(mustRecords(t, s)); got["a/x@c.ru"] != "" {
		t.Fatalf("91 days after it was recorded: %v, want the tombstone purged", got)
	}
}

// TestApplyInvalid checks that a message breaking the Message contract is
// refused without a panic and without changes.
func TestApplyInvalid(t *testing.T) {
	s := MustOpen(t, Options{})
	tests := []struct {
		name string
		m    *Message
	}{
		{"nil", nil},
		{"no division", msg("", "m1", 1, ins("x@c.ru"))},
		{"no message id", msg("a", "", 1, ins("x@c.ru"))},
		{"zero stamp", &Message{Division: "a", MessageID: "m1", Commands: []mailcmd.Command{ins("x@c.ru")}}},
		{"no eml", msg("a", "m1", 1, ins(""))},
	}
	for _, tt := range tests {
		if _, err := s.Apply(context.Background(), tt.m); err == nil {
			t.Errorf("%s: Apply succeeded, want an error", tt.name)
		}
	}
	if recs := mustRecords(t, s); len(recs) != 0 {
		t.Errorf("records = %v, want none", recs)
	}
}
