package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"userdir/internal/readme"
)

// readmeMasterCf is the README's master.cf service with this test's
// user, binary and configuration.
func readmeMasterCf(tb testing.TB, user, bin, cfg string) string {
	tb.Helper()
	s := readme.Block(tb, "master.cf")
	for _, want := range []string{"user=userdir", "/usr/local/bin/userdir", "/etc/userdir/userdir.toml", "-sender ${sender}", "flags=F"} {
		if !strings.Contains(s, want) {
			tb.Fatalf("README master.cf snippet lacks %q:\n%s", want, s)
		}
	}
	return strings.NewReplacer("user=userdir", "user="+user, "/usr/local/bin/userdir", bin, "/etc/userdir/userdir.toml", cfg).Replace(s)
}

// The README's two commands: the test command is the one .ci/run runs,
// and the demo command serves the sample directory, which the README's
// sample queries find.
func TestIntegrationReadmeCommands(t *testing.T) {
	tools := requireTools(t, "ldapsearch")
	if got := strings.TrimSpace(readme.Block(t, "tests")); got != "go test ./..." {
		t.Fatalf("README test command is %q", got)
	}
	ci, err := os.ReadFile(filepath.Join("..", ".ci", "run"))
	if err != nil || !bytes.Contains(ci, []byte("CI=true go test ./...")) {
		t.Fatalf(".ci/run does not run the README's test command (%v)", err)
	}
	demo := strings.Fields(strings.TrimSpace(readme.Block(t, "demo")))
	if len(demo) < 2 || demo[0] != "go" {
		t.Fatalf("README demo command is %q", demo)
	}
	// The same command, on a free port: tests listen on port 0 only.
	cmd := exec.Command(demo[0], append(demo[1:], "-listen", "127.0.0.1:0")...)
	cmd.Dir = ".."
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	urlRE := regexp.MustCompile(`served at (ldap://127\.0\.0\.1:\d+)`)
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(2 * time.Minute): // go run may compile first
		t.Fatalf("the demo did not start:\n%s", stderr.String())
	}
	wants := []string{"cn: Иванов Иван Иванович", "dn: mail=ivanov@company.ru,ou=Тюмень,dc=company,dc=ru", "mailhost: mx.tyumen.company.ru"}
	queries := strings.Split(strings.TrimSpace(readme.Block(t, "demo-queries")), "\n")
	if len(queries) != len(wants) {
		t.Fatalf("README has %d demo queries, the test knows %d", len(queries), len(wants))
	}
	for i, q := range queries {
		q = strings.Replace(q, "ldap://127.0.0.1:3389", url, 1)
		q = strings.Replace(q, "ldapsearch", tools["ldapsearch"]+" -LLL", 1) // the same query, without comments
		res := runCmd(t, nil, nil, "sh", "-c", q)
		if res.code != 0 || !strings.Contains(decodedLDIF(t, res.stdout), wants[i]) {
			t.Errorf("README demo query %q: %s", q, res)
		}
	}
}

// decodedLDIF returns ldapsearch output as "name: value" lines, base64
// values decoded.
func decodedLDIF(tb testing.TB, out string) string {
	tb.Helper()
	l, err := parseLDIF(out)
	if err != nil {
		tb.Fatalf("parse ldapsearch output: %v\n%s", err, out)
	}
	var b strings.Builder
	for _, e := range l.entries {
		b.WriteString("dn: " + e.dn + "\n")
		for name, values := range e.attrs {
			for _, v := range values {
				b.WriteString(name + ": " + v + "\n")
			}
		}
	}
	return b.String()
}

