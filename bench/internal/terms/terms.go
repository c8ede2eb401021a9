// Package terms reads the query terms file that bench/gen writes: one
// "kind<TAB>value<TAB>expected" line per term, where expected is the
// number of entries the term's query must find. The load tool and
// entrydiff both read it.
package terms

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrMalformed reports a line that is not three tab-separated fields with
// a number last.
var ErrMalformed = errors.New("malformed terms line")

// Term is one line of a terms file.
type Term struct {
	Kind, Value string
	Expected    int
}

// Read returns the terms of r in file order, skipping blank lines and
// # comments. A malformed line is an error wrapping ErrMalformed that names
// its line number.
func Read(r io.Reader) ([]Term, error) {
	var out []Term
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Split(s, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: %w: want 3 tab-separated fields", line, ErrMalformed)
		}
		n, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w: expected count: %w", line, ErrMalformed, err)
		}
		out = append(out, Term{Kind: f[0], Value: f[1], Expected: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read terms: %w", err)
	}
	return out, nil
}
