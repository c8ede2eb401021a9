// Package agent is the branch side of userdir (docs: README "Branch
// setup"): it reads a branch's accounts from where they already are (a SQL
// query against MySQL/MariaDB, PostgreSQL or SQLite, a CSV file, or a
// command's CSV output), compares them with what the centre's MTA last
// accepted (a state file next to its config), and mails only the
// differences as insert/update/delete command lines (README "The mail
// commands"), plus a full sync on a schedule. It sends through the local
// sendmail or SMTP (RFC 5321) and advances its state only once the MTA
// has accepted a message.
//
// Its safety net refuses, sending nothing, when the source fails, returns
// no rows, or shrinks by more than max_shrink since the last accepted
// state — a broken export must not delete a branch. Invalid rows are
// reported with their row number and skipped; a sync that would leave
// them out is not sent.
package agent

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"

	"userdir/compose"
)

// ErrRefused is wrapped by the errors of a run that sent nothing because
// its safety net tripped: the message says why and what to do.
var ErrRefused = errors.New("refused")

// ErrInvalidRows is wrapped by the error of a run that sent the valid
// changes but skipped invalid rows.
var ErrInvalidRows = errors.New("invalid rows skipped")

// headerAllowance is the room left in max_message_bytes for the header
// when a change set is split into messages.
const headerAllowance = 2048

// Sender hands a message to the MTA. It returns nil only once the MTA has
// accepted it.
type Sender interface {
	Send(ctx context.Context, from, to string, raw []byte) error
}

// SenderFor returns the Sender that s configures: SMTP when s.SMTP is
// set, else the sendmail program.
func SenderFor(s Send) Sender {
	if s.SMTP != "" {
		return smtpSender{compose.SMTP{Addr: s.SMTP, Insecure: s.Insecure, Timeout: s.Timeout}}
	}
	return sendmailSender{program: s.Sendmail, timeout: s.Timeout}
}

type smtpSender struct{ s compose.SMTP }

func (x smtpSender) Send(ctx context.Context, from, to string, raw []byte) error {
	return compose.Submit(ctx, x.s, from, to, raw)
}

type sendmailSender struct {
	program string
	timeout time.Duration
}

func (x sendmailSender) Send(ctx context.Context, from, _ string, raw []byte) error {
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	return compose.Sendmail(ctx, x.program, from, raw)
}

// Options are what one run needs besides the config.
type Options struct {
	Config *Config
	Code   string    // the division code: the Subject; never logged
	Sender Sender    // nil: SenderFor(Config.Send)
	DryRun bool      // print the messages to Out instead of sending; keep the state
	Out    io.Writer // where -dry-run prints
	Force  bool      // send even if the safety net trips (source empty or shrunk); a sync goes with force=1
	Sync   bool      // send a full sync now, whatever the schedule
	Now    func() time.Time
	Log    *slog.Logger
}

// Result says what a run did.
type Result struct {
	Messages int       // messages sent (or printed)
	Changes  int       // command lines in them, sync lines not counted
	Synced   bool      // a full sync was among them
	Invalid  []Invalid // rows skipped
}

// Run reads the source once and sends what changed. Its error wraps
// ErrRefused when the safety net tripped, ErrInvalidRows when rows were
// skipped (after the rest was sent); other errors are a source, send or
// state failure. Whatever the MTA did not accept is sent again next run.
func Run(ctx context.Context, o Options) (Result, error) {
	o.defaults()
	cfg := o.Config
	if !o.DryRun { // a dry run writes nothing; the state is replaced atomically
		unlock, err := lock(cfg.State)
		if err != nil {
			return Result{}, err
		}
		defer unlock()
	}
	st, err := LoadState(cfg.State)
	if err != nil {
		return Result{}, err
	}
	t, err := cfg.Source.Read(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("%w: the source failed, nothing sent: %w", ErrRefused, err)
	}
	acc, err := NewAccounts(t)
	if err != nil {
		return Result{}, fmt.Errorf("%w: nothing sent: %w", ErrRefused, err)
	}
	for _, inv := range acc.Invalid {
		o.Log.Warn("invalid row skipped", "row", inv.Row, "eml", inv.Eml, "reason", inv.Reason)
	}
	changes, err := Diff(st.Records, acc)
	if err != nil {
		return Result{}, err
	}
	if err := o.safe(st, acc, changes); err != nil {
		return Result{Invalid: acc.Invalid}, err
	}
	res, err := o.send(ctx, st, acc, changes)
	res.Invalid = acc.Invalid
	if err == nil && len(acc.Invalid) > 0 {
		err = fmt.Errorf("%w: %d row(s) of the source were not sent: %s", ErrInvalidRows, len(acc.Invalid), invalidList(acc.Invalid))
	}
	return res, err
}

