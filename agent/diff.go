package agent

import (
	"fmt"
	"maps"
	"slices"

	"userdir/compose"
	"userdir/mailcmd"
)

// Change is one command to send: an insert for a new address, an update
// with only the changed fields, or a delete for a vanished one.
type Change struct {
	Op   string // insert, update or delete
	Eml  string
	Line string // the command line, checked by compose.Line
	Rec  Record // the record after the change; nil for a delete
}

// Diff returns the commands that turn old (what the MTA last accepted)
// into the valid records of now, sorted by address. A field is compared
// only when now's source has its column, so a column dropped from the
// query is left alone rather than cleared. A changed type is sent as an
// insert, which replaces the whole record. Addresses of now's invalid rows
// are neither changed nor deleted.
func Diff(old map[string]Record, now *Accounts) ([]Change, error) {
	var out []Change
	for _, eml := range slices.Sorted(maps.Keys(now.Records)) {
		rec := now.Records[eml]
		prev, ok := old[eml]
		if !ok || prev.kind() != rec.kind() {
			line, err := compose.Line("insert", rec.fields(eml, now.Keys))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", eml, err)
			}
			out = append(out, Change{Op: "insert", Eml: eml, Line: line, Rec: rec})
			continue
		}
		var fields []compose.Field
		for _, k := range now.Keys {
			if _, ok := rec[k]; ok && k != "type" && prev[k] != rec[k] {
				fields = append(fields, compose.Field{Key: k, Value: rec[k]})
			}
		}
		if len(fields) == 0 {
			continue
		}
		head := []compose.Field{{Key: "eml", Value: eml}}
		if rec.kind() != mailcmd.KindMailbox {
			head = []compose.Field{{Key: "type", Value: rec.kind()}, head[0]}
		}
		line, err := compose.Line("update", append(head, fields...))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", eml, err)
		}
		out = append(out, Change{Op: "update", Eml: eml, Line: line, Rec: merged(prev, rec)})
	}
	for _, eml := range slices.Sorted(maps.Keys(old)) {
		if _, ok := now.Records[eml]; ok || now.held[eml] {
			continue
		}
		line, err := compose.Line("delete", []compose.Field{{Key: "type", Value: old[eml].kind()}, {Key: "eml", Value: eml}})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", eml, err)
		}
		out = append(out, Change{Op: "delete", Eml: eml, Line: line})
	}
	return out, nil
}

// merged returns prev with the values of rec over it: what the centre
// holds after an update that names only rec's columns.
func merged(prev, rec Record) Record {
	out := maps.Clone(prev)
	if out == nil {
		out = Record{}
	}
	maps.Copy(out, rec)
	return out
}

// Deletions counts the deletes among changes.
func Deletions(changes []Change) int {
	n := 0
	for _, c := range changes {
		if c.Op == "delete" {
			n++
		}
	}
	return n
}
