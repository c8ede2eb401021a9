package integration

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestIntegrationConflictOneAnswer is issue 8's "one branch can break
// another's routing": Tobolsk sends an update for Tyumen's address. It used
// to give a second entry, and postmap with the README's ldap-transport.cf
// answered smtp:[mx.tyumen…],smtp:[mx.tobolsk…], which Postfix cannot use.
// Now Postfix gets one answer at every step: the record with the newest
// existence wins, the other is listed by status as a conflict, and shows
// again once the winner is deleted.
func TestIntegrationConflictOneAnswer(t *testing.T) {
	tools := requireTools(t, "postmap", "postconf")
	bin := buildUserdir(t)
	dir := t.TempDir()
	pm := newPostmap(t, tools, dir)
	cfg := writeConfig(t, dir, configOptions{store: filepath.Join(dir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}})
	loadFixture(t, bin, cfg)
	url := startServe(t, bin, cfg, 1, nil).urls[0]
	transport := ldapTable(t, dir, "ldap-transport.cf", url, append([]string{"result_attribute = mailHost", "result_format = smtp:[%s]"}, mtaBind...)...)

	at := func(min int) time.Time { return time.Date(2025, 3, 10, 10, min, 0, 0, time.UTC) }
	send := func(code, sender, id string, min int, lines ...string) {
		ingest(t, bin, cfg, sender, commandMessage{code: code, from: sender, to: "dir@relay.company.ru",
			date: at(min), messageID: id, lines: lines}.bytes(t))
	}
	want := func(step, answer string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			value, found, err := pm.query(t, transport, visibleAddr)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if found && value == answer {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: postmap -q %s = %q (found %v), want the one answer %q", step, visibleAddr, value, found, answer)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	tyumen, tobolsk := "smtp:[mx.tyumen.company.ru]", "smtp:[mx.tobolsk.company.ru]"
	want("before", tyumen)

	send(codeTobolsk, "admin@tobolsk.company.ru", "hijack@tobolsk", 1, "_cmd=update:eml="+visibleAddr+":gor=00-00-00")
	want("after Tobolsk's newer update", tobolsk)
	st := runCmd(t, nil, nil, bin, "status", "-config", cfg)
	if !regexp.MustCompile(`(?m)^tyumen\s.*\s1\s+conflicts$`).MatchString(st.stdout) {
		t.Errorf("status does not list Tyumen's record as a conflict:\n%s", st)
	}

	send(codeTobolsk, "admin@tobolsk.company.ru", "undo@tobolsk", 2, "_cmd=delete:eml="+visibleAddr)
	want("after Tobolsk deletes its record", tyumen)
	send(codeTobolsk, "admin@tobolsk.company.ru", "again@tobolsk", 3, "_cmd=insert:eml="+visibleAddr)
	want("after Tobolsk inserts it again", tobolsk)
	send(codeTyumen, "admin@tyumen.company.ru", "reassert@tyumen", 4, "_cmd=update:eml="+visibleAddr+":gor=88-02-93")
	want("after Tyumen's newer update", tyumen)
	send(codeTyumen, "admin@tyumen.company.ru", "leave@tyumen", 5, "_cmd=update:eml="+visibleAddr+":act=0")
	want("after Tyumen deactivates it", tobolsk)

	// An internationalized domain is one address in either spelling, and
	// Postfix (which looks up the ASCII form without SMTPUTF8) finds it.
	send(codeTyumen, "admin@tyumen.company.ru", "idn@tyumen", 6, "_cmd=insert:eml=ivanov@xn--80aqeigdi5k.xn--p1ai")
	send(codeTyumen, "admin@tyumen.company.ru", "idn2@tyumen", 7, "_cmd=update:eml=ivanov@компания.рф:gor=1")
	for _, key := range []string{"ivanov@xn--80aqeigdi5k.xn--p1ai", "ivanov@компания.рф"} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			value, found, err := pm.query(t, transport, key)
			if err != nil {
				t.Fatalf("IDN %s: %v", key, err)
			}
			if found && value == tyumen {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("IDN: postmap -q %s = %q (found %v), want %q", key, value, found, tyumen)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
