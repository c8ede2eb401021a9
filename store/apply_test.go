package store

import (
	"fmt"
	"slices"
	"testing"

	"userdir/mailcmd"
)

// TestApplyCommandPure checks the in-memory rules of apply.go on one record,
// including the stamps they leave.
func TestApplyCommandPure(t *testing.T) {
	noFloor := func(string) version { return version{} }
	mbox8 := floorAt(mailcmd.KindMailbox, 8)
	tests := []struct {
		name      string
		start     row
		cmd       mailcmd.Command
		stamp     int64
		floor     floors
		wantState string
		wantGor   int64  // stamp of gor afterwards
		wantExist int64  // ExistsStamp afterwards
		wantKind  string // kind register afterwards
	}{
		{"insert on empty", row{}, ins("x", "gor=1"), 5, noFloor, "+ gor=1", 5, 5, mailcmd.KindMailbox},
		{"insert older than fields", rec(7, "+", "", "gor=2"), ins("x", "gor=1", "name=A"), 5, noFloor, "+ gor=2", 7, 7, mailcmd.KindMailbox},
		{"insert at equal stamp wins", rec(5, "+", "", "gor=2"), ins("x", "gor=1"), 5, noFloor, "+ gor=1", 5, 5, mailcmd.KindMailbox},
		{"update leaves absent fields", rec(3, "+", "", "gor=2", "name=A"), upd("x", "name=B"), 5, noFloor, "+ name=B gor=2", 3, 5, ""},
		{"update revives a tombstone", rec(3, "-", ""), upd("x", "name=B"), 5, noFloor, "+ name=B", 3, 5, ""},
		{"older update leaves a tombstone", rec(6, "-", ""), upd("x", "gor=9"), 5, noFloor, "-", 6, 6, ""},
		{"delete empties older fields", rec(3, "+", "", "gor=2"), del("x"), 5, noFloor, "-", 5, 5, ""},
		{"delete keeps the kind register", rec(3, "+", mailcmd.KindAlias, "type=alias"), del("x"), 5, noFloor, "-", 5, 5, mailcmd.KindAlias},
		{"older delete does nothing", rec(7, "+", "", "gor=2"), del("x"), 5, noFloor, "+ gor=2", 7, 7, ""},
		{"typed update teaches the kind", rec(3, "+", ""), upd("x", "type=alias"), 5, noFloor, "+ type=alias", 3, 5, mailcmd.KindAlias},
		{"floor deletes an older command's record", row{}, ins("x", "gor=1"), 5, mbox8, "-", 8, 8, mailcmd.KindMailbox},
		{"floor keeps a newer command's record", row{}, ins("x", "gor=1"), 9, mbox8, "+ gor=1", 9, 9, mailcmd.KindMailbox},
		{"floor keeps what the sync wrote", rec(8, "+", mailcmd.KindMailbox, "gor=8"), upd("x", "gor=7"), 7, mbox8, "+ gor=8", 8, 8, mailcmd.KindMailbox},
		{
			// An insert older than the sync arrives after a newer update:
			// the sync emptied name, so the insert's name must not show.
			"floor empties older fields of a newer record", updated(9, "type=mbox", "gor=9"),
			ins("x", "name=A", "gor=1"), 5, mbox8, "+ type=mbox gor=9", 9, 9, mailcmd.KindMailbox,
		},
		{"floor of another kind does not apply", row{}, ins("x", "type=alias"), 5, mbox8, "+ type=alias", 5, 5, mailcmd.KindAlias},
		{"no floor for an unknown kind", row{}, del("x"), 5, mbox8, "-", 5, 5, ""},
		{"an untyped update does not tell the kind", rec(3, "-", ""), upd("x", "gor=1"), 5, mbox8, "+ gor=1", 5, 5, ""},
		{"a typed update tells the kind and meets the floor", rec(3, "-", ""), upd("x", "type=mbox", "gor=1"), 5, mbox8, "-", 8, 8, mailcmd.KindMailbox},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.start
			if !applyCommand(&r, &tt.cmd, version{tt.stamp, 1}, tt.floor) {
				t.Fatalf("applyCommand(%s) = false", tt.cmd.Op)
			}
			if got := state(&r.Record); got != tt.wantState {
				t.Errorf("state = %q, want %q", got, tt.wantState)
			}
			if r.Stamps[mailcmd.FieldGor] != tt.wantGor || r.ExistsStamp != tt.wantExist || r.kind != tt.wantKind {
				t.Errorf("gor stamp, ExistsStamp, kind = %d, %d, %q; want %d, %d, %q",
					r.Stamps[mailcmd.FieldGor], r.ExistsStamp, r.kind, tt.wantGor, tt.wantExist, tt.wantKind)
			}
		})
	}
}

// TestFloorDeleteIdempotent checks that a sync's delete applied twice, or
// after a newer one, changes nothing more.
func TestFloorDeleteIdempotent(t *testing.T) {
	r := rec(3, "+", mailcmd.KindMailbox, "gor=1", "name=A")
	r.Stamps[mailcmd.FieldName] = 9
	floorDelete(&r.Record, version{8, 0})
	once := r
	floorDelete(&r.Record, version{8, 0})
	floorDelete(&r.Record, version{5, 0})
	if !sameState(&once, &r) {
		t.Errorf("after a second floorDelete: %+v, want %+v", r, once)
	}
	if got := state(&r.Record); got != "- name=A" || r.ExistsStamp != 8 {
		t.Errorf("floorDelete(8) = %q at %d, want %q at 8", got, r.ExistsStamp, "- name=A")
	}
}

