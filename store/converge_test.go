package store

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"userdir/internal/convergence"
	"userdir/mailcmd"
)

// TestConvergence applies one random stream of messages to a store in
// arrival order, and the same stream shuffled with duplicates to another.
// Stamps come in pairs (equal Dates), syncs meet the safety net, and
// divisions share addresses (conflicts). A held sync is a lost message: each
// store must equal a fresh store given the stream less the syncs it held,
// shuffled, and the visible state of each must equal a plain model that
// applies that stream in version order and then picks each address's
// entry. When both held the same syncs, the two stores must be identical.
func TestConvergence(t *testing.T) {
	seeds := []uint64{1, 2, 3, 20250301}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			stream := genStream(seed, 500)
			shuffled, dups := shuffleWithDuplicates(stream, seed)

			inOrder := MustOpen(t, Options{})
			heldA, _ := applyAll(t, inOrder, stream)
			reordered := MustOpen(t, Options{})
			heldB, repeats := applyAll(t, reordered, shuffled)
			if repeats != dups {
				t.Errorf("%d duplicates reported, want %d", repeats, dups)
			}
			if len(heldA)+len(heldB) == 0 {
				t.Errorf("no sync held: the stream does not exercise the safety net")
			}
			a, b := mustRecords(t, inOrder), mustRecords(t, reordered)
			for _, c := range []struct {
				name string
				recs []Record
				held map[string]bool
			}{{"in order", a, heldA}, {"reordered", b, heldB}} {
				kept := withoutHeld(stream, c.held)
				replay := MustOpen(t, Options{})
				again, _ := shuffleWithDuplicates(kept, seed+1)
				applyAll(t, replay, again)
				compareStores(t, c.recs, mustRecords(t, replay))
				compareModel(t, c.recs, runModel(kept))
			}
			if maps.Equal(heldA, heldB) {
				compareStores(t, a, b)
			}
			if conflicts(a) == 0 {
				t.Errorf("no conflict between divisions: the stream does not exercise them")
			}
		})
	}
}

// applyAll applies msgs in order and returns the Message-IDs held and
// never applied (a copy of a held sync may apply later, the division having
// changed meanwhile), and how many deliveries repeated an earlier one. A
// copy of an applied message must be a duplicate.
func applyAll(tb testing.TB, s *Store, msgs []*Message) (map[string]bool, int) {
	tb.Helper()
	held, applied := map[string]bool{}, map[string]bool{}
	repeats := 0
	for _, m := range msgs {
		if held[m.MessageID] || applied[m.MessageID] {
			repeats++
		}
		res := mustApply(tb, s, m)
		if applied[m.MessageID] && res.Outcome != OutcomeDuplicate {
			tb.Fatalf("Apply(%s) again = %s, want duplicate", m.MessageID, res.Outcome)
		}
		switch res.Outcome {
		case OutcomeHeld:
			held[m.MessageID] = true
		case OutcomeApplied:
			applied[m.MessageID] = true
			delete(held, m.MessageID)
		case OutcomeDuplicate:
		default:
			tb.Fatalf("Apply(%s) = %s", m.MessageID, res.Outcome)
		}
	}
	return held, repeats
}

// withoutHeld returns the stream less the held messages, every sync in it
// forced: the held ones are lost, and the rest must apply as they did.
func withoutHeld(stream []*Message, held map[string]bool) []*Message {
	var out []*Message
	for _, m := range stream {
		if !held[m.MessageID] {
			c := *m
			c.Force = true
			out = append(out, &c)
		}
	}
	return out
}

// conflicts counts the records that lost their address to another division.
func conflicts(recs []Record) int {
	n := 0
	for i := range recs {
		n += boolInt(recs[i].Conflict)
	}
	return n
}

// Stream generation.

var convDivisions = []string{"d1", "d2", "d3"}

// convAddress returns address i of the shared pool and its lifelong kind.
func convAddress(i int) (eml, kind string) {
	kind = mailcmd.KindMailbox
	if i%5 == 0 {
		kind = mailcmd.KindAlias
	}
	return fmt.Sprintf("u%02d@c.ru", i), kind
}

// convAddresses returns the pool indexes division d uses: 40 of 60, each
// overlapping its neighbours, so many addresses live in two or three
// divisions.
func convAddresses(d int) []int {
	var out []int
	for i := d * 10; i < d*10+40; i++ {
		out = append(out, i)
	}
	return out
}

var convValues = []string{"", "", "A", "B", "Иванов Иван", "88-02-93", "0", "1", "x@c.ru,y@c.ru"}

// genStream returns n messages with distinct random stamps, in arrival order.
func genStream(seed uint64, n int) []*Message {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	order := rng.Perm(n)
	out := make([]*Message, n)
	for i := range n {
		d := rng.IntN(len(convDivisions))
		stamp := t0.Add(time.Duration(order[i]/2) * time.Second) // pairs share a Date
		out[i] = &Message{
			Division:  convDivisions[d],
			MessageID: fmt.Sprintf("<%d.%d@conv>", seed, i),
			Stamp:     stamp,
			Received:  testNow,
			Commands:  genCommands(rng, d),
		}
	}
	return out
}

