package mailcmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// MaxNotes is how many rejected lines, and how many warnings, a Stream
// keeps; it counts them all.
const MaxNotes = 1000

// maxLineBytes is the longest line a Stream parses: twelve values of 256
// characters, escaped, fit in far less. A longer line is rejected unread.
const maxLineBytes = 64 << 10

// Stream parses the command lines of a body read line by line from a
// reader (the rules of ParseCommands), so that a large body is never held
// as commands all at once. It is not safe for concurrent use.
type Stream struct {
	r       *bufio.Reader
	p       bodyParser
	next    int // index in p.cmds of the next command Next returns
	place   int // the place of the command Next returned last
	line    int // lines read
	err     error
	done    bool
	rejects int
	warns   int
}

// NewStream returns a Stream reading r. check, when not nil, is asked about
// each otherwise valid command: a non-empty answer rejects its line with
// that reason (a division's domains, for instance).
func NewStream(r io.Reader, check func(*Command) string) *Stream {
	return &Stream{r: bufio.NewReaderSize(r, maxLineBytes), p: bodyParser{first: true, check: check}}
}

// Next returns the next valid command, and false at the end of the body or
// on a read error (see Err).
func (s *Stream) Next() (Command, bool) {
	for s.next >= len(s.p.cmds) {
		if s.done {
			return Command{}, false
		}
		s.p.cmds, s.p.places, s.next = s.p.cmds[:0], s.p.places[:0], 0
		s.readLine()
	}
	c := s.p.cmds[s.next]
	s.place = s.p.places[s.next]
	s.next++
	return c, true
}

// Place returns the 1-based place, among the command segments of the body
// (rejected ones included), of the command Next returned last: the last
// part of its version, which orders commands joined by ';' on one line too.
func (s *Stream) Place() int { return s.place }

// readLine parses the next line into s.p.
func (s *Stream) readLine() {
	line, long, err := s.readSlice()
	if len(line) > 0 {
		s.line++
		nr, nw := len(s.p.rejects), len(s.p.warnings)
		if long {
			if isCmdStart(trimLine(string(line))) {
				s.p.rejects = append(s.p.rejects, note(s.line, sprintf("line longer than %d bytes", maxLineBytes), string(line)))
				s.p.first = false
			}
		} else {
			for _, seg := range segments(string(line)) {
				s.p.add(s.line, seg)
			}
		}
		s.rejects += len(s.p.rejects) - nr
		s.warns += len(s.p.warnings) - nw
		s.p.rejects = s.p.rejects[:min(len(s.p.rejects), MaxNotes)]
		s.p.warnings = s.p.warnings[:min(len(s.p.warnings), MaxNotes)]
	}
	switch {
	case errors.Is(err, io.EOF):
		s.done = true
	case err != nil:
		s.err, s.done = fmt.Errorf("read body line %d: %w", s.line+1, err), true
	}
}

// readSlice returns the next line with its end; for a line longer than
// maxLineBytes, only its start, with long set: the rest is read and dropped.
func (s *Stream) readSlice() (line []byte, long bool, err error) {
	line, err = s.r.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, false, err
	}
	keep := append([]byte(nil), line[:64]...)
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = s.r.ReadSlice('\n')
	}
	return keep, true, err
}

// Err returns the error that ended reading, if any was not io.EOF.
func (s *Stream) Err() error { return s.err }

// Lines returns how many lines were read so far.
func (s *Stream) Lines() int { return s.line }

// Rejects returns the first MaxNotes rejected lines and how many there were.
func (s *Stream) Rejects() ([]LineNote, int) { return s.p.rejects, s.rejects }

// Warnings returns the first MaxNotes warnings and how many there were.
func (s *Stream) Warnings() ([]LineNote, int) { return s.p.warnings, s.warns }
