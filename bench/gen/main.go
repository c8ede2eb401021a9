// Command gen writes a deterministic corporate address book for
// bench/compare.sh, in the forms both servers load: LDIF (RFC 2849) for
// slapadd, and the same people as userdir command messages (RFC 5322,
// one _cmd=insert line per person, see docs/protocol.md) with the
// matching [[division]] blocks. It also writes the query terms, each
// with the number of entries a correct server returns for it.
//
//	gen -n 10000 -d 10 -seed 1 -out ab.ldif -terms ab.terms \
//	    -mail-dir mail -mail-config divisions.toml -per-message 1000
//
// The same flags give byte-identical files. Names are Russian, family name
// first ("Иванова Елена Александровна"), Zipf-weighted so that common
// names repeat; divisions are weighted 1/sqrt(i+1), so the head office is
// the largest. Terms files have lines "kind<TAB>value<TAB>expected" with
// the kinds mail_hit, mail_miss, mail_case, prefix, phone, phone_miss and
// division (value "ou=<name>"; the base of a browse).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	n := flag.Int("n", 10000, "number of people")
	d := flag.Int("d", 10, "number of divisions")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "", "write the LDIF to `file`")
	termsOut := flag.String("terms", "", "write the query terms to `file`")
	mailDir := flag.String("mail-dir", "", "write the book as command messages msg-NNNNNN.eml into `dir`")
	mailConfig := flag.String("mail-config", "", "write the [[division]] blocks for userdir to `file`")
	perMessage := flag.Int("per-message", 1000, "commands per message")
	flag.Parse()
	if *n < 1 || *d < 1 || *d > *n || *perMessage < 1 {
		fmt.Fprintln(os.Stderr, "gen: need -n >= -d >= 1 and -per-message >= 1")
		os.Exit(2)
	}
	if err := run(*n, *d, *seed, *out, *termsOut, *mailDir, *mailConfig, *perMessage); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run(n, d int, seed uint64, out, termsOut, mailDir, mailConfig string, perMessage int) error {
	b := generate(n, d, seed)
	ts := makeTerms(b, seed)
	if out != "" {
		if err := writeFile(out, func(w *bufio.Writer) { writeLDIF(w, b) }); err != nil {
			return err
		}
	}
	if termsOut != "" {
		var s strings.Builder
		writeTerms(&s, ts)
		if err := os.WriteFile(termsOut, []byte(s.String()), 0o644); err != nil {
			return fmt.Errorf("write terms: %w", err)
		}
	}
	if mailConfig != "" {
		if err := writeFile(mailConfig, func(w *bufio.Writer) { writeDivisions(w, b) }); err != nil {
			return err
		}
	}
	if mailDir != "" {
		if err := os.MkdirAll(mailDir, 0o755); err != nil {
			return fmt.Errorf("mail dir: %w", err)
		}
		for _, m := range messages(b, perMessage) {
			name := filepath.Join(mailDir, fmt.Sprintf("msg-%06d.eml", m.seq))
			if err := writeFile(name, func(w *bufio.Writer) { writeMessage(w, b, m, n) }); err != nil {
				return err
			}
		}
	}
	fmt.Fprintln(os.Stderr, "gen:", summary(b, ts))
	return nil
}

// writeFile creates name and writes it through a buffer.
func writeFile(name string, write func(*bufio.Writer)) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	write(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	return nil
}
