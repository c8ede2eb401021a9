package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	"userdir/compose"
	"userdir/config"
	"userdir/store"
)

// reportSynopsis follows "userdir report" in its usage line.
const reportSynopsis = "[-config FILE] [-since 24h] [-n] [-from ADDR] [-sendmail PATH | -smtp HOST:PORT [-insecure] [-timeout 1m]]"

// runReport mails each division that has an admin a digest of what went
// wrong with its mail in the last -since, and report_to a summary of all
// divisions; -n prints the messages instead. A division code never appears.
func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "report", reportSynopsis)
	path := configFlag(fs)
	since := fs.Duration("since", 24*time.Hour, "report the messages of this `duration` before now")
	dry := fs.Bool("n", false, "print the messages on stdout, as an mbox, instead of sending them")
	from := fs.String("from", "", "sender `address` (default userdir@hostname)")
	sendmail := fs.String("sendmail", "/usr/sbin/sendmail", "the sendmail `program` (its -i -f FROM -- TO interface)")
	o := &sendOptions{}
	fs.StringVar(&o.smtp, "smtp", "", "submit to the relay at `host:port` instead of running sendmail")
	fs.BoolVar(&o.insecure, "insecure", false, "with -smtp: do not verify the relay's STARTTLS certificate")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "with -smtp: give up on a message after this `duration`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" {
		*from = "userdir@" + hostname()
	}
	if _, err := mail.ParseAddress(*from); err != nil || *since <= 0 {
		return usagef("-from must be an address and -since positive")
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		return &configError{err: err}
	}
	now := time.Now()
	notices, err := buildReports(ctx, cfg, now.Add(-*since), now)
	if err != nil {
		return err
	}
	if len(notices) == 0 {
		return errors.New("nothing to send: no division has an admin and report_to is not set")
	}
	failed := 0
	for _, n := range notices {
		n.From = mail.Address{Address: *from}
		n.MessageID = compose.NewMessageID(hostname())
		raw, err := n.Encode()
		if err == nil {
			err = deliverNotice(ctx, e, *dry, *sendmail, o, &n, raw)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "userdir report: to %s: %v\n", n.To.Address, err)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d reports not sent", failed, len(notices))
	}
	return nil
}

