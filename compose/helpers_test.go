package compose

import (
	"bytes"
	"net/mail"
	"testing"
	"time"

	"userdir/mailcmd"
	"userdir/mailmsg"
)

// testDate is the Date of the test messages.
var testDate = time.Date(2025, 3, 10, 12, 30, 45, 0, time.FixedZone("", 5*3600))

// command builds the mailcmd.Command that ingest should read: op on eml with
// the key, value pairs kv present; line is its body line number.
func command(tb testing.TB, line int, op mailcmd.Op, eml string, kv ...string) mailcmd.Command {
	tb.Helper()
	c := mailcmd.Command{Op: op, Eml: eml, Line: line}
	for i := 0; i+1 < len(kv); i += 2 {
		f, ok := mailcmd.FieldByKey(kv[i])
		if !ok {
			tb.Fatalf("command: unknown key %q", kv[i])
		}
		c.Values[f], c.Present[f] = kv[i+1], true
	}
	return c
}

// testMessage returns a message holding body, for the division code.
func testMessage(code, body string) *Message {
	return &Message{
		From:      mail.Address{Address: "admin@tyumen.company.ru"},
		To:        mail.Address{Name: "Справочник", Address: "userdir@company.ru"},
		Code:      code,
		Date:      testDate,
		MessageID: "TESTID@host.company.ru",
		Body:      body,
	}
}

// readMessage reads raw as ingest does and returns the mail, its decoded
// body and the commands in it; a rejected line fails the test.
func readMessage(tb testing.TB, raw []byte) (*mailmsg.Mail, string, []mailcmd.Command) {
	tb.Helper()
	m, err := mailmsg.ReadMail(bytes.NewReader(raw), 0)
	if err != nil {
		tb.Fatalf("ReadMail: %v\n%s", err, raw)
	}
	body, err := m.Body("")
	if err != nil {
		tb.Fatalf("Body: %v\n%s", err, raw)
	}
	cmds, rejects, _ := mailcmd.ParseCommands(body)
	if len(rejects) > 0 {
		tb.Fatalf("ingest rejects %+v\n%s", rejects, raw)
	}
	return m, body, cmds
}
