// Package convergence is the plain model of the convergence rules
// (docs/protocol.md#meaning), for tests: it applies command messages one
// after the other in version order to a map of records, with none of the
// per-field versions, floors and SQL of the store, and picks each
// address's entry among the divisions.
// A store that was given the same messages in any order, with duplicates,
// must end in the model's state (store's and cmd/userdir's convergence
// tests compare them).
package convergence

import (
	"slices"
	"sort"
	"time"

	"userdir/mailcmd"
)

// Message is one command message as the model sees it.
type Message struct {
	Division string
	Stamp    time.Time // the message's Date: the model applies messages in this order
	// Tie orders messages of one Stamp as the store does (store.Tie of the
	// Message-ID at place 0); a command's version is (Stamp, Tie + its place
	// in the message, from 1).
	Tie      int64
	Commands []mailcmd.Command
}

// Key names a record: a division's address.
type Key struct{ Division, Eml string }

// Record is the model's state of one record.
type Record struct {
	Exists bool
	Values [mailcmd.NumFields]string
	// Ever is the version (stamp in Unix nanoseconds, tie) of the command
	// that last made the record exist: the newest wins an address.
	Ever [2]int64
}

// Run applies msgs in version order (Date, then Tie; stable for equal
// ones) and returns every record any command named, existing or not.
func Run(msgs []Message) map[Key]*Record {
	byDate := slices.Clone(msgs)
	sort.SliceStable(byDate, func(i, j int) bool {
		if !byDate[i].Stamp.Equal(byDate[j].Stamp) {
			return byDate[i].Stamp.Before(byDate[j].Stamp)
		}
		return byDate[i].Tie < byDate[j].Tie
	})
	model := make(map[Key]*Record)
	for _, m := range byDate {
		listed := make(map[string]bool)
		for i, c := range m.Commands {
			if c.Op == mailcmd.OpSync {
				continue
			}
			k := Key{m.Division, c.Eml}
			if model[k] == nil {
				model[k] = &Record{}
			}
			apply(model[k], c)
			if c.Op != mailcmd.OpDelete {
				model[k].Ever = [2]int64{m.Stamp.UnixNano(), m.Tie + int64(i+1)}
			}
			listed[c.Eml] = true
		}
		if len(m.Commands) > 0 && m.Commands[0].Op == mailcmd.OpSync {
			for k, r := range model {
				if k.Division == m.Division && !listed[k.Eml] && r.Kind() == m.Commands[0].Kind {
					*r = Record{}
				}
			}
		}
	}
	return model
}

// apply is one command, in order: insert replaces, update patches (and
// brings a record into being), delete empties.
func apply(r *Record, c mailcmd.Command) {
	switch c.Op {
	case mailcmd.OpInsert:
		*r = Record{Exists: true, Values: c.Values}
	case mailcmd.OpUpdate:
		r.Exists = true
		for f := range mailcmd.NumFields {
			if c.Present[f] {
				r.Values[f] = c.Values[f]
			}
		}
	case mailcmd.OpDelete:
		*r = Record{}
	}
}

// Kind returns the record's type, a mailbox when none was given.
func (r *Record) Kind() string {
	if r.Values[mailcmd.FieldKind] == "" {
		return mailcmd.KindMailbox
	}
	return r.Values[mailcmd.FieldKind]
}

// competes reports whether r takes part in the choice of its address's entry.
func (r *Record) competes() bool { return r.Exists && r.Values[mailcmd.FieldAct] != "0" }

// Winners returns, for every address that live, active records hold, the
// division whose record is served (one address, one entry): the newest
// existence, then the division id that sorts first.
func Winners(model map[Key]*Record) map[string]string {
	win := map[string]string{}
	for k, r := range model {
		if !r.competes() {
			continue
		}
		d, ok := win[k.Eml]
		if !ok {
			win[k.Eml] = k.Division
			continue
		}
		w := model[Key{d, k.Eml}]
		if r.Ever[0] > w.Ever[0] || (r.Ever[0] == w.Ever[0] && (r.Ever[1] > w.Ever[1] || (r.Ever[1] == w.Ever[1] && k.Division < d))) {
			win[k.Eml] = k.Division
		}
	}
	return win
}

// Shown reports whether the record of k is served: it exists and, when it
// competes for its address, it is the winner (see Winners).
func Shown(model map[Key]*Record, winners map[string]string, k Key) bool {
	r := model[k]
	return r != nil && r.Exists && (!r.competes() || winners[k.Eml] == k.Division)
}
