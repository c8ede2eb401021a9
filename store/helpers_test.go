package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"userdir/mailcmd"
)

// t0 is the epoch of test stamps: ts(n) is n seconds after it.
var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// testNow is the fixed clock of test stores: late enough for every test
// stamp, early enough that no test tombstone is purged by accident.
var testNow = t0.Add(60 * 24 * time.Hour)

func ts(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// MustOpen opens a store in a fresh temporary directory unless o.Path is
// set, with a fixed clock and a silent logger unless o sets them, and
// closes it when the test ends.
func MustOpen(tb testing.TB, o Options) *Store {
	tb.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(tb.TempDir(), "userdir.db")
	}
	if o.Now == nil {
		o.Now = func() time.Time { return testNow }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		tb.Fatalf("Open(%s): %v", o.Path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// mustApply applies m and fails the test on error.
func mustApply(tb testing.TB, s *Store, m *Message) Result {
	tb.Helper()
	res, err := s.Apply(context.Background(), m)
	if err != nil {
		tb.Fatalf("Apply(%s): %v", m.MessageID, err)
	}
	return res
}

// mustRecords returns every record, tombstones included.
func mustRecords(tb testing.TB, s *Store) []Record {
	tb.Helper()
	recs, _, err := s.Records(context.Background(), true)
	if err != nil {
		tb.Fatalf("Records: %v", err)
	}
	return recs
}

// msg builds a message of division div with Message-ID id at stamp ts(at).
func msg(div, id string, at int, cmds ...mailcmd.Command) *Message {
	for i := range cmds {
		cmds[i].Line = i + 1
	}
	return &Message{
		Division: div, MessageID: id, Stamp: ts(at), Received: testNow,
		Sender: "admin@" + div + ".example", Commands: cmds,
	}
}

// fields parses "key=value" pairs into values and presence.
func fields(kv []string) (v [mailcmd.NumFields]string, p [mailcmd.NumFields]bool) {
	for _, s := range kv {
		k, val, _ := strings.Cut(s, "=")
		f, ok := mailcmd.FieldByKey(k)
		if !ok {
			panic(fmt.Sprintf("test field %q", k))
		}
		v[f], p[f] = val, true
	}
	return v, p
}

func ins(eml string, kv ...string) mailcmd.Command {
	v, _ := fields(kv)
	return mailcmd.Command{Op: mailcmd.OpInsert, Eml: eml, Values: v}
}

func upd(eml string, kv ...string) mailcmd.Command {
	v, p := fields(kv)
	return mailcmd.Command{Op: mailcmd.OpUpdate, Eml: eml, Values: v, Present: p}
}

func del(eml string) mailcmd.Command { return mailcmd.Command{Op: mailcmd.OpDelete, Eml: eml} }

// syncOf returns a sync line with force=1: the rules tests check what a
// sync does, not the safety net (see held_test.go).
func syncOf(kind string) mailcmd.Command {
	return mailcmd.Command{Op: mailcmd.OpSync, Kind: kind, Force: true}
}

// syncNet returns a sync line without force: the safety net applies.
func syncNet(kind string) mailcmd.Command { return mailcmd.Command{Op: mailcmd.OpSync, Kind: kind} }

// state is the visible state of a record: existence and non-empty values
// as "key=value" in Field order, e.g. "+ name=A gor=1" or "-" for a tombstone.
func state(r *Record) string {
	var b strings.Builder
	if r.Exists {
		b.WriteString("+")
	} else {
		b.WriteString("-")
	}
	for f := range mailcmd.NumFields {
		if r.Values[f] != "" {
			fmt.Fprintf(&b, " %s=%s", f.Key(), r.Values[f])
		}
	}
	return b.String()
}

// states maps "division/eml" to the visible state of every record.
func states(recs []Record) map[string]string {
	m := make(map[string]string, len(recs))
	for i := range recs {
		m[recs[i].Division+"/"+recs[i].Eml] = state(&recs[i])
	}
	return m
}
