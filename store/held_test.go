package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"userdir/mailcmd"
)

// TestHeldSyncs checks the safety net in the store: what holds a sync,
// that nothing of it applies, Release, and the bound on kept syncs.
func TestHeldSyncs(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, Options{})
	var all []mailcmd.Command
	for i := range 40 {
		all = append(all, ins(fmt.Sprintf("u%02d@c.ru", i), "type=mbox"))
	}
	mustApply(t, s, msg("a", "full", 1, all...))
	body := "_cmd=sync:type=mbox\n_cmd=insert:eml=u00@c.ru\n"
	tests := []struct {
		name string
		m    *Message
		want string
	}{
		{"damaged", &Message{Body: body, Damaged: "base64 breaks"}, "the body did not decode cleanly: base64 breaks"},
		{"empty", &Message{Commands: []mailcmd.Command{syncNet(mailcmd.KindMailbox)}}, "it lists no record"},
		{"rejected", &Message{Body: body + "_cmd=insert:eml=bad\n"}, "1 invalid line(s), the first on line 3: bad eml \"bad\""},
		{"too many", &Message{Body: body}, "it would delete 39 of 40 records, more than sync_max_delete allows (5)"},
		{"count limit", &Message{Body: body, SyncMaxDelete: Limit{Count: 38}}, "it would delete 39 of 40 records, more than sync_max_delete allows (38)"},
		{"a sixth", &Message{Body: body}, "it would delete 39 of 40 records, more than sync_max_delete allows (5)"},
	}
	for i, tt := range tests {
		m := tt.m
		m.Division, m.MessageID, m.Stamp, m.Received = "a", fmt.Sprint("held-", i), ts(10+i), testNow
		res := mustApply(t, s, m)
		if res.Outcome != OutcomeHeld || res.Reason != tt.want {
			t.Errorf("%s: %s %q, want held %q", tt.name, res.Outcome, res.Reason, tt.want)
		}
	}
	if recs, _, _ := s.Records(ctx, false); len(recs) != 40 {
		t.Fatalf("after held syncs %d records live, want 40", len(recs))
	}
	held, err := s.Held(ctx)
	if err != nil || len(held) != maxHeldPerKind || held[0].MessageID != "held-1" {
		t.Fatalf("Held = %+v, %v; want the newest %d", held, err, maxHeldPerKind)
	}
	if _, err := s.Release(ctx, "", "nonesuch", nil); !errors.Is(err, ErrNotHeld) {
		t.Errorf("Release(nonesuch) = %v, want ErrNotHeld", err)
	}
	res, err := s.Release(ctx, "", "held-3", nil)
	if err != nil || res.Outcome != OutcomeApplied || res.WouldDelete != 39 {
		t.Fatalf("Release = %+v, %v; want applied, 39 deleted", res, err)
	}
	if recs, _, _ := s.Records(ctx, false); len(recs) != 1 {
		t.Fatalf("after release %d records live, want 1", len(recs))
	}
	held, _ = s.Held(ctx)
	for _, h := range held {
		if h.Stamp.Before(ts(13)) || h.MessageID == "held-3" {
			t.Errorf("still held after a newer sync applied: %+v", h)
		}
	}
}

// TestLimitOf checks sync_max_delete: a count, or a percentage never below 5.
func TestLimitOf(t *testing.T) {
	tests := []struct {
		l          Limit
		live, want int
	}{
		{Limit{}, 10, 5}, {Limit{}, 1000, 100}, {Limit{Count: 3}, 1000, 3},
		{Limit{Percent: 25, Min: 5}, 100, 25}, {Limit{Percent: 25, Min: 5}, 4, 5},
	}
	for _, tt := range tests {
		if got := tt.l.Of(tt.live); got != tt.want {
			t.Errorf("%+v.Of(%d) = %d, want %d", tt.l, tt.live, got, tt.want)
		}
	}
}