// deliverNotice prints raw (with -n), submits it over SMTP, or pipes it to
// sendmail.
func deliverNotice(ctx context.Context, e *env, dry bool, sendmail string, o *sendOptions, n *compose.Notice, raw []byte) error {
	lf := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	switch {
	case dry: // an mbox: a From_ line before each message (bodies are quoted-printable or short ASCII)
		_, err := fmt.Fprintf(e.stdout, "From %s %s\n%s\n", n.From.Address, n.Date.UTC().Format(time.ANSIC), lf)
		return err
	case o.smtp != "":
		if _, _, err := net.SplitHostPort(o.smtp); err != nil {
			return fmt.Errorf("-smtp %q: want host:port", o.smtp)
		}
		return o.submit(ctx, n.From.Address, n.To.Address, raw)
	}
	cmd := exec.CommandContext(ctx, sendmail, "-i", "-f", n.From.Address, "--", n.To.Address)
	cmd.Stdin = bytes.NewReader(lf)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", sendmail, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// window is the period a report covers.
type window struct{ from, to time.Time }

func (w window) String() string {
	return fmt.Sprintf("from %s to %s", w.from.Local().Format("2006-01-02 15:04 MST"), w.to.Local().Format("2006-01-02 15:04 MST"))
}

// buildReports reads the journal of [from, now) and the divisions' status,
// and returns one digest per division with an admin, then the summary for
// report_to if it is set. From and MessageID are left to the caller.
func buildReports(ctx context.Context, cfg *config.Config, from, now time.Time) ([]compose.Notice, error) {
	rep, err := readStatus(ctx, cfg, now)
	if err != nil {
		return nil, err
	}
	st, err := openReadOnly(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	entries, err := st.JournalSince(ctx, from)
	if err != nil {
		return nil, err
	}
	w := window{from, now}
	byDiv := map[string][]store.JournalEntry{}
	for _, j := range entries {
		byDiv[j.Division] = append(byDiv[j.Division], j)
	}
	var out []compose.Notice
	var digests []digest
	for i, d := range cfg.Divisions {
		g := newDigest(&cfg.Divisions[i], rep.Divisions[i], byDiv[d.ID])
		digests = append(digests, g)
		if d.Admin != "" {
			out = append(out, compose.Notice{To: mail.Address{Address: d.Admin}, Date: now,
				Subject: g.subject(), Body: g.body(w)})
		}
	}
	if cfg.ReportTo != "" {
		out = append(out, compose.Notice{To: mail.Address{Address: cfg.ReportTo}, Date: now,
			Subject: summarySubject(digests), Body: summaryBody(w, digests, byDiv[""])})
	}
	return out, nil
}

// digest is what one division's report says.
type digest struct {
	div                        *config.Division
	status                     divisionStatus
	applied, duplicates, other int
	rejected                   []store.JournalEntry // messages with rejected lines
	rejectedLines              int
	badSender, held            []store.JournalEntry
}

func newDigest(div *config.Division, s divisionStatus, entries []store.JournalEntry) digest {
	g := digest{div: div, status: s}
	for _, j := range entries {
		switch j.Outcome {
		case store.OutcomeApplied:
			g.applied++
		case store.OutcomeDuplicate:
			g.duplicates++
		case store.OutcomeBadSender:
			g.badSender = append(g.badSender, j)
		case "held":
			g.held = append(g.held, j)
		default:
			g.other++
		}
		if j.Rejected > 0 {
			g.rejected = append(g.rejected, j)
			g.rejectedLines += j.Rejected
		}
	}
	return g
}

// problems counts what needs the branch's attention.
func (g *digest) problems() int {
	n := g.rejectedLines + len(g.badSender) + len(g.held)
	if g.status.Stale {
		n++
	}
	return n
}

func (g *digest) subject() string {
	if n := g.problems(); n > 0 {
		return fmt.Sprintf("userdir: %s: %d problem(s) with your directory mail", g.div.Name, n)
	}
	return fmt.Sprintf("userdir: %s: directory mail is flowing", g.div.Name)
}

// body is the division's digest. It shows senders and Message-IDs, never a
// division code (the journal holds none).
func (g *digest) body(w window) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Directory mail of %s, %s.\n\n", g.div.Name, w)
	fmt.Fprintf(&b, "Messages: %d applied, %d duplicates, %d ignored for their sender, %d held syncs, %d other.\n",
		g.applied, g.duplicates, len(g.badSender), len(g.held), g.other)
	fmt.Fprintf(&b, "Last applied message: %s. Last sync: %s.\n", timeText(g.status.LastApplied), timeText(g.status.LastSync))
	if g.status.Stale {
		fmt.Fprintf(&b, "\nSTALE: no message from %s has been applied for more than %s. The directory no longer\n"+
			"follows your changes: check the link to the centre and the script that sends the commands.\n",
			g.div.Name, g.div.MaxSilence)
	}
	if len(g.rejected) > 0 {
		fmt.Fprintf(&b, "\nRejected lines (%d; the other lines of each message were applied):\n", g.rejectedLines)
		for _, j := range g.rejected {
			fmt.Fprintf(&b, "  %s  <%s>\n", journalTime(j.Received), j.MessageID)
			for _, n := range j.Notes {
				if reason, ok := strings.CutPrefix(n.Reason, store.NoteRejected); ok {
					fmt.Fprintf(&b, "    line %d: %s\n      %s\n", n.Line, reason, n.Text)
				}
			}
		}
	}
	if len(g.badSender) > 0 {
		fmt.Fprintf(&b, "\nIgnored because of their sender (%d): the sender must be one of the division's senders,\n"+
			"%s. Nothing of these was applied; send them again from an accepted address.\n",
			len(g.badSender), strings.Join(g.div.Senders, ", "))
		for _, j := range g.badSender {
			fmt.Fprintf(&b, "  %s  <%s>  from %s\n", journalTime(j.Received), j.MessageID, j.Sender)
		}
	}
	if len(g.held) > 0 {
		fmt.Fprintf(&b, "\nHeld syncs (%d): nothing of them was applied, because they would delete too much.\n", len(g.held))
		for _, j := range g.held {
			fmt.Fprintf(&b, "  %s  <%s>  %s\n", journalTime(j.Received), j.MessageID, j.Reason)
		}
		b.WriteString("If the deletions are meant, send the sync again with force=1 on its first line\n" +
			"(_cmd=sync:type=mbox:force=1), or ask the centre to run: userdir release MESSAGE-ID\n")
	}
	if g.problems() == 0 {
		b.WriteString("\nNo problems.\n")
	}
	return b.String()
}

func summarySubject(ds []digest) string {
	n := 0
	for _, g := range ds {
		if g.problems() > 0 {
			n++
		}
	}
	return fmt.Sprintf("userdir: daily summary: %d of %d divisions need attention", n, len(ds))
}

// summaryBody is the report for report_to: one line per division and the
// totals, then the messages whose code matched no division.
func summaryBody(w window, ds []digest, unknown []store.JournalEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Directory mail of all divisions, %s.\n\n", w)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DIVISION\tNAME\tAPPLIED\tREJECTED LINES\tBAD SENDER\tHELD\tLAST APPLIED\tSTATE\tADMIN")
	var applied, rejected, bad, held int
	for _, g := range ds {
		admin := g.div.Admin
		if admin == "" {
			admin = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", g.div.ID, g.div.Name, g.applied, g.rejectedLines,
			len(g.badSender), len(g.held), timeText(g.status.LastApplied), g.status.State, admin)
		applied, rejected, bad, held = applied+g.applied, rejected+g.rejectedLines, bad+len(g.badSender), held+len(g.held)
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t%d\t\t\t\n", applied, rejected, bad, held)
	tw.Flush()
	if len(unknown) > 0 {
		fmt.Fprintf(&b, "\nMessages with an unknown code (%d; ignored, never bounced):\n", len(unknown))
		for _, j := range unknown {
			fmt.Fprintf(&b, "  %s  <%s>  from %s\n", journalTime(j.Received), j.MessageID, j.Sender)
		}
	}
	return b.String()
}
