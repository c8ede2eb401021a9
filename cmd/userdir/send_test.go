package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"log/slog"
	"math/big"
	"net"
	"net/mail"
	"net/textproto"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"userdir/config"
	"userdir/ingest"
	"userdir/mailcmd"
	"userdir/store"
)

// sendCode is the division code of the send tests; no error may show it.
const sendCode = "S3CR3T-0001"

// sendRecorder is an ingest.Applier that keeps what it is given.
type sendRecorder struct {
	mu       sync.Mutex
	messages []*store.Message
	ignored  []store.Ignored
}

func (r *sendRecorder) Apply(_ context.Context, m *store.Message) (store.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m = parseBody(m)
	r.messages = append(r.messages, m)
	return store.Result{Outcome: store.OutcomeApplied, Applied: len(m.Commands)}, nil
}

// parseBody returns a copy of m with the command lines of its Body parsed
// into Commands as the store parses them.
func parseBody(m *store.Message) *store.Message {
	c := *m
	if c.Commands != nil {
		return &c
	}
	st := mailcmd.NewStream(strings.NewReader(c.Body), c.Check)
	for cmd, ok := st.Next(); ok; cmd, ok = st.Next() {
		c.Commands = append(c.Commands, cmd)
	}
	c.Rejects, _ = st.Rejects()
	c.Warnings, _ = st.Warnings()
	return &c
}

func (r *sendRecorder) Ignore(_ context.Context, e store.Ignored) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ignored = append(r.ignored, e)
	return nil
}

// ingestSent runs raw through an ingest.Ingester that knows one division,
// tyumen, with code, and returns the message it applied.
func ingestSent(tb testing.TB, raw []byte, code string) *store.Message {
	tb.Helper()
	rec := &sendRecorder{}
	divs := []config.Division{{ID: "other", Name: "Другой", Code: "0002"}, {ID: "tyumen", Name: "Тюмень", Code: code}}
	in := ingest.New(ingest.Options{Divisions: divs, Logger: slog.New(slog.DiscardHandler)}, rec)
	rep, err := in.Ingest(context.Background(), bytes.NewReader(raw), "")
	if err != nil || len(rec.messages) != 1 || rep.Division != "tyumen" {
		tb.Fatalf("ingest: %+v, %v; %d applied, ignored %+v\n%s", rep, err, len(rec.messages), rec.ignored, raw)
	}
	m := rec.messages[0]
	if len(m.Rejects) > 0 || len(m.Warnings) > 0 {
		tb.Errorf("ingest rejects %+v, warnings %+v", m.Rejects, m.Warnings)
	}
	return m
}

// wantCommand builds the mailcmd.Command ingest should read on body line
// line: op on eml with the key, value pairs kv present.
func wantCommand(tb testing.TB, line int, op mailcmd.Op, eml string, kv ...string) mailcmd.Command {
	tb.Helper()
	c := mailcmd.Command{Op: op, Eml: eml, Line: line}
	for i := 0; i+1 < len(kv); i += 2 {
		f, ok := mailcmd.FieldByKey(kv[i])
		if !ok {
			tb.Fatalf("wantCommand: unknown key %q", kv[i])
		}
		c.Values[f], c.Present[f] = kv[i+1], true
	}
	return c
}

// sendArgs returns the arguments of userdir send with the test's flags.
func sendArgs(code string, more ...string) []string {
	return append([]string{"send", "-division-code", code, "-to", "Справочник <userdir@company.ru>", "-from", "admin@tyumen.company.ru"}, more...)
}

// headerField returns the unfolded value of the header field name in msg.
func headerField(tb testing.TB, msg, name string) string {
	tb.Helper()
	m, err := mail.ReadMessage(strings.NewReader(msg))
	if err != nil {
		tb.Fatalf("read message: %v\n%s", err, msg)
	}
	return m.Header.Get(name)
}

