package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"userdir/internal/convergence"
	"userdir/mailcmd"
)

// TestConvergence applies one random stream of messages to a store in
// arrival order, and the same stream shuffled with duplicates to another:
// both must end with identical records (values, existence and stamps), and
// their visible state must equal a plain model that applies the messages
// in Date order.
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
			for _, m := range stream {
				if res := mustApply(t, inOrder, m); res.Outcome != OutcomeApplied {
					t.Fatalf("Apply(%s) = %s, want applied", m.MessageID, res.Outcome)
				}
			}
			reordered := MustOpen(t, Options{})
			gotDups := 0
			for _, m := range shuffled {
				if mustApply(t, reordered, m).Outcome == OutcomeDuplicate {
					gotDups++
				}
			}
			if gotDups != dups {
				t.Errorf("%d duplicates reported, want %d", gotDups, dups)
			}

			a, b := mustRecords(t, inOrder), mustRecords(t, reordered)
			compareStores(t, a, b)
			compareModel(t, a, runModel(stream))
		})
	}
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
		stamp := t0.Add(time.Duration(order[i])*time.Second + time.Duration(rng.IntN(1e9)))
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
	cmds := []mailcmd.Command{{Op: mailcmd.OpSync, Kind: kind, Line: 1}}
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
		msgs[i] = convergence.Message{Division: m.Division, Stamp: m.Stamp, Commands: m.Commands}
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
// the model's.
func compareModel(tb testing.TB, recs []Record, model map[convergence.Key]*convergence.Record) {
	tb.Helper()
	live := 0
	for i := range recs {
		r := &recs[i]
		m := model[convergence.Key{Division: r.Division, Eml: r.Eml}]
		if m == nil {
			tb.Fatalf("store has %s/%s (%s), the model has no such record", r.Division, r.Eml, state(r))
		}
		want := state(&Record{Exists: m.Exists, Values: m.Values})
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