func (o *Options) defaults() {
	if o.Sender == nil {
		o.Sender = SenderFor(o.Config.Send)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
}

// safe is the safety net: no rows, or more deletions than max_shrink
// allows, refuse the run unless o.Force.
func (o *Options) safe(st *State, acc *Accounts, changes []Change) error {
	if o.Force {
		return nil
	}
	if acc.Rows == 0 {
		return fmt.Errorf("%w: the source returned no rows (a failed export?); nothing sent. If the branch really has no accounts, run once with -force", ErrRefused)
	}
	before, gone := len(st.Records), Deletions(changes)
	if allowed := o.Config.MaxShrink.Allowed(before); before > 0 && gone > allowed {
		return fmt.Errorf("%w: %d of the %d accounts last sent would be deleted (the source now lists %d), more than max_shrink = %q allows (%d); nothing sent. If the deletions are intended, run once with -force",
			ErrRefused, gone, before, len(acc.Records), o.Config.MaxShrink.String(), allowed)
	}
	return nil
}

// message is one message to send and what it does to the state when accepted.
type message struct {
	lines   []string
	sync    string // the kind synced, or ""
	changes []Change
}

// send builds the messages of this run and sends them one by one, saving
// the state after each one the MTA accepted.
func (o *Options) send(ctx context.Context, st *State, acc *Accounts, changes []Change) (Result, error) {
	now := o.Now()
	due := o.Sync || st.LastSync.IsZero() || now.Sub(st.LastSync) >= o.Config.SyncEvery
	if due && len(acc.Invalid) > 0 {
		o.Log.Warn("full sync postponed: the source has invalid rows, and the centre would hold a sync that leaves them out", "invalid", len(acc.Invalid))
		due = false
	}
	msgs, err := o.plan(acc, changes, due)
	if err != nil {
		return Result{}, err
	}
	if len(msgs) == 0 {
		o.Log.Info("no changes; nothing sent", "accounts", len(acc.Records))
		return Result{}, nil
	}
	var res Result
	date := st.LastSent
	for _, m := range msgs {
		date = nextDate(now, date) // each message of the run after the one before
		if err := o.deliver(ctx, m, date); err != nil {
			return res, err
		}
		res.Messages++
		res.Changes += len(m.lines)
		if m.sync != "" {
			res.Synced = true
			st.applySync(m.sync, acc.Records)
		} else {
			st.apply(m.changes)
		}
		if o.DryRun {
			continue
		}
		if due && m == msgs[len(msgs)-1] {
			st.LastSync = now
		}
		st.LastSent = date
		if err := st.Save(o.Config.State); err != nil {
			return res, fmt.Errorf("the MTA accepted the message, but %w; the next run will send its changes again", err)
		}
	}
	return res, nil
}

// nextDate returns the Date of the next message: now to the second, or
// one second after the last message sent when now is not later. Dates have
// one-second resolution and the centre orders messages with one Date by
// Message-ID, so a sync and the changes of the next run sent in the same
// second could otherwise apply in the wrong order.
func nextDate(now, last time.Time) time.Time {
	date := now.Truncate(time.Second)
	if !last.IsZero() && !date.After(last) {
		date = last.Truncate(time.Second).Add(time.Second)
	}
	return date
}

// plan returns the messages of a run: a sync per kind listed (when due)
// and the other changes, split to fit max_message_bytes.
func (o *Options) plan(acc *Accounts, changes []Change, due bool) ([]*message, error) {
	var msgs []*message
	synced := map[string]bool{}
	if due {
		byKind := map[string][]string{}
		for _, eml := range slices.Sorted(maps.Keys(acc.Records)) {
			rec := acc.Records[eml]
			line, err := compose.Line("insert", rec.fields(eml, acc.Keys))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", eml, err)
			}
			byKind[rec.kind()] = append(byKind[rec.kind()], line)
		}
		for _, kind := range slices.Sorted(maps.Keys(byKind)) {
			msgs = append(msgs, &message{lines: byKind[kind], sync: kind})
			synced[kind] = true
		}
		// mbox before alias: the usual order of a branch's records.
		slices.SortStableFunc(msgs, func(a, b *message) int { return cmp.Compare(b.sync, a.sync) })
	}
	var rest []Change
	for _, c := range changes {
		if !synced[kindOfChange(c)] { // a sync already says it
			rest = append(rest, c)
		}
	}
	return append(msgs, split(rest, o.Config.MaxBytes-headerAllowance)...), nil
}