func TestSendRoundTrip(t *testing.T) {
	long := strings.Repeat("Ведущий инженер-программист ", 5)
	tests := []struct {
		name     string
		code     string
		flags    []string
		args     []string
		stdin    string
		encoding string
		want     []mailcmd.Command
	}{
		{
			name:     "cyrillic name as arguments",
			code:     sendCode,
			args:     []string{"insert", "eml=Petrov@Company.ru", "name=Петров Пётр", "gor=88-02-49"},
			encoding: "quoted-printable",
			want:     []mailcmd.Command{wantCommand(t, 1, mailcmd.OpInsert, "petrov@company.ru", "name", "Петров Пётр", "gor", "88-02-49")},
		},
		{
			name:     "colons, backslashes and empty values, ascii",
			code:     sendCode,
			args:     []string{"update", "eml=a@company.ru", `post=C:\Temp\`, "of=2:14", "sot=", "delete", "eml=b@company.ru"},
			encoding: "7bit",
			want: []mailcmd.Command{
				wantCommand(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", `C:\Temp\`, "of", "2:14", "sot", ""),
				wantCommand(t, 2, mailcmd.OpDelete, "b@company.ru"),
			},
		},
		{
			name:     "full lines as arguments",
			code:     sendCode,
			args:     []string{"_cmd=insert:type=mbox:name=Иванов Иван Иванович:eml=ivanov@company.ru:vis=1:sdiv=Отдел ИТ", "_cmd=delete:type=mbox:eml=sidorov@company.ru"},
			encoding: "quoted-printable",
			want: []mailcmd.Command{
				wantCommand(t, 1, mailcmd.OpInsert, "ivanov@company.ru", "type", "mbox", "name", "Иванов Иван Иванович", "vis", "1", "sdiv", "Отдел ИТ"),
				wantCommand(t, 2, mailcmd.OpDelete, "sidorov@company.ru"),
			},
		},
		{
			name:     "stdin with comments, CRLF and a long line",
			code:     sendCode,
			stdin:    "# changes of the day\r\n\r\nupdate eml=a@company.ru post=" + long + " of=214\r\n_cmd=update:eml=b@company.ru:sdiv=ИТ\\: связь\r\n",
			encoding: "quoted-printable",
			want: []mailcmd.Command{
				wantCommand(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", strings.TrimSpace(long), "of", "214"),
				wantCommand(t, 2, mailcmd.OpUpdate, "b@company.ru", "sdiv", "ИТ: связь"),
			},
		},
		{
			name:     "a long ascii line",
			code:     sendCode,
			args:     []string{"update", "eml=a@company.ru", "post=" + strings.Repeat("Senior engineer, ", 6)},
			encoding: "quoted-printable",
			want:     []mailcmd.Command{wantCommand(t, 1, mailcmd.OpUpdate, "a@company.ru", "post", strings.TrimSpace(strings.Repeat("Senior engineer, ", 6)))},
		},
		{
			name:     "sync batch from stdin",
			code:     sendCode,
			flags:    []string{"-sync", "mbox"},
			stdin:    "insert eml=a@company.ru name=Анна Петрова\ninsert eml=b@company.ru name=Борис gor=88-02-93\n",
			encoding: "quoted-printable",
			want: []mailcmd.Command{
				{Op: mailcmd.OpSync, Kind: "mbox", Line: 1},
				wantCommand(t, 2, mailcmd.OpInsert, "a@company.ru", "name", "Анна Петрова"),
				wantCommand(t, 3, mailcmd.OpInsert, "b@company.ru", "name", "Борис", "gor", "88-02-93"),
			},
		},
		{
			name:     "forced sync",
			code:     sendCode,
			flags:    []string{"-sync", "mbox", "-force"},
			args:     []string{"insert", "eml=a@company.ru"},
			encoding: "7bit",
			want: []mailcmd.Command{
				{Op: mailcmd.OpSync, Kind: "mbox", Force: true, Line: 1},
				wantCommand(t, 2, mailcmd.OpInsert, "a@company.ru"),
			},
		},
		{
			name:     "sync of aliases",
			code:     sendCode,
			flags:    []string{"-sync", "alias"},
			args:     []string{"insert", "type=alias", "eml=all@company.ru", "dst=a@company.ru,B@company.ru"},
			encoding: "7bit",
			want: []mailcmd.Command{
				{Op: mailcmd.OpSync, Kind: "alias", Line: 1},
				wantCommand(t, 2, mailcmd.OpInsert, "all@company.ru", "type", "alias", "dst", "a@company.ru,b@company.ru"),
			},
		},
		{
			name:     "cyrillic code",
			code:     "Тюмень 0001",
			args:     []string{"delete", "eml=a@company.ru"},
			encoding: "7bit",
			want:     []mailcmd.Command{wantCommand(t, 1, mailcmd.OpDelete, "a@company.ru")},
		},
	}
	for _, tc := range tests {
		before := time.Now().Add(-time.Second)
		r := runCmd(t, tc.stdin, nil, append(sendArgs(tc.code, tc.flags...), tc.args...)...)
		after := time.Now().Add(time.Second)
		if r.code != exitOK || r.stderr != "" || strings.Contains(r.stdout, "\r") {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want 0, nothing on stderr and LF line ends", tc.name, r.code, r.stderr, r.stdout)
			continue
		}
		if got := headerField(t, r.stdout, "Content-Transfer-Encoding"); got != tc.encoding {
			t.Errorf("%s: Content-Transfer-Encoding %q, want %q", tc.name, got, tc.encoding)
		}
		m := ingestSent(t, []byte(r.stdout), tc.code)
		if !reflect.DeepEqual(m.Commands, tc.want) {
			t.Errorf("%s: commands\n%+v\nwant\n%+v\n%s", tc.name, m.Commands, tc.want, r.stdout)
		}
		if m.Stamp.Before(before) || m.Stamp.After(after) || "<"+m.MessageID+">" != headerField(t, r.stdout, "Message-ID") || !strings.Contains(m.MessageID, "@") {
			t.Errorf("%s: stamp %v (sent at %v), Message-ID %q; want the Date and Message-ID sent", tc.name, m.Stamp, before, m.MessageID)
		}
	}
}

func TestSendHeader(t *testing.T) {
	r := runCmd(t, "", nil, sendArgs("0001", "update", "eml=a@company.ru", "name=Ёлкин")...)
	r2 := runCmd(t, "", map[string]string{"USER": "ivan", "USERDIR_DIVISION_CODE": "Код"}, "send", "-to", "userdir@company.ru", "delete", "eml=a@company.ru")
	tests := []struct {
		msg, field, want string
	}{
		{r.stdout, "From", "<admin@tyumen.company.ru>"},
		{r.stdout, "To", "=?utf-8?q?=D0=A1=D0=BF=D1=80=D0=B0=D0=B2=D0=BE=D1=87=D0=BD=D0=B8=D0=BA?= <userdir@company.ru>"},
		{r.stdout, "Subject", "0001"},
		{r.stdout, "MIME-Version", "1.0"},
		{r.stdout, "Content-Type", "text/plain; charset=utf-8"},
		{r2.stdout, "From", "<ivan@" + hostname() + ">"},
		{r2.stdout, "Subject", "=?utf-8?q?=D0=9A=D0=BE=D0=B4?="},
	}
	for _, tc := range tests {
		if got := headerField(t, tc.msg, tc.field); got != tc.want {
			t.Errorf("%s = %q, want %q in\n%s", tc.field, got, tc.want, tc.msg)
		}
	}
	if _, err := time.Parse(time.RFC1123Z, headerField(t, r.stdout, "Date")); err != nil {
		t.Errorf("Date: %v", err)
	}
	if a, b := headerField(t, r.stdout, "Message-ID"), headerField(t, r2.stdout, "Message-ID"); a == b || !strings.HasSuffix(a, "@"+hostname()+">") {
		t.Errorf("Message-IDs %q and %q: want distinct <random@%s>", a, b, hostname())
	}
	ingestSent(t, []byte(r2.stdout), "Код")
}

func TestSendRefuses(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		err   string
	}{
		{"invalid full line", []string{"_cmd=insert:name=Петров"}, "", `command 1 "_cmd=insert:name=Петров": invalid command: no eml`},
		{"second command invalid", []string{"delete", "eml=a@company.ru", "update", "eml=b@company.ru", "act=maybe"}, "", "command 2 (update): invalid command: act must be 1, 0 or empty"},
		{"unquoted value", []string{"insert", "eml=a@company.ru", "name=Петров", "Пётр"}, "", `unexpected word "Пётр"`},
		{"unknown key", []string{"insert", "eml=a@company.ru", "nmae=x"}, "", `unknown key "nmae"`},
		{"bad address", []string{"delete", "eml=petrov"}, "", `bad eml "petrov"`},
		{"value splits the line", []string{"update", "eml=a@company.ru", "post=a;_cmd=delete"}, "", "would start another command"},
		{"invalid line on stdin", nil, "delete eml=a@company.ru\n\n_cmd=frob:eml=a@company.ru\n", `line 3: invalid command: unknown _cmd "frob"`},
		{"no commands", nil, "# nothing today\n", "no commands"},
		{"update in a sync", []string{"-sync", "mbox", "insert", "eml=a@company.ru", "update", "eml=b@company.ru"}, "", "command 2: only inserts may follow a sync"},
		{"too large", []string{"-max-bytes", "300", "update", "eml=a@company.ru", "post=" + strings.Repeat("x", 250), "name=" + strings.Repeat("y", 100)}, "", "more than the 300 that ingest accepts"},
	}
	for _, tc := range tests {
		r := runCmd(t, tc.stdin, nil, sendArgs(sendCode, tc.args...)...)
		if r.code != exitFailure || r.stdout != "" || !strings.Contains(r.stderr, tc.err) || strings.Contains(r.stderr, sendCode) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1, nothing, …%s… without the code", tc.name, r.code, r.stdout, r.stderr, tc.err)
		}
	}
}

func TestSendWarns(t *testing.T) {
	r := runCmd(t, "", nil, sendArgs(sendCode, "_cmd=update:eml=a@company.ru:future=1")...)
	if r.code != exitOK || r.stderr != "userdir send: warning: command 1: unknown key \"future\"\n" || r.stdout == "" {
		t.Errorf("exit %d, stderr %q; want 0 and a warning", r.code, r.stderr)
	}
}

func TestSendUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		vars map[string]string
		err  string
	}{
		{"no code", []string{"send", "-to", "userdir@company.ru", "delete", "eml=a@company.ru"}, nil, "-division-code (or $USERDIR_DIVISION_CODE) is required"},
		{"no to", []string{"send", "-division-code", sendCode, "delete", "eml=a@company.ru"}, nil, "-to is required"},
		{"bad sync", sendArgs(sendCode, "-sync", "all", "insert", "eml=a@company.ru"), nil, `-sync "all": want mbox or alias`},
		{"force without sync", sendArgs(sendCode, "-force", "delete", "eml=a@company.ru"), nil, "-force goes with -sync"},
		{"bad to", []string{"send", "-division-code", sendCode, "-to", "userdir", "delete", "eml=a@company.ru"}, nil, `-to "userdir"`},
		{"bad from", sendArgs(sendCode, "-from", "a b c", "delete", "eml=a@company.ru"), nil, `-from "a b c"`},
		{"no user", []string{"send", "-division-code", sendCode, "-to", "userdir@company.ru", "delete", "eml=a@company.ru"}, nil, "neither $USER nor $LOGNAME"},
		{"bad smtp", sendArgs(sendCode, "-smtp", "relay", "delete", "eml=a@company.ru"), nil, `-smtp "relay": want host:port`},
		{"unknown flag", sendArgs(sendCode, "-cc", "x@company.ru"), nil, "flag provided but not defined: -cc"},
		{"bad code", sendArgs(" "+sendCode, "delete", "eml=a@company.ru"), map[string]string{"USER": "ivan"}, "the division code has white space around it"},
	}
	for _, tc := range tests {
		r := runCmd(t, "", tc.vars, tc.args...)
		want := exitUsage
		if tc.name == "bad code" {
			want = exitFailure // a code the config would refuse too
		}
		if r.code != want || r.stdout != "" || !strings.Contains(r.stderr, tc.err) || strings.Contains(r.stderr, sendCode) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d, nothing, …%s… without the code", tc.name, r.code, r.stdout, r.stderr, want, tc.err)
		}
		if want == exitUsage && !strings.Contains(r.stderr, "usage: userdir send") {
			t.Errorf("%s: no usage in %q", tc.name, r.stderr)
		}
	}
}

func TestSendHelp(t *testing.T) {
	r := runCmd(t, "", nil, "help", "send")
	for _, want := range []string{"usage: userdir send -division-code CODE -to ADDR", "-smtp", "-insecure", "-sync", "-force", "force=1", `"name=Петров Пётр"`, "sendmail -t"} {
		if r.code != exitOK || !strings.Contains(r.stdout, want) {
			t.Errorf("userdir help send: exit %d, no %q in\n%s", r.code, want, r.stdout)
		}
	}
}

// smtpCapture is what the test relay received in one transaction.
type smtpCapture struct {
	from, to string // the arguments of MAIL and RCPT
	data     []byte // the DATA, dot-unstuffed, line ends as sent
	tls      bool   // whether STARTTLS was done first
}

// testRelay is a minimal SMTP relay on 127.0.0.1 for the send tests.
type testRelay struct {
	ln        net.Listener
	tls       *tls.Config // STARTTLS is offered when set
	rcptReply string      // the reply to RCPT; "250 ok" when empty
	got       chan smtpCapture
}

// startRelay starts a testRelay, closed when the test ends.
func startRelay(tb testing.TB, tlsConfig *tls.Config, rcptReply string) *testRelay {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	s := &testRelay{ln: ln, tls: tlsConfig, rcptReply: rcptReply, got: make(chan smtpCapture, 1)}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.session(c)
		}
	}()
	return s
}

// session serves one SMTP connection.
func (s *testRelay) session(c net.Conn) {
	defer func() { c.Close() }()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	var got smtpCapture
	reply := func(line string) bool { return tp.PrintfLine("%s", line) == nil }
	reply("220 relay.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			if s.tls != nil && !got.tls {
				reply("250-relay.test")
				reply("250 STARTTLS")
			} else {
				reply("250 relay.test")
			}
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, tp, got.tls = tc, textproto.NewConn(tc), true
		case "MAIL":
			got.from = arg
			reply("250 ok")
		case "RCPT":
			got.to = arg
			reply(cmp.Or(s.rcptReply, "250 ok"))
		case "DATA":
			reply("354 go ahead")
			if got.data, err = readData(tp.R); err != nil {
				return
			}
			s.got <- got
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("500 what?")
		}
	}
}

// readData reads the DATA up to the "." line, undoing dot-stuffing but
// keeping the line ends as they came.
func readData(r *bufio.Reader) ([]byte, error) {
	var buf bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" {
			return buf.Bytes(), nil
		}
		buf.WriteString(strings.TrimPrefix(line, "."))
	}
}

// captured returns what the relay received, failing if it received nothing.
func (s *testRelay) captured(tb testing.TB) smtpCapture {
	tb.Helper()
	select {
	case got := <-s.got:
		return got
	case <-time.After(5 * time.Second):
		tb.Fatal("the relay received no message")
		return smtpCapture{}
	}
}

// selfSignedTLS returns a server configuration with a new self-signed
// certificate for 127.0.0.1.
func selfSignedTLS(tb testing.TB) *tls.Config {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestSendSMTP(t *testing.T) {
	tests := []struct {
		name     string
		tls      bool
		insecure bool
	}{
		{"plain", false, false},
		{"STARTTLS", true, true},
	}
	for _, tc := range tests {
		var conf *tls.Config
		if tc.tls {
			conf = selfSignedTLS(t)
		}
		relay := startRelay(t, conf, "")
		flags := []string{"-smtp", relay.ln.Addr().String()}
		if tc.insecure {
			flags = append(flags, "-insecure")
		}
		r := runCmd(t, "", nil, sendArgs(sendCode, append(flags, "insert", "eml=petrov@company.ru", "name=Петров Пётр", "post=Инженер: "+strings.Repeat("ведущий ", 10))...)...)
		if r.code != exitOK || r.stdout != "" || !strings.HasPrefix(r.stderr, "sent <") || strings.Contains(r.stderr, sendCode) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 0, nothing, sent <id>", tc.name, r.code, r.stdout, r.stderr)
			continue
		}
		got := relay.captured(t)
		if got.from != "FROM:<admin@tyumen.company.ru>" || got.to != "TO:<userdir@company.ru>" || got.tls != tc.tls {
			t.Errorf("%s: MAIL %q, RCPT %q, TLS %v", tc.name, got.from, got.to, got.tls)
		}
		if n, crlf := bytes.Count(got.data, []byte("\n")), bytes.Count(got.data, []byte("\r\n")); n != crlf || n < 10 {
			t.Errorf("%s: %d line ends, %d of them CRLF: want CRLF only", tc.name, n, crlf)
		}
		m := ingestSent(t, got.data, sendCode)
		want := []mailcmd.Command{wantCommand(t, 1, mailcmd.OpInsert, "petrov@company.ru", "name", "Петров Пётр", "post", "Инженер: "+strings.TrimSpace(strings.Repeat("ведущий ", 10)))}
		if !reflect.DeepEqual(m.Commands, want) || r.stderr != "sent <"+m.MessageID+">\n" {
			t.Errorf("%s: commands %+v, stderr %q (Message-ID %q); want %+v", tc.name, m.Commands, r.stderr, m.MessageID, want)
		}
	}
}

func TestSendSMTPFails(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never greets
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	tests := []struct {
		name  string
		relay *testRelay
		addr  string
		flags []string
		err   string
	}{
		{"untrusted certificate", startRelay(t, selfSignedTLS(t), ""), "", nil, "STARTTLS: tls: failed to verify certificate"},
		{"recipient refused", startRelay(t, nil, "550 5.1.1 no such user"), "", nil, "RCPT TO: 550"},
		{"connection refused", nil, closedAddr, nil, "smtp: dial tcp " + closedAddr},
		{"no greeting", nil, silent.Addr().String(), []string{"-timeout", "300ms"}, "greeting"},
	}
	for _, tc := range tests {
		addr := tc.addr
		if tc.relay != nil {
			addr = tc.relay.ln.Addr().String()
		}
		args := sendArgs(sendCode, append([]string{"-smtp", addr}, append(tc.flags, "delete", "eml=a@company.ru")...)...)
		r := runCmd(t, "", nil, args...)
		if r.code != exitFailure || r.stdout != "" || !strings.Contains(r.stderr, tc.err) || strings.Contains(r.stderr, sendCode) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1, nothing, …%s…", tc.name, r.code, r.stdout, r.stderr, tc.err)
		}
		if tc.relay != nil && len(tc.relay.got) != 0 {
			t.Errorf("%s: the relay received a message", tc.name)
		}
	}
}

func TestSendIntoIngestAndDump(t *testing.T) {
	cfg := sampleConfig(t, t.TempDir())
	sent := runCmd(t, "", nil, sendArgs("0001", "insert", "eml=Petrov@company.ru", "name=Петров Пётр", `post=C:\Temp`, "sot=", "of=2:14")...)
	if sent.code != exitOK {
		t.Fatalf("send: exit %d, %s", sent.code, sent.stderr)
	}
	for i := range 2 { // the second delivery is a duplicate
		if r := runCmd(t, sent.stdout, nil, "ingest", "-config", cfg); r.code != exitOK || r.stdout != "" {
			t.Fatalf("ingest #%d: exit %d, stdout %q, stderr %q", i+1, r.code, r.stdout, r.stderr)
		}
	}
	r := runCmd(t, "", nil, "dump", "-config", cfg, "-role", "all")
	cn := base64.StdEncoding.EncodeToString([]byte("Петров Пётр"))
	for _, want := range []string{"\nmail: petrov@company.ru\n", "\ncn:: " + cn + "\n", "\ntitle: C:\\Temp\n", "\nroomNumber: 2:14\n"} {
		if r.code != exitOK || !strings.Contains(r.stdout, want) {
			t.Errorf("dump: exit %d, no %q in\n%s", r.code, want, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, "\nmail: "); n != 1 {
		t.Errorf("dump has %d entries, want 1", n)
	}
}

// TestSendForceIntoIngest: a sync that deletes more than sync_max_delete is
// held when sent with -sync alone, and applied with -sync -force.
func TestSendForceIntoIngest(t *testing.T) {
	cfg := sampleConfig(t, t.TempDir())
	mustIngest(t, cfg, commandMail("0001", "full@test", "Mon, 02 Nov 2026 10:00:00 +0500", tyumenMailboxes(20)))
	for _, tc := range []struct {
		flags []string
		want  int
		j     string
	}{
		{[]string{"-sync", "mbox"}, 20, "held"},
		{[]string{"-sync", "mbox", "-force"}, 3, "applied"},
	} {
		sent := runCmd(t, tyumenMailboxes(3), nil, sendArgs("0001", tc.flags...)...)
		if sent.code != exitOK {
			t.Fatalf("send %v: %+v", tc.flags, sent)
		}
		mustIngest(t, cfg, sent.stdout)
		if n := tyumenEntries(t, cfg); n != tc.want {
			t.Errorf("send %v: %d Tyumen entries, want %d", tc.flags, n, tc.want)
		}
		if j := lastJournal(t, cfg); !strings.Contains(j, tc.j) {
			t.Errorf("send %v: journal\n%s\nwant %s", tc.flags, j, tc.j)
		}
	}
}