// The README's Postfix ldap_table files find what they should, with the
// real postmap; its client and phone filters find the right people.
func TestIntegrationReadmeSnippets(t *testing.T) {
	tools := requireTools(t, "postmap", "postconf")
	bin := buildUserdir(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, configOptions{store: filepath.Join(dir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}})
	loadFixture(t, bin, cfg)
	srv := startServe(t, bin, cfg, 1, nil)
	url := srv.urls[0]
	blocks := readme.Blocks(t)

	pm := newPostmap(t, tools, dir)
	for _, tc := range []struct{ table, key, want string }{
		{"ldap-recipients.cf", "ivanov@company.ru", "ivanov@company.ru"},
		{"ldap-recipients.cf", hiddenAddr, hiddenAddr},
		{"ldap-recipients.cf", aliasAddr, aliasAddr},
		{"ldap-recipients.cf", inactiveAddr, ""},
		{"ldap-recipients.cf", missingAddr, ""},
		{"ldap-transport.cf", "ivanov@company.ru", "smtp:[mx.tyumen.company.ru]"},
	} {
		text := strings.Replace(blocks[tc.table], "ldap://127.0.0.1:389", url, 1)
		if text == blocks[tc.table] {
			t.Fatalf("README %s has no server_host = ldap://127.0.0.1:389", tc.table)
		}
		file := filepath.Join(dir, tc.table)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour) // postmap waits for files younger than a second
		os.Chtimes(file, old, old)
		got, found, err := pm.query(t, file, tc.key)
		if err != nil || got != tc.want || found != (tc.want != "") {
			t.Errorf("README %s: postmap -q %s = %q, %v, %v; want %q", tc.table, tc.key, got, found, err, tc.want)
		}
	}

	// The README's send example, delivered straight to ingest instead of sendmail.
	send := strings.TrimSpace(blocks["send"])
	send = strings.Replace(send, "userdir send", bin+" send", 1)
	if !strings.Contains(send, "| sendmail -t -f ") {
		t.Fatalf("README send example does not set the envelope sender with sendmail -t -f:\n%s", send)
	}
	send = strings.Replace(send, "| sendmail -t -f ", "| "+bin+" ingest -config "+cfg+" -sender ", 1)
	if res := runCmd(t, nil, nil, "sh", "-c", send); res.code != 0 {
		t.Fatalf("README send example: %s", res)
	}
	waitFor(t, 5*time.Second, "the README's send example applied", func() (bool, string) {
		got, err := mtaSearch(url, "(&(mail=petrov@company.ru)(telephoneNumber=88-02-49))")
		return err == nil && len(got) == 1, fmt.Sprint(got, err)
	})

	anon, err := ldap.DialURL(url)
	if err != nil {
		t.Fatal(err)
	}
	defer anon.Close()
	reader, err := ldap.DialURL(url)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if err := reader.Bind("cn=reader,dc=company,dc=ru", "readerpass"); err != nil {
		t.Fatal(err)
	}
	search := func(c *ldap.Conn, filter string) []string {
		t.Helper()
		sr, err := c.Search(ldap.NewSearchRequest("dc=company,dc=ru", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, []string{"mail"}, nil))
		if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
			t.Errorf("%s: %v", filter, err)
			return nil
		}
		var mails []string
		for _, e := range sr.Entries {
			mails = append(mails, e.GetAttributeValue("mail"))
		}
		return mails
	}

	tb := regexp.MustCompile(`filterTemplate", "([^"]+)"`).FindStringSubmatch(blocks["thunderbird"])
	if tb == nil {
		t.Fatal("README Thunderbird snippet has no filterTemplate")
	}
	tbFilter := strings.NewReplacer("%v1", "иванов", "%v2-", "иван", "%v", "иванов иван").Replace(tb[1])
	if got := search(anon, tbFilter); !slices.Contains(got, "ivanov@company.ru") {
		t.Errorf("README Thunderbird filter %s finds %v", tbFilter, got)
	}
	outlook := strings.ReplaceAll(strings.TrimSpace(blocks["outlook"]), "%s", "ив")
	if got := search(anon, outlook); !slices.Contains(got, "ivanov@company.ru") || slices.Contains(got, hiddenAddr) {
		t.Errorf("README Outlook filter %s finds %v", outlook, got)
	}

	filterRE := regexp.MustCompile(`\((?:[^()]|\([^()]*\))*\)`)
	for _, phone := range []string{"yealink", "cisco", "grandstream", "snom", "fanvil", "poly"} {
		block, ok := blocks[phone]
		if !ok {
			t.Errorf("README has no %s snippet", phone)
			continue
		}
		if !strings.Contains(block, "dc=company,dc=ru") {
			t.Errorf("README %s snippet lacks the base DN", phone)
		}
		tried := 0
		for _, f := range filterRE.FindAllString(block, -1) {
			switch {
			case strings.Contains(f, "telephoneNumber=%") || strings.Contains(f, "telephoneNumber=$VALUE"):
				f = strings.NewReplacer("%", "83452880293", "$VALUE", "83452880293").Replace(f)
				if got := search(anon, f); !slices.Equal(got, []string{"ivanov@company.ru"}) {
					t.Errorf("README %s caller-ID filter %s finds %v", phone, f, got)
				}
			case strings.Contains(f, "=%") || strings.Contains(f, "$VALUE"):
				f = strings.NewReplacer("%", "Иванов*", "$VALUE*", "Иванов*", "$VALUE", "Иванов*").Replace(f)
				if got := search(anon, f); !slices.Contains(got, "ivanov@company.ru") {
					t.Errorf("README %s name filter %s finds %v", phone, f, got)
				}
			case strings.Contains(strings.ToLower(f), "objectclass"):
				if got := search(reader, f); len(got) < 10 {
					t.Errorf("README %s browse filter %s finds %d entries as reader", phone, f, len(got))
				}
			default:
				continue
			}
			tried++
		}
		if tried == 0 {
			t.Errorf("README %s snippet has no filter the test recognizes", phone)
		}
	}
}
