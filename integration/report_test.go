package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// reportsDomain is where the test's administrators live: Postfix hands
// their mail to a pipe that appends it to a file per recipient.
const reportsDomain = "reports." + testDomain

// withAdmins gives Tyumen and Surgut an admin and sets report_to, all in
// reportsDomain.
func withAdmins(cfg map[string]any) {
	cfg["report_to"] = "boss@" + reportsDomain
	divs, _ := cfg["division"].([]any)
	for _, d := range divs {
		m := d.(map[string]any)
		switch m["id"] {
		case "tyumen", "surgut":
			m["admin"] = "it-" + m["id"].(string) + "@" + reportsDomain
		}
	}
}

// TestIntegrationReportDelivered: `userdir report` hands the digests to a
// private Postfix through its sendmail, and Postfix delivers each to its
// recipient; no division code is in any of them.
func TestIntegrationReportDelivered(t *testing.T) {
	tools := requireTools(t, "postfix", "postconf", "sendmail", "postqueue")
	requireRoot(t)
	bin := buildUserdir(t)
	openToAll(t, filepath.Dir(bin))
	root := t.TempDir()
	openToAll(t, root)
	cfg := writeConfig(t, root, configOptions{store: filepath.Join(root, "userdir.db"),
		listen: []string{"ldap://127.0.0.1:0"}, edit: withAdmins})
	loadFixture(t, bin, cfg)
	// A bad sender and a rejected line, for the digests to report.
	at := time.Now().UTC()
	ingest(t, bin, cfg, "evil@elsewhere.example", commandMessage{code: codeSurgut, from: "evil@elsewhere.example",
		to: dirAddr, date: at, messageID: "bad-sender@test", lines: []string{"_cmd=delete:eml=elkin@surgut.company.ru"}}.bytes(t))
	ingest(t, bin, cfg, "admin@tyumen.company.ru", commandMessage{code: codeTyumen, from: "admin@tyumen.company.ru",
		to: dirAddr, date: at, messageID: "rejected@test", lines: []string{"_cmd=insert:eml=not-an-address"}}.bytes(t))

	boxes := filepath.Join(root, "reports")
	must(t, os.Mkdir(boxes, 0o777), "create %s", boxes)
	must(t, os.Chmod(boxes, 0o777), "chmod %s", boxes)
	pf := startPostfixWith(t, tools, root, bin, cfg, "nobody",
		"transport_maps = inline:{ "+dirAddr+"=userdir:, "+reportsDomain+"=reportbox: }\n",
		"reportbox unix - n n - - pipe flags=F user=nobody argv=/usr/bin/tee -a "+boxes+"/${recipient}\n")

	r := runCmd(t, nil, []string{"MAIL_CONFIG=" + pf.conf}, bin, "report", "-config", cfg,
		"-from", "userdir@"+testDomain, "-sendmail", tools["sendmail"])
	if r.code != 0 {
		t.Fatalf("userdir report: %s\nmaillog:\n%s", r, pf.log())
	}
	want := map[string][]string{
		"it-tyumen@" + reportsDomain: {"rejected@test", "not-an-address"},
		"it-surgut@" + reportsDomain: {"from evil@elsewhere.example"},
		"boss@" + reportsDomain:      {"total"},
	}
	for rcpt, words := range want {
		path := filepath.Join(boxes, rcpt)
		var text string
		waitFor(t, deliveryTimeout, "the report to "+rcpt, func() (bool, string) {
			b, err := os.ReadFile(path)
			text = string(b)
			return err == nil && strings.Contains(text, "\n\n"), pf.log()
		})
		for _, w := range words {
			if !strings.Contains(text, w) {
				t.Errorf("the report delivered to %s lacks %q:\n%s", rcpt, w, text)
			}
		}
		for _, code := range []string{codeTyumen, codeTobolsk, codeSurgut} {
			if strings.Contains(text, code) {
				t.Errorf("the report delivered to %s holds a division code", rcpt)
			}
		}
		// The pipe logs its delivery just after tee has written the file.
		waitFor(t, deliveryTimeout, "the maillog's delivery to "+rcpt, func() (bool, string) {
			return strings.Contains(pf.log(), "to=<"+rcpt+">, relay=reportbox"), pf.log()
		})
	}
	if _, err := os.Stat(filepath.Join(boxes, "it-tobolsk@"+reportsDomain)); err == nil {
		t.Errorf("Tobolsk, which has no admin, got a report")
	}
}
