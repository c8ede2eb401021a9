package agent

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // the "mysql" driver
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver
)

// maxRows bounds what one read of a source may hold.
const maxRows = 1_000_000

// maxStderr bounds what is kept of a source command's standard error.
const maxStderr = 4096

// Table is what a source returned: the column names (lower-case) and the
// rows, every value as text (SQL NULL is empty).
type Table struct {
	Columns []string
	Rows    [][]string
}

// Read reads the accounts from s.
func (s *Source) Read(ctx context.Context) (*Table, error) {
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	switch s.Driver {
	case DriverMySQL, DriverPostgres, DriverSQLite:
		return s.query(ctx)
	case DriverCSV:
		f, err := os.Open(s.File)
		if err != nil {
			return nil, fmt.Errorf("csv: %w", err)
		}
		defer f.Close()
		t, err := readCSV(f)
		if err != nil {
			return nil, fmt.Errorf("csv %s: %w", s.File, err)
		}
		return t, nil
	case DriverCommand:
		return s.command(ctx)
	}
	return nil, fmt.Errorf("unknown driver %q", s.Driver)
}

// sqlDriver maps a [source] driver to its database/sql name.
var sqlDriver = map[string]string{DriverMySQL: "mysql", DriverPostgres: "pgx", DriverSQLite: "sqlite"}

// openSQL opens the database of a SQL driver of [source].
func openSQL(driver, dsn string) (*sql.DB, error) {
	return sql.Open(sqlDriver[driver], dsn)
}

// query runs the query of s. The DSN is never quoted in an error.
func (s *Source) query(ctx context.Context) (*Table, error) {
	db, err := openSQL(s.Driver, s.DSN)
	if err != nil {
		return nil, fmt.Errorf("%s: open the database: %w", s.Driver, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, s.Query)
	if err != nil {
		return nil, fmt.Errorf("%s: query: %w", s.Driver, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("%s: columns: %w", s.Driver, err)
	}
	t := &Table{Columns: lowerAll(cols)}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if len(t.Rows) >= maxRows {
			return nil, fmt.Errorf("%s: more than %d rows", s.Driver, maxRows)
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", s.Driver, len(t.Rows)+1, err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = text(v)
		}
		t.Rows = append(t.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: query: %w", s.Driver, err)
	}
	return t, nil
}

// text returns a scanned SQL value as text; booleans become 1 and 0.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(v)
	case string:
		return v
	case bool:
		if v {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(v, 10)
	case time.Time:
		return v.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// command runs the source command and reads its standard output as CSV.
// A non-zero exit is an error that quotes the end of its standard error.
func (s *Source) command(ctx context.Context) (*Table, error) {
	cmd := exec.CommandContext(ctx, s.Command[0], s.Command[1:]...)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("command: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("command %s: %w", s.Command[0], err)
	}
	t, rerr := readCSV(out)
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("command %s: %w: %s", s.Command[0], err, strings.TrimSpace(stderr.String()))
	}
	if rerr != nil {
		return nil, fmt.Errorf("command %s: output: %w", s.Command[0], rerr)
	}
	return t, nil
}

// tailBuffer keeps the last maxStderr bytes written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > maxStderr {
		t.b = t.b[len(t.b)-maxStderr:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

// readCSV reads CSV (RFC 4180, comma-separated, a UTF-8 byte-order mark
// allowed) whose first row names the columns.
func readCSV(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // a short row is an invalid row, not a failed source
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("no header row")
	}
	if err != nil {
		return nil, err
	}
	if len(header) > 0 {
		header[0] = string(bytes.TrimPrefix([]byte(header[0]), []byte("\uFEFF")))
	}
	t := &Table{Columns: lowerAll(header)}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		if len(t.Rows) >= maxRows {
			return nil, fmt.Errorf("more than %d rows", maxRows)
		}
		t.Rows = append(t.Rows, rec)
	}
}

// lowerAll returns names trimmed and lower-cased.
func lowerAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToLower(strings.TrimSpace(n))
	}
	return out
}
