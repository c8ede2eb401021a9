// Package ingest turns one mail message, as an MTA pipes it, into a
// store.Message of commands and applies it (docs/protocol.md): it reads the message
// with mailmsg, finds the division by the code in Subject in constant
// time, checks the sender, decodes the text/plain body and parses the
// command lines with mailcmd. What is the message's fault is an Outcome, journaled;
// only failures of the store or of the input stream are errors.
package ingest

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"userdir/config"
	"userdir/mailcmd"
	"userdir/mailmsg"
	"userdir/store"
)

// futureSlack is how far in the future a Date may be before the arrival
// time replaces it as the message's stamp.
const futureSlack = 24 * time.Hour

// Applier is what ingest needs from the store (*store.Store implements it).
type Applier interface {
	// Apply applies a message of a known division in one transaction.
	Apply(ctx context.Context, m *store.Message) (store.Result, error)
	// Ignore journals a message that is not applied.
	Ignore(ctx context.Context, e store.Ignored) error
}

var _ Applier = (*store.Store)(nil)

// Options configures an Ingester. The zero value of every field works.
type Options struct {
	Divisions       []config.Division // the divisions, with their codes
	MaxMessageBytes int64             // 0 means mailmsg.DefaultMaxMessageBytes (10 MiB)
	Now             func() time.Time  // nil means time.Now
	Logger          *slog.Logger      // nil means slog.Default()
}

// Ingester reads messages and hands them to an Applier. It is safe for
// concurrent use when its Applier is.
type Ingester struct {
	divisions []division
	maxBytes  int64
	now       func() time.Time
	log       *slog.Logger
	applier   Applier
}

// division is a config.Division prepared for matching.
type division struct {
	config.Division
	codeSum [sha256.Size]byte // the code's digest, compared in constant time
	senders []string          // lower-case
	check   func(*mailcmd.Command) string
	limit   store.Limit
}

// New returns an Ingester for the divisions of o that applies messages with a.
// A division with an empty code never matches.
func New(o Options, a Applier) *Ingester {
	in := &Ingester{maxBytes: o.MaxMessageBytes, now: o.Now, log: o.Logger, applier: a}
	if in.maxBytes <= 0 {
		in.maxBytes = mailmsg.DefaultMaxMessageBytes
	}
	if in.now == nil {
		in.now = time.Now
	}
	if in.log == nil {
		in.log = slog.Default()
	}
	for _, d := range o.Divisions {
		if d.Code == "" {
			continue
		}
		p := division{Division: d, codeSum: sha256.Sum256([]byte(d.Code))}
		for _, s := range d.Senders {
			p.senders = append(p.senders, strings.ToLower(strings.TrimSpace(s)))
		}
		p.check, p.limit = DomainCheck(d.Domains), SyncLimit(d.SyncMaxDelete)
		in.divisions = append(in.divisions, p)
	}
	return in
}

// Report tells what became of one message.
type Report struct {
	Outcome   store.Outcome
	Division  string       // division id; "" when unknown
	MessageID string       // as journaled
	Result    store.Result // what Apply returned; only Outcome is set for an ignored message
}

// Ingest reads one message from r (as an MTA pipes it) and applies it.
// envelopeSender is $SENDER or -sender ("" when unknown; then From: is
// used for the senders check). It returns an error ONLY for failures that
// are not the message's fault (the store's errors, a read error on r): the
// caller exits 75. Everything that is the message's fault is an Outcome in
// the Report, journaled via Applier.Ignore or Apply.
func (in *Ingester) Ingest(ctx context.Context, r io.Reader, envelopeSender string) (Report, error) {
	now := in.now()
	m, err := mailmsg.ReadMail(r, in.maxBytes)
	switch {
	case errors.Is(err, mailmsg.ErrTooLarge):
		_, _ = io.Copy(io.Discard, r) // let the MTA finish writing; the outcome is decided
		reason := fmt.Sprintf("larger than %d bytes", in.maxBytes)
		return in.ignore(ctx, m, now, envelopeSender, in.match(m.Subject), store.OutcomeTooLarge, reason)
	case errors.Is(err, mailmsg.ErrUnparsable):
		return in.ignore(ctx, m, now, envelopeSender, nil, store.OutcomeUnparsable, "not a readable message: malformed header")
	case err != nil:
		return Report{}, err
	}
	d := in.match(m.Subject)
	if d == nil {
		return in.ignore(ctx, m, now, envelopeSender, nil, store.OutcomeUnknownCode, "the subject is no division's code")
	}
	sender := senderOf(envelopeSender, m)
	if !d.allows(sender) {
		return in.ignore(ctx, m, now, envelopeSender, d, store.OutcomeBadSender, fmt.Sprintf("sender %q is not among the division's senders", sender))
	}
	body, err := m.Body(d.Charset)
	if err != nil {
		in.log.Info("unparsable message body", "division", d.ID, "message_id", m.MessageID, "err", err)
		return in.ignore(ctx, m, now, envelopeSender, d, store.OutcomeUnparsable, "not a readable message: malformed MIME body")
	}
	m.DropRaw() // the decoded body is all that is needed now
	return in.apply(ctx, m, now, sender, d, body)
}

