package agent

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"userdir/compose"
	"userdir/mailcmd"
)

// Keys are the column names a source may have: the command keys of a
// mailbox or alias line, in the order lines are written.
var Keys = []string{"type", "eml", "name", "gor", "mer", "sot", "of", "post", "sdiv", "act", "vis", "dst"}

// ErrColumns is wrapped by the errors about a source's columns: one that
// is not a command key, a repeated one, or no eml.
var ErrColumns = errors.New("bad columns")

// Record is one account as the source gave it: its values by key, eml
// excluded, only for the columns the source has.
type Record map[string]string

// kind returns the record's type: mbox or alias.
func (r Record) kind() string {
	if k := r["type"]; k != "" {
		return k
	}
	return mailcmd.KindMailbox
}

// Invalid is a row that cannot be sent: its 1-based number among the rows
// (the header of a CSV file is not counted), its address if it has one,
// and why.
type Invalid struct {
	Row    int
	Eml    string
	Reason string
}

// String formats i for the admin: "row 3 (x@y): reason".
func (i Invalid) String() string {
	if i.Eml != "" {
		return fmt.Sprintf("row %d (%s): %s", i.Row, i.Eml, i.Reason)
	}
	return fmt.Sprintf("row %d: %s", i.Row, i.Reason)
}

// Accounts are the valid records of a source by address, and its invalid
// rows.
type Accounts struct {
	Keys    []string          // the source's columns but eml, in Keys order
	Records map[string]Record // by eml (lower-case)
	Invalid []Invalid
	Rows    int             // rows read, valid or not
	held    map[string]bool // addresses of invalid rows: never deleted for it
}

// NewAccounts checks t's columns and turns its rows into records. A row
// that ingest would reject (a bad address, act=maybe, a value over the
// limits, an address given twice) is reported in Invalid and left out.
func NewAccounts(t *Table) (*Accounts, error) {
	idx, keys, err := columns(t.Columns)
	if err != nil {
		return nil, err
	}
	a := &Accounts{Keys: keys, Records: map[string]Record{}, Rows: len(t.Rows), held: map[string]bool{}}
	firstRow := map[string]int{}
	for n, row := range t.Rows {
		rec, eml, err := record(idx, keys, row)
		if err == nil && firstRow[eml] > 0 {
			err = fmt.Errorf("the address is also on row %d", firstRow[eml])
		}
		if err != nil {
			a.Invalid = append(a.Invalid, Invalid{Row: n + 1, Eml: eml, Reason: err.Error()})
			if eml != "" {
				a.held[eml] = true
			}
			continue
		}
		firstRow[eml] = n + 1
		a.Records[eml] = rec
	}
	for eml := range a.held {
		delete(a.Records, eml) // a duplicate: neither row is trusted
	}
	return a, nil
}

// columns maps each key to its column and lists the keys but eml present.
func columns(cols []string) (map[string]int, []string, error) {
	idx := map[string]int{}
	for i, c := range cols {
		if !slices.Contains(Keys, c) {
			return nil, nil, fmt.Errorf("%w: column %q is not a command key (want %s); rename it with AS", ErrColumns, c, strings.Join(Keys, ", "))
		}
		if _, dup := idx[c]; dup {
			return nil, nil, fmt.Errorf("%w: column %q given twice", ErrColumns, c)
		}
		idx[c] = i
	}
	if _, ok := idx["eml"]; !ok {
		return nil, nil, fmt.Errorf("%w: no eml column (the address)", ErrColumns)
	}
	var keys []string
	for _, k := range Keys {
		if _, ok := idx[k]; ok && k != "eml" {
			keys = append(keys, k)
		}
	}
	return idx, keys, nil
}

// record turns one row into a record, normalized as ingest stores it, and
// checks it with compose.Line.
func record(idx map[string]int, keys []string, row []string) (Record, string, error) {
	if len(row) != len(idx) {
		return nil, "", fmt.Errorf("%d values for %d columns", len(row), len(idx))
	}
	eml := strings.ToLower(strings.TrimSpace(row[idx["eml"]]))
	rec := Record{}
	for _, k := range keys {
		v := strings.TrimSpace(row[idx[k]])
		switch k {
		case "type":
			if v = strings.ToLower(v); v == "" {
				v = mailcmd.KindMailbox
			}
		case "act", "vis":
			v = flag(v)
		}
		rec[k] = v
	}
	if eml == "" {
		return nil, "", errors.New("no address (eml is empty)")
	}
	if rec.kind() != mailcmd.KindAlias && rec["dst"] == "" {
		delete(rec, "dst") // a query over mailboxes and aliases has it on every row
	}
	if _, err := compose.Line("insert", rec.fields(eml, keys)); err != nil {
		return nil, eml, err
	}
	return rec, eml, nil
}

// flag turns the usual spellings of a boolean into 1 or 0; others are left
// for ingest's check to refuse.
func flag(v string) string {
	switch strings.ToLower(v) {
	case "1", "t", "true", "y", "yes", "on":
		return "1"
	case "0", "f", "false", "n", "no", "off":
		return "0"
	}
	return v
}

// fields returns the fields of an insert of r: type, eml, then those of
// keys that r has.
func (r Record) fields(eml string, keys []string) []compose.Field {
	out := make([]compose.Field, 0, len(keys)+1)
	if v, ok := r["type"]; ok {
		out = append(out, compose.Field{Key: "type", Value: v})
	}
	out = append(out, compose.Field{Key: "eml", Value: eml})
	for _, k := range keys {
		if v, ok := r[k]; ok && k != "type" {
			out = append(out, compose.Field{Key: k, Value: v})
		}
	}
	return out
}
