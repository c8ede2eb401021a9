package store

import (
	"encoding/binary"
	"strings"
	"time"

	"userdir/mailcmd"
)

// recordColumns lists the columns of table record in the order rowScanner
// and rowArgs use them: the key, then the value and stamp of every field in
// Field order, then existence, kind, creation, modification and sequence.
var recordColumns = func() string {
	cols := []string{"division", "eml"}
	for f := range mailcmd.NumFields {
		cols = append(cols, "v_"+f.Key(), "s_"+f.Key())
	}
	cols = append(cols, "live", "live_stamp", "kind", "kind_stamp",
		"created", "modified", "seq", "ties", "dead_at")
	return strings.Join(cols, ", ")
}()

// numRecordColumns is the number of columns in recordColumns.
const numRecordColumns = 2 + 2*int(mailcmd.NumFields) + 9

// upsertRecordSQL writes a whole record, replacing the row of its key.
var upsertRecordSQL = "INSERT OR REPLACE INTO record (" + recordColumns + ") VALUES (?" +
	strings.Repeat(", ?", numRecordColumns-1) + ")"

// selectRecordSQL reads records; callers append WHERE and ORDER BY.
var selectRecordSQL = "SELECT " + recordColumns + " FROM record"

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// rowScanner scans record rows, reusing its destinations between rows.
type rowScanner struct {
	dest              []any
	created, modified int64
	ties              []byte
}

func newRowScanner() *rowScanner {
	return &rowScanner{dest: make([]any, numRecordColumns)}
}

// scan reads one row of recordColumns into r.
func (rs *rowScanner) scan(sc scanner, r *row) error {
	d := rs.dest
	d[0], d[1] = &r.Division, &r.Eml
	i := 2
	for f := range mailcmd.NumFields {
		d[i], d[i+1] = &r.Values[f], &r.Stamps[f]
		i += 2
	}
	d[i], d[i+1], d[i+2], d[i+3] = &r.Exists, &r.ExistsStamp, &r.kind, &r.kindStamp
	d[i+4], d[i+5], d[i+6], d[i+7], d[i+8] = &rs.created, &rs.modified, &r.Seq, &rs.ties, &r.deadAt
	if err := sc.Scan(d...); err != nil {
		return err
	}
	decodeTies(rs.ties, r)
	r.Created = fromUnixNano(rs.created)
	r.Modified = fromUnixNano(rs.modified)
	return nil
}

// rowArgs returns the arguments of upsertRecordSQL for r at sequence seq,
// reusing args.
func rowArgs(args []any, r *row, seq int64) []any {
	args = append(args[:0], r.Division, r.Eml)
	for f := range mailcmd.NumFields {
		args = append(args, r.Values[f], r.Stamps[f])
	}
	return append(args, r.Exists, r.ExistsStamp, r.kind, r.kindStamp,
		unixNano(r.Created), modified(&r.Record), seq, encodeTies(r), r.deadAt)
}

// unixNano returns t as Unix nanoseconds, 0 for the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano is the inverse of unixNano, in UTC.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// numTies is how many ties a record has: one per field, its existence and its kind.
const numTies = int(mailcmd.NumFields) + 2

// encodeTies returns the ties of r as the column ties holds them: numTies
// big-endian int64s, or nothing when all are zero.
func encodeTies(r *row) []byte {
	all := append(r.Ties[:], r.ExistsTie, r.kindTie)
	zero := true
	for _, t := range all {
		zero = zero && t == 0
	}
	if zero {
		return []byte{}
	}
	b := make([]byte, 0, 8*numTies)
	for _, t := range all {
		b = binary.BigEndian.AppendUint64(b, uint64(t))
	}
	return b
}

// decodeTies sets the ties of r from b, as encodeTies wrote them; a short
// or empty b leaves the missing ones zero.
func decodeTies(b []byte, r *row) {
	var all [numTies]int64
	for i := range all {
		if len(b) >= 8*(i+1) {
			all[i] = int64(binary.BigEndian.Uint64(b[8*i:]))
		}
	}
	copy(r.Ties[:], all[:mailcmd.NumFields])
	r.ExistsTie, r.kindTie = all[mailcmd.NumFields], all[mailcmd.NumFields+1]
}