// apply hands the body to the Applier, which parses its command lines as a
// stream while it applies them in bounded batches.
func (in *Ingester) apply(ctx context.Context, m *mailmsg.Mail, now time.Time, sender string, d *division, body string) (Report, error) {
	msg := &store.Message{
		Division:      d.ID,
		MessageID:     messageID(m, body),
		Stamp:         stamp(m, now),
		Received:      now,
		Sender:        sender,
		Size:          m.Size,
		Body:          body,
		Check:         d.check,
		Damaged:       m.Damaged(),
		SyncMaxDelete: d.limit,
	}
	if body == "" {
		msg.Commands = []mailcmd.Command{} // nothing to parse
	}
	rep := Report{Division: d.ID, MessageID: msg.MessageID}
	res, err := in.applier.Apply(ctx, msg)
	if err != nil {
		return rep, fmt.Errorf("apply message %s of division %s: %w", msg.MessageID, d.ID, err)
	}
	rep.Outcome, rep.Result = res.Outcome, res
	in.log.Info("message ingested", "division", d.ID, "message_id", msg.MessageID, "outcome", res.Outcome,
		"applied", res.Applied, "rejected", res.Rejected, "warnings", res.Warnings)
	if res.Outcome == store.OutcomeHeld {
		in.log.Warn("sync held: nothing of it applied; resend it with force=1 or run userdir release",
			"division", d.ID, "message_id", msg.MessageID, "reason", res.Reason, "would_delete", res.WouldDelete)
	}
	return rep, nil
}

// DomainCheck returns the line check of a division's domains: a command
// for an address in none of them is rejected. No domains: nil, no check.
func DomainCheck(domains []string) func(*mailcmd.Command) string {
	if len(domains) == 0 {
		return nil
	}
	allowed := make(map[string]bool, len(domains))
	for _, d := range domains {
		allowed[mailcmd.DomainOf("x@"+strings.TrimSuffix(d, "."))] = true
	}
	return func(c *mailcmd.Command) string {
		if d := mailcmd.DomainOf(c.Eml); !allowed[d] {
			return fmt.Sprintf("%s is not among the division's domains", d)
		}
		return ""
	}
}

// SyncLimit turns a division's sync_max_delete into the store's Limit.
func SyncLimit(l config.SyncLimit) store.Limit {
	switch {
	case !l.Set:
		return store.DefaultSyncMaxDelete
	case l.Percent > 0:
		return store.Limit{Percent: l.Percent, Min: store.DefaultSyncMaxDelete.Min}
	}
	return store.Limit{Count: l.Count}
}

// ignore journals a message that is not applied. d is its division when
// known. A message without Message-ID is named by a digest of its bytes.
func (in *Ingester) ignore(ctx context.Context, m *mailmsg.Mail, now time.Time, envelopeSender string, d *division, o store.Outcome, reason string) (Report, error) {
	e := store.Ignored{
		Outcome:   o,
		MessageID: messageID(m, string(m.Raw())),
		Sender:    senderOf(envelopeSender, m),
		Received:  now,
		Size:      m.Size,
		Reason:    reason,
	}
	if d != nil {
		e.Division = d.ID
	}
	rep := Report{Outcome: o, Division: e.Division, MessageID: e.MessageID, Result: store.Result{Outcome: o}}
	if err := in.applier.Ignore(ctx, e); err != nil {
		return rep, fmt.Errorf("journal %s message %s: %w", o, e.MessageID, err)
	}
	in.log.Info("message ignored", "division", e.Division, "message_id", e.MessageID, "outcome", o,
		"sender", e.Sender, "reason", reason)
	return rep, nil
}

// match returns the division whose code is subject, or nil. Every code is
// compared, in constant time, so the timing tells nothing about the codes.
func (in *Ingester) match(subject string) *division {
	sum := sha256.Sum256([]byte(subject))
	found := -1
	for i := range in.divisions {
		eq := subtle.ConstantTimeCompare(sum[:], in.divisions[i].codeSum[:])
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	if found < 0 {
		return nil
	}
	return &in.divisions[found]
}

// allows reports whether sender may send for d: any sender when d lists
// none, else one equal to a listed address, in a listed @domain (exactly
// that domain), or on a host under a listed .domain (Postfix's convention:
// .company.ru matches mx.company.ru, not company.ru itself).
func (d *division) allows(sender string) bool {
	if len(d.senders) == 0 {
		return true
	}
	sender = strings.ToLower(sender)
	_, domain, ok := strings.Cut(sender, "@")
	if !ok || domain == "" {
		return false
	}
	for _, s := range d.senders {
		switch {
		case s == sender:
			return true
		case strings.HasPrefix(s, "@") && domain == s[1:]:
			return true
		case strings.HasPrefix(s, ".") && strings.HasSuffix(domain, s):
			return true
		}
	}
	return false
}

// senderOf returns the envelope sender, or else the From: address.
func senderOf(envelopeSender string, m *mailmsg.Mail) string {
	if s := strings.Trim(envelopeSender, "<> \t"); s != "" {
		return s
	}
	return m.From
}

// stamp returns the Date of m, or now when it is missing or more than a
// day in the future.
func stamp(m *mailmsg.Mail, now time.Time) time.Time {
	if !m.HasDate || m.Date.After(now.Add(futureSlack)) {
		return now
	}
	return m.Date
}

// messageID returns the Message-ID of m or, when it has none, a digest of
// its Date, From and decoded body, so that a redelivery is a duplicate.
func messageID(m *mailmsg.Mail, body string) string {
	if m.MessageID != "" {
		return m.MessageID
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s", m.DateHeader, m.From, body)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
