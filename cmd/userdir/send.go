package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"time"

	"userdir/compose"
	"userdir/config"
	"userdir/mailcmd"
)

// sendSynopsis follows "userdir send" in its usage line.
const sendSynopsis = "-division-code CODE -to ADDR [-from ADDR] [-smtp HOST:PORT [-insecure]] [-sync mbox|alias [-force]] [command ...]"

// sendForms explains the commands after the flags, in the usage text.
const sendForms = `
Commands follow the flags or, when there are none, come one per line on stdin:
  _cmd=update:eml=a@company.ru:post=         a command line written out in full (docs/protocol.md#command-lines)
  insert|update|delete key=value ...          the short form; keys: type eml name gor mer
                                              sot of post sdiv act vis dst
As arguments, every key=value is one word: quote a value with spaces, as in
  userdir send -division-code 0001 -to userdir@company.ru \
      insert eml=petrov@company.ru "name=Петров Пётр" gor=88-02-49 delete eml=old@company.ru
On stdin no quoting is needed: a value runs up to the next key= word, e.g.
  insert eml=petrov@company.ru name=Петров Пётр gor=88-02-49
and blank lines and lines starting with # are skipped. ':' and '\' in values
are escaped for you; key= (empty) clears a field in an update. -sync sends a
full snapshot of the division: every command must then be an insert; with
-force its sync line says force=1, and the centre applies it even where its
safety net would hold it (a sync that deletes more than sync_max_delete).
Without -smtp the message goes to stdout, for "sendmail -t" or "sendmail -f FROM TO".
The division code is a secret: $USERDIR_DIVISION_CODE keeps it out of the process list.
`

// sendOptions are the flags of userdir send.
type sendOptions struct {
	code, to, from string
	smtp, sync     string
	insecure       bool
	force          bool // force=1 on the sync line
	timeout        time.Duration
	maxBytes       int64
}

// sendFlags registers the flags of userdir send on fs.
func sendFlags(fs *flag.FlagSet) *sendOptions {
	o := new(sendOptions)
	fs.StringVar(&o.code, "division-code", "", "the division's `code`, sent as Subject (default $USERDIR_DIVISION_CODE)")
	fs.StringVar(&o.to, "to", "", "the `address` of the central mailbox that userdir ingest reads")
	fs.StringVar(&o.from, "from", "", "sender `address` (default $USER@hostname)")
	fs.StringVar(&o.smtp, "smtp", "", "submit to the relay at `host:port` instead of writing the message to stdout")
	fs.BoolVar(&o.insecure, "insecure", false, "with -smtp: do not verify the relay's STARTTLS certificate")
	fs.StringVar(&o.sync, "sync", "", "send a full snapshot of the division's records of `type` mbox or alias")
	fs.BoolVar(&o.force, "force", false, "with -sync: put force=1 on the sync line, so the centre does not hold the sync (README \"When a sync is held\")")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "with -smtp: give up after this `duration`")
	fs.Int64Var(&o.maxBytes, "max-bytes", config.DefaultMaxMessageBytes, "refuse a message larger than this many `bytes` (the max_message_bytes of the centre)")
	return o
}

// runSend composes a command message for a division from the commands
// given as arguments or on stdin, and writes it to stdout or submits it
// over SMTP. The division code is never printed, except in the message.
func runSend(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "send", sendSynopsis)
	o := sendFlags(fs)
	flagUsage := fs.Usage
	fs.Usage = func() { flagUsage(); fmt.Fprint(fs.Output(), sendForms) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{said: err}
	}
	m, err := o.message(e)
	if err != nil {
		return &usageError{err: err, usage: fs.Usage}
	}
	if err := composeBody(e, o, fs.Args(), m); err != nil {
		return err
	}
	raw, err := m.Encode()
	if err != nil {
		return err
	}
	return o.deliver(ctx, e, m, raw)
}

// message checks the flags and returns a message with its header fields
// set; an error is a usage error.
func (o *sendOptions) message(e *env) (*compose.Message, error) {
	if o.code == "" {
		o.code = e.getenv("USERDIR_DIVISION_CODE")
	}
	switch {
	case o.code == "":
		return nil, errors.New("-division-code (or $USERDIR_DIVISION_CODE) is required")
	case o.to == "":
		return nil, errors.New("-to is required")
	case o.sync != "" && o.sync != mailcmd.KindMailbox && o.sync != mailcmd.KindAlias:
		return nil, fmt.Errorf("-sync %q: want mbox or alias", o.sync)
	case o.force && o.sync == "":
		return nil, errors.New("-force goes with -sync: force=1 belongs on a sync line")
	}
	if o.smtp != "" {
		if _, _, err := net.SplitHostPort(o.smtp); err != nil {
			return nil, fmt.Errorf("-smtp %q: want host:port: %w", o.smtp, err)
		}
	}
	to, err := mail.ParseAddress(o.to)
	if err != nil {
		return nil, fmt.Errorf("-to %q: %w", o.to, err)
	}
	host := hostname()
	from, err := o.sender(e, host)
	if err != nil {
		return nil, err
	}
	return &compose.Message{From: *from, To: *to, Code: o.code, MessageID: compose.NewMessageID(host), MaxBytes: o.maxBytes}, nil
}

// sender returns -from, else $USER (or $LOGNAME) at host.
func (o *sendOptions) sender(e *env, host string) (*mail.Address, error) {
	from := o.from
	if from == "" {
		user := e.getenv("USER")
		if user == "" {
			user = e.getenv("LOGNAME")
		}
		if user == "" {
			return nil, errors.New("no -from, and neither $USER nor $LOGNAME is set")
		}
		from = user + "@" + host
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("-from %q: %w", from, err)
	}
	return a, nil
}

// hostname returns the name of this host, or "localhost".
func hostname() string { return compose.Hostname() }

// composeBody reads the commands from args, or else from stdin, and sets
// the body and the date of m. Warnings go to stderr.
func composeBody(e *env, o *sendOptions, args []string, m *compose.Message) error {
	var lines []string
	var err error
	if len(args) > 0 {
		lines, err = compose.ParseArgs(args)
	} else {
		lines, err = compose.ParseText(e.stdin)
	}
	if err != nil {
		return err
	}
	body, warnings, err := compose.SyncBody(lines, o.sync, o.force)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "userdir send: warning: %s\n", w)
	}
	m.Body, m.Date = body, time.Now()
	return nil
}

// deliver writes raw to stdout with LF line ends, or submits it over SMTP
// and says so on stderr.
func (o *sendOptions) deliver(ctx context.Context, e *env, m *compose.Message, raw []byte) error {
	if o.smtp == "" {
		if _, err := e.stdout.Write(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))); err != nil {
			return fmt.Errorf("write the message: %w", err)
		}
		return nil
	}
	if err := o.submit(ctx, m.From.Address, m.To.Address, raw); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "sent <%s>\n", m.MessageID)
	return nil
}

// submit sends raw from the envelope sender from to the recipient to
// through the relay at o.smtp (compose.Submit).
func (o *sendOptions) submit(ctx context.Context, from, to string, raw []byte) error {
	return compose.Submit(ctx, compose.SMTP{Addr: o.smtp, Insecure: o.insecure, Timeout: o.timeout}, from, to, raw)
}
