// Package convergence is the plain model of the convergence rules
// (docs/protocol.md#meaning), for tests: it applies command messages one after the other in Date order to
// a map of records, with none of the stamps, floors and SQL of the store.
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
	Commands []mailcmd.Command
}

// Key names a record: a division's address.
type Key struct{ Division, Eml string }

// Record is the model's state of one record.
type Record struct {
	Exists bool
	Values [mailcmd.NumFields]string
}

// Run applies msgs in Date order (stable for equal dates) and returns every
// record any command named, existing or not.
func Run(msgs []Message) map[Key]*Record {
	byDate := slices.Clone(msgs)
	sort.SliceStable(byDate, func(i, j int) bool { return byDate[i].Stamp.Before(byDate[j].Stamp) })
	model := make(map[Key]*Record)
	for _, m := range byDate {
		listed := make(map[string]bool)
		for _, c := range m.Commands {
			if c.Op == mailcmd.OpSync {
				continue
			}
			k := Key{m.Division, c.Eml}
			if model[k] == nil {
				model[k] = &Record{}
			}
			apply(model[k], c)
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