// kindOfChange is the kind a change touches: its record's, or for a
// delete the type on its line.
func kindOfChange(c Change) string {
	if c.Rec != nil {
		return c.Rec.kind()
	}
	return kindOfDelete(c)
}

func kindOfDelete(c Change) string {
	if strings.Contains(c.Line, ":type=alias:") {
		return "alias"
	}
	return "mbox"
}

// split groups changes into messages whose encoded body stays under
// budget bytes (quoted-printable may triple a line).
func split(changes []Change, budget int64) []*message {
	var out []*message
	var cur *message
	var size int64
	for _, c := range changes {
		n := int64(3*len(c.Line) + 3*(len(c.Line)/72+1) + 2)
		if cur == nil || size+n > budget {
			cur = &message{}
			out = append(out, cur)
			size = 0
		}
		cur.lines = append(cur.lines, c.Line)
		cur.changes = append(cur.changes, c)
		size += n
	}
	return out
}

// deliver composes m and sends it, or prints it for -dry-run.
func (o *Options) deliver(ctx context.Context, m *message, now time.Time) error {
	// -force also tells the centre: its safety net must not hold this sync.
	body, _, err := compose.SyncBody(m.lines, m.sync, o.Force && m.sync != "")
	if err != nil {
		return err
	}
	host := compose.Hostname()
	msg := &compose.Message{
		From: mail.Address{Address: o.Config.From}, To: mail.Address{Address: o.Config.To},
		Code: o.Code, Date: now, MessageID: compose.NewMessageID(host), Body: body, MaxBytes: o.Config.MaxBytes,
	}
	raw, err := msg.Encode()
	if errors.Is(err, compose.ErrInvalidMessage) && m.sync != "" {
		return fmt.Errorf("the full sync of %d accounts is too large for one message, and a sync is never split: raise max_message_bytes here and at the centre: %w", len(m.lines), err)
	}
	if err != nil {
		return err
	}
	if o.DryRun {
		_, err := o.Out.Write(readable(raw, body))
		return err
	}
	if err := o.Sender.Send(ctx, o.Config.From, o.Config.To, raw); err != nil {
		return fmt.Errorf("send: %w; the state is unchanged, the next run sends the same changes", err)
	}
	kind := "changes"
	if m.sync != "" {
		kind = "sync of " + m.sync
	}
	o.Log.Info("sent", "message_id", msg.MessageID, "what", kind, "lines", len(m.lines))
	return nil
}

// readable returns the message raw, whose body is body, as an admin can
// read it: LF line ends, and the body in UTF-8 rather than
// quoted-printable (the same message to ingest: 8bit is allowed).
func readable(raw []byte, body string) []byte {
	header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	header = bytes.Replace(header, []byte("Content-Transfer-Encoding: quoted-printable"), []byte("Content-Transfer-Encoding: 8bit"), 1)
	out := bytes.ReplaceAll(header, []byte("\r\n"), []byte("\n"))
	return append(append(out, "\n\n"...), body+"\n"...)
}

// invalidList formats the first rows of invalid for an error message.
func invalidList(invalid []Invalid) string {
	var parts []string
	for i, inv := range invalid {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("and %d more", len(invalid)-10))
			break
		}
		parts = append(parts, inv.String())
	}
	return strings.Join(parts, "; ")
}