// genCommands returns a sync (8%) or one to four inserts, updates and deletes.
func genCommands(rng *rand.Rand, d int) []mailcmd.Command {
	addrs := convAddresses(d)
	if rng.IntN(100) < 8 {
		return genSync(rng, addrs)
	}
	cmds := make([]mailcmd.Command, 1+rng.IntN(4))
	for i := range cmds {
		eml, kind := convAddress(addrs[rng.IntN(len(addrs))])
		switch p := rng.IntN(100); {
		case p < 35:
			cmds[i] = mailcmd.Command{Op: mailcmd.OpInsert, Eml: eml, Values: genValues(rng, kind, nil)}
		case p < 75:
			var present [mailcmd.NumFields]bool
			cmds[i] = mailcmd.Command{Op: mailcmd.OpUpdate, Eml: eml, Values: genValues(rng, kind, &present), Present: present}
		default:
			cmds[i] = mailcmd.Command{Op: mailcmd.OpDelete, Eml: eml}
		}
		cmds[i].Line = i + 1
	}
	return cmds
}

// genSync returns a sync of one kind listing a random subset of the
// division's addresses of that kind.
func genSync(rng *rand.Rand, addrs []int) []mailcmd.Command {
	kind := mailcmd.KindMailbox
	if rng.IntN(10) < 3 {
		kind = mailcmd.KindAlias
	}
	cmds := []mailcmd.Command{syncNet(kind)}
	cmds[0].Line = 1
	for _, i := range addrs {
		eml, k := convAddress(i)
		if k == kind && rng.IntN(10) < 7 {
			cmds = append(cmds, mailcmd.Command{Op: mailcmd.OpInsert, Eml: eml, Values: genValues(rng, kind, nil), Line: len(cmds) + 1})
		}
	}
	return cmds
}

// genValues returns random field values with the type set to kind. With
// present non-nil, it also picks a random subset of fields (type always).
func genValues(rng *rand.Rand, kind string, present *[mailcmd.NumFields]bool) [mailcmd.NumFields]string {
	var v [mailcmd.NumFields]string
	for f := mailcmd.FieldName; f < mailcmd.NumFields; f++ {
		if rng.IntN(2) == 0 {
			continue
		}
		v[f] = convValues[rng.IntN(len(convValues))]
		if present != nil {
			present[f] = true
		}
	}
	v[mailcmd.FieldKind] = kind
	if present != nil {
		present[mailcmd.FieldKind] = true
	}
	return v
}

// shuffleWithDuplicates returns the stream shuffled, with 10% of its
// messages delivered twice, and the number of copies added.
func shuffleWithDuplicates(stream []*Message, seed uint64) ([]*Message, int) {
	rng := rand.New(rand.NewPCG(seed, 0xd0b1e))
	out := slices.Clone(stream)
	dups := len(stream) / 10
	for _, i := range rng.Perm(len(stream))[:dups] {
		out = append(out, stream[i])
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, dups
}

// runModel is the convergence model of the stream.
func runModel(stream []*Message) map[convergence.Key]*convergence.Record {
	msgs := make([]convergence.Message, len(stream))
	for i, m := range stream {
		msgs[i] = convergence.Message{Division: m.Division, Stamp: m.Stamp, Tie: Tie(m.MessageID, 0), Commands: m.Commands}
	}
	return convergence.Run(msgs)
}

// compareStores fails at the first record that differs between a and b in
// anything but Seq and Created.
func compareStores(tb testing.TB, a, b []Record) {
	tb.Helper()
	for i := range min(len(a), len(b)) {
		x, y := a[i], b[i]
		x.Seq, y.Seq, x.Created, y.Created = 0, 0, time.Time{}, time.Time{}
		if fmt.Sprintf("%+v", x) != fmt.Sprintf("%+v", y) {
			tb.Fatalf("record %d differs:\nin order:  %+v\nreordered: %+v", i, x, y)
		}
	}
	if len(a) != len(b) {
		tb.Fatalf("in order: %d records, reordered: %d", len(a), len(b))
	}
}

// compareModel fails at the first record whose visible state differs from
// the model's; a record that loses its address to another division's is
// visible as gone.
func compareModel(tb testing.TB, recs []Record, model map[convergence.Key]*convergence.Record) {
	tb.Helper()
	winners := convergence.Winners(model)
	live := 0
	for i := range recs {
		r := &recs[i]
		k := convergence.Key{Division: r.Division, Eml: r.Eml}
		m := model[k]
		if m == nil {
			tb.Fatalf("store has %s/%s (%s), the model has no such record", r.Division, r.Eml, state(r))
		}
		want := state(&Record{Exists: convergence.Shown(model, winners, k), Values: m.Values})
		if got := state(r); got != want {
			tb.Fatalf("%s/%s: store %q, model %q", r.Division, r.Eml, got, want)
		}
		live += boolInt(r.Exists)
	}
	if len(recs) != len(model) {
		tb.Fatalf("store has %d records, the model %d", len(recs), len(model))
	}
	if live == 0 || live == len(recs) {
		tb.Fatalf("degenerate stream: %d of %d records live", live, len(recs))
	}
}