// TestApplyCommandSync checks that applyCommand refuses an op it does not apply.
func TestApplyCommandSync(t *testing.T) {
	var r row
	c := syncOf(mailcmd.KindMailbox)
	if applyCommand(&r, &c, version{1, 0}, nil) {
		t.Error("applyCommand(sync) = true, want false")
	}
	if r.ExistsStamp != 0 || r.Exists {
		t.Errorf("record changed: %+v", r)
	}
}

// rec returns a row whose fields, existence and kind all carry stamp s.
// exists is "+" or "-"; kind "" is unknown; kv are "key=value" pairs.
func rec(s int64, exists, kind string, kv ...string) row {
	v, _ := fields(kv)
	r := row{Record: Record{Values: v, Exists: exists == "+", ExistsStamp: s}, kind: kind}
	for f := range mailcmd.NumFields {
		r.Stamps[f] = s
	}
	if kind != "" {
		r.kindStamp = s
	}
	return r
}

// updated returns the row an update at stamp s creates: only the fields kv
// name carry s.
func updated(s int64, kv ...string) row {
	var r row
	c := upd("x", kv...)
	applyCommand(&r, &c, version{s, 0}, nil)
	return r
}

func floorAt(kind string, s int64) floors {
	return func(k string) version {
		if k == kind {
			return version{s, 0}
		}
		return version{}
	}
}

// event is one step in FuzzRulesCommute: a command, or a sync of one kind
// that lists the record or not. Events come in pairs with one stamp (equal
// Dates) and distinct ties; a sync's floor is just below its own insert.
type event struct {
	cmd    mailcmd.Command
	stamp  int64
	tie    int64
	sync   string // kind synced; "" for a command
	listed bool
}

// decodeEvents turns fuzz input into events on one record of one kind, with
// distinct stamps: two bytes per event.
func decodeEvents(data []byte) (kind string, evs []event) {
	kind = mailcmd.KindMailbox
	if len(data) > 0 && data[0]&1 == 1 {
		kind = mailcmd.KindAlias
	}
	for i := 1; i+1 < len(data) && len(evs) < 16; i += 2 {
		op, arg := data[i], data[i+1]
		e := event{stamp: int64(len(evs)/2+1) * 10, tie: int64(len(evs)+1) * 2}
		vals := []string{"type=" + kind, fmt.Sprintf("gor=%d", arg&3)}
		if arg&4 != 0 {
			vals = append(vals, fmt.Sprintf("name=%d", arg>>4))
		}
		switch op % 5 {
		case 0:
			e.cmd = ins("x", vals...)
		case 1:
			e.cmd = upd("x", vals[1:]...) // untyped: the kind stays unknown
		case 2:
			e.cmd = upd("x", vals...)
		case 3:
			e.cmd = del("x")
		case 4:
			e.sync, e.listed = mailcmd.KindMailbox, arg&8 != 0
			if arg&16 != 0 {
				e.sync = mailcmd.KindAlias
			}
			e.listed = e.listed && e.sync == kind
			e.cmd = ins("x", vals...)
		}
		evs = append(evs, e)
	}
	return kind, evs
}

// play applies evs in the order given by idx, as the store would.
func play(evs []event, idx []int) row {
	var r row
	fl := map[string]version{}
	floor := func(k string) version { return fl[k] }
	for _, i := range idx {
		e := evs[i]
		cv := version{e.stamp, e.tie + 1}
		if e.sync == "" {
			applyCommand(&r, &e.cmd, cv, floor)
			continue
		}
		if fv := (version{e.stamp, e.tie}); fv.after(fl[e.sync]) {
			fl[e.sync] = fv
		}
		if e.listed {
			applyCommand(&r, &e.cmd, cv, floor)
		}
		applyFloor(&r, floor)
	}
	return r
}

// FuzzRulesCommute checks that the rules of apply.go give one record the
// same state whatever the order its commands and syncs arrive in.
func FuzzRulesCommute(f *testing.F) {
	f.Add([]byte{0, 0, 5, 4, 0, 2, 1})               // sync, insert, update
	f.Add([]byte{1, 3, 0, 9, 0, 0, 6, 4, 16})        // alias: delete, mailbox sync, insert, alias sync
	f.Add([]byte{0, 0, 1, 4, 8, 1, 6, 3, 0, 2, 255}) // listed sync among updates
	f.Fuzz(func(t *testing.T, data []byte) {
		_, evs := decodeEvents(data)
		if len(evs) == 0 {
			return
		}
		fwd := make([]int, len(evs))
		for i := range fwd {
			fwd[i] = i
		}
		rev := slices.Clone(fwd)
		slices.Reverse(rev)
		odd := append(slices.Clone(fwd[1:]), fwd[0])
		want := play(evs, fwd)
		for _, order := range [][]int{rev, odd} {
			got := play(evs, order)
			got.Created = want.Created // when a record came to be depends on arrival order
			if !sameState(&got, &want) {
				t.Fatalf("order %v:\n got %+v\nwant %+v (in stamp order)", order, got, want)
			}
		}
	})
}
