package compose

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"strings"
	"time"
)

// SMTP says how Submit reaches a relay.
type SMTP struct {
	Addr     string        // host:port of the relay
	Insecure bool          // do not verify the relay's STARTTLS certificate
	Timeout  time.Duration // for the whole dialogue; 0 means a minute
	Hello    string        // the EHLO name; "" means this host's name
}

// Submit sends raw (a message with CRLF line ends, as Encode returns it)
// from the envelope sender from to the recipient to through the relay s
// (RFC 5321): EHLO, STARTTLS when offered, MAIL, RCPT, DATA. The message
// is sent once Submit returns nil: the relay has accepted the DATA.
func Submit(ctx context.Context, s SMTP, from, to string, raw []byte) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := new(net.Dialer).DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("smtp %s: greeting: %w", s.Addr, err)
	}
	if err := s.transact(c, host, from, to, raw); err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	_ = c.Quit() // the relay has the message; a lost QUIT reply changes nothing
	return nil
}

// transact runs the SMTP dialogue of Submit on c.
func (s SMTP) transact(c *smtp.Client, host, from, to string, raw []byte) error {
	hello := s.Hello
	if hello == "" {
		hello = Hostname()
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, InsecureSkipVerify: s.Insecure}); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	return nil
}

// Sendmail hands raw (CRLF or LF line ends) to the local MTA by running
// "program -t -i -f from", which takes the recipients from the To: header.
// The message is the MTA's once Sendmail returns nil: the program exited
// 0. Otherwise the error quotes the program's output.
func Sendmail(ctx context.Context, program, from string, raw []byte) error {
	cmd := exec.CommandContext(ctx, program, "-t", "-i", "-f", from)
	cmd.Stdin = bytes.NewReader(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 1000 {
			msg = msg[:1000] + "…"
		}
		return fmt.Errorf("%s -t: %w: %s", program, err, msg)
	}
	return nil
}

// Hostname returns the name of this host, or "localhost".
func Hostname() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}
