package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/go-ldap/ldap/v3"
)

// The test instance's mail domain and the directory's mailbox in it.
const (
	testDomain = "userdir.test"
	dirAddr    = "dir@" + testDomain
)

// deliveryTimeout bounds each wait for Postfix to deliver or defer.
const deliveryTimeout = 30 * time.Second

// account is a system user's numeric ids.
type account struct{ uid, gid uint32 }

// lookupAccount returns the ids of system user name, or stops the test.
func lookupAccount(tb testing.TB, name string) account {
	tb.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		unavailable(tb, "system user %q: %v", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		tb.Fatalf("system user %q has non-numeric ids %s:%s", name, u.Uid, u.Gid)
	}
	return account{uint32(uid), uint32(gid)}
}

// openToAll makes dir and its parent (the per-test directory that
// t.TempDir creates 0700) traversable and readable by every user: the
// pipe's user and Postfix's daemons must reach files in it.
func openToAll(tb testing.TB, dir string) {
	tb.Helper()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		must(tb, os.Chmod(d, 0o755), "chmod %s", d)
	}
}

// mainCf is the test instance's main.cf: a private queue and data
// directory, loopback only, no outside or local delivery, and dir@ of the
// test domain routed by transport_maps to the userdir pipe service.
const mainCf = `# Private Postfix instance of the userdir integration test.
compatibility_level = 3.6
queue_directory = {{root}}/queue
data_directory = {{root}}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.{{domain}}
mydomain = {{domain}}
myorigin = $myhostname
mydestination = {{domain}}
inet_interfaces = loopback-only
inet_protocols = ipv4
alias_maps =
alias_database =
transport_maps = inline:{ {{dir}}=userdir: }
userdir_destination_recipient_limit = 1
local_transport = error:5.1.1 local delivery is off in this test instance
default_transport = error:5.4.4 no outside delivery from this test instance
relay_transport = $default_transport
maillog_file = {{root}}/maillog
maillog_file_prefixes = {{root}}
biff = no
`

// masterCf is the test instance's master.cf: the internal services
// without chroot and without any inet listener, postlogd for
// maillog_file, and the userdir pipe (flags=F: an mbox From_ line; the
// envelope sender as -sender; one recipient per delivery).
const masterCf = `# service type  private unpriv  chroot  wakeup  maxproc command + args
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
{{userdir service}}`

// postfix is a running private Postfix instance.
type postfix struct {
	tools   map[string]string
	conf    string // config_directory
	maillog string
}

// startPostfix configures a Postfix instance under root, whose userdir
// service runs bin ingest -config cfg as pipeUser, starts it in the
// foreground as its own process group, and waits until it runs. It is
// stopped when the test ends.
func startPostfix(tb testing.TB, tools map[string]string, root, bin, cfg, pipeUser string) *postfix {
	tb.Helper()
	return startPostfixWith(tb, tools, root, bin, cfg, pipeUser, "", "")
}

// startPostfixWith is startPostfix with lines added to main.cf (a later
// setting overrides the template's) and to master.cf.
func startPostfixWith(tb testing.TB, tools map[string]string, root, bin, cfg, pipeUser, moreMain, moreMaster string) *postfix {
	tb.Helper()
	if strings.ContainsAny(root+bin+cfg, " \t\n{}") {
		tb.Fatalf("paths with white space or braces cannot go into master.cf: %q %q %q", root, bin, cfg)
	}
	pf := &postfix{tools: tools, conf: filepath.Join(root, "conf"), maillog: filepath.Join(root, "maillog")}
	owner := lookupAccount(tb, "postfix")
	for _, d := range []string{pf.conf, filepath.Join(root, "queue"), filepath.Join(root, "data")} {
		must(tb, os.MkdirAll(d, 0o755), "create %s", d)
	}
	must(tb, os.Chown(filepath.Join(root, "data"), int(owner.uid), int(owner.gid)), "chown the data directory")
	r := strings.NewReplacer("{{root}}", root, "{{domain}}", testDomain, "{{dir}}", dirAddr,
		"{{userdir service}}", readmeMasterCf(tb, pipeUser, bin, cfg)) // the README's own lines
	must(tb, os.WriteFile(filepath.Join(pf.conf, "main.cf"), []byte(r.Replace(mainCf)+moreMain), 0o644), "write main.cf")
	must(tb, os.WriteFile(filepath.Join(pf.conf, "master.cf"), []byte(r.Replace(masterCf)+"\n"+moreMaster), 0o644), "write master.cf")
	// check creates the queue directories with Postfix's owners and modes.
	if res := runCmd(tb, nil, nil, tools["postfix"], "-c", pf.conf, "check"); res.code != 0 {
		tb.Fatalf("postfix check: %s\nmaillog:\n%s", res, pf.log())
	}
	pf.start(tb)
	return pf
}

// start runs `postfix start-fg`: the master stays our child, in a process
// group of its own (it signals its whole group when it stops).
func (pf *postfix) start(tb testing.TB) {
	tb.Helper()
	var out bytes.Buffer
	cmd := exec.Command(pf.tools["postfix"], "-c", pf.conf, "start-fg")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(tb, cmd.Start(), "postfix start-fg")
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() { pf.stop(tb, cmd.Process.Pid, exited) })
	waitFor(tb, 20*time.Second, "postfix status to report a running instance", func() (bool, string) {
		select {
		case err := <-exited:
			exited <- err
			tb.Fatalf("postfix start-fg exited (%v): %s\nmaillog:\n%s", err, out.String(), pf.log())
		default:
		}
		r := runCmd(tb, nil, nil, pf.tools["postfix"], "-c", pf.conf, "status")
		return r.code == 0, r.String()
	})
}

// stop runs `postfix stop`, waits for the master to exit and kills what is
// left of its process group.
func (pf *postfix) stop(tb testing.TB, pgid int, exited chan error) {
	tb.Helper()
	if r := runCmd(tb, nil, nil, pf.tools["postfix"], "-c", pf.conf, "stop"); r.code != 0 {
		tb.Logf("postfix stop: %s", r)
	}
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		tb.Errorf("the Postfix master did not stop within 15 s; killing its process group")
	}
	// Leftovers (a pipe child, a daemon that missed the signal) die too.
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		tb.Errorf("kill the Postfix process group %d: %v", pgid, err)
	}
}

// log returns the instance's maillog so far.
func (pf *postfix) log() string {
	b, _ := os.ReadFile(pf.maillog)
	return string(b)
}

// submit hands msg to Postfix with `sendmail -C conf -t -i -f sender`
// (recipients from To:) and returns its Message-ID.
func (pf *postfix) submit(tb testing.TB, sender string, msg []byte) string {
	tb.Helper()
	r := runCmd(tb, msg, nil, pf.tools["sendmail"], "-C", pf.conf, "-t", "-i", "-f", sender)
	if r.code != 0 {
		tb.Fatalf("sendmail -t: %s\nmaillog:\n%s", r, pf.log())
	}
	mr, err := mail.CreateReader(bytes.NewReader(msg))
	must(tb, err, "read back the submitted message")
	id, err := mr.Header.MessageID()
	if err != nil || id == "" {
		tb.Fatalf("the submitted message has no Message-ID (%v):\n%s", err, msg)
	}
	return id
}

// delivery is what the maillog says about one message: its queue ID and
// the dsn and status of each delivery attempt to dir@, in order.
type delivery struct {
	queueID  string
	attempts []string // "2.0.0 sent", "4.3.0 deferred", ...
}

// last returns the latest attempt, or "".
func (d delivery) last() string {
	if len(d.attempts) == 0 {
		return ""
	}
	return d.attempts[len(d.attempts)-1]
}

// deliveryOf reads the maillog for the message with Message-ID id:
// cleanup logs "QID: message-id=<id>", pipe logs "QID: to=<dir@...>,
// relay=userdir, ..., dsn=X.Y.Z, status=WORD (...)".
func (pf *postfix) deliveryOf(id string) delivery {
	var d delivery
	for _, line := range strings.Split(pf.log(), "\n") {
		if d.queueID == "" {
			if before, ok := strings.CutSuffix(line, ": message-id=<"+id+">"); ok {
				d.queueID = before[strings.LastIndexByte(before, ' ')+1:]
			}
			continue
		}
		if !strings.Contains(line, " "+d.queueID+": to=<"+dirAddr+">") {
			continue
		}
		_, rest, _ := strings.Cut(line, ", dsn=")
		dsn, rest, _ := strings.Cut(rest, ", status=")
		status, _, _ := strings.Cut(rest, " ")
		d.attempts = append(d.attempts, dsn+" "+status)
	}
	return d
}

// waitDelivery waits until the message's latest attempt is want (e.g.
// "2.0.0 sent") and returns what the maillog says about it.
func (pf *postfix) waitDelivery(tb testing.TB, id, want string) delivery {
	tb.Helper()
	var d delivery
	waitFor(tb, deliveryTimeout, fmt.Sprintf("<%s> to be %q", id, want), func() (bool, string) {
		d = pf.deliveryOf(id)
		return d.last() == want, fmt.Sprintf("%+v\nmaillog:\n%s", d, pf.log())
	})
	return d
}

// queued is one message of `postqueue -j` (Postfix ≥ 3.1).
type queued struct {
	QueueName  string `json:"queue_name"`
	QueueID    string `json:"queue_id"`
	Sender     string `json:"sender"`
	Recipients []struct {
		Address     string `json:"address"`
		DelayReason string `json:"delay_reason"`
	} `json:"recipients"`
}

// queue lists the instance's queue with postqueue -c conf -j.
func (pf *postfix) queue(tb testing.TB) []queued {
	tb.Helper()
	r := runCmd(tb, nil, nil, pf.tools["postqueue"], "-c", pf.conf, "-j")
	if r.code != 0 {
		tb.Fatalf("postqueue -j: %s", r)
	}
	var out []queued
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		var q queued
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			tb.Fatalf("postqueue -j line %q: %v", line, err)
		}
		out = append(out, q)
	}
	return out
}

// waitEmpty waits until the queue is empty: qmgr removes a delivered
// message just after the delivery agent reports.
func (pf *postfix) waitEmpty(tb testing.TB) {
	tb.Helper()
	waitFor(tb, 5*time.Second, "an empty queue", func() (bool, string) {
		q := pf.queue(tb)
		return len(q) == 0, fmt.Sprintf("%+v", q)
	})
}

// sendMessage composes a command message to dir@ for division code, From:
// from, with `userdir send`, the way a branch makes one for sendmail -t.
func sendMessage(tb testing.TB, bin, code, from string, lines ...string) []byte {
	tb.Helper()
	r := runCmd(tb, nil, nil, bin, append([]string{"send", "-division-code", code, "-to", dirAddr, "-from", from}, lines...)...)
	if r.code != 0 {
		tb.Fatalf("userdir send: %s", r)
	}
	return []byte(r.stdout)
}

// mtaSearch binds to the directory as the mta account with the go-ldap
// client and returns the mail values that filter finds.
func mtaSearch(url, filter string) ([]string, error) {
	conn, err := ldap.DialURL(url, ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	defer conn.Close()
	conn.SetTimeout(5 * time.Second)
	if err := conn.Bind(postfixDN, postfixPW); err != nil {
		return nil, fmt.Errorf("bind as %s: %w", postfixDN, err)
	}
	res, err := conn.Search(ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 5, false, filter, []string{"mail"}, nil))
	if err != nil {
		return nil, fmt.Errorf("search %s: %w", filter, err)
	}
	var mails []string
	for _, e := range res.Entries {
		mails = append(mails, e.GetAttributeValue("mail"))
	}
	return mails, nil
}

// waitLDAP waits until filter finds exactly the address want over LDAP.
func waitLDAP(tb testing.TB, url, filter, want string) {
	tb.Helper()
	waitFor(tb, 3*time.Second, filter+" over LDAP", func() (bool, string) {
		got, err := mtaSearch(url, filter)
		return err == nil && len(got) == 1 && got[0] == want, fmt.Sprintf("%q, %v", got, err)
	})
}

// postfixStack is a private Postfix that pipes to `userdir ingest`, and a
// `serve` on the same store, both running as nobody so that every file of
// the store is nobody's.
type postfixStack struct {
	pf       *postfix
	tools    map[string]string // the Postfix programs, by name
	bin, cfg string
	url      string // serve's LDAP URL
	storeDir string
}

// startPostfixStack builds userdir and starts a postfixStack in a
// temporary directory; it stops the test when a program is missing.
func startPostfixStack(t *testing.T) postfixStack {
	t.Helper()
	tools := requireTools(t, "postfix", "postconf", "sendmail", "postqueue")
	requireRoot(t)
	nobody := lookupAccount(t, "nobody")
	bin := buildUserdir(t)
	openToAll(t, filepath.Dir(bin))
	root := t.TempDir()
	openToAll(t, root)
	storeDir := filepath.Join(root, "store")
	must(t, os.Mkdir(storeDir, 0o755), "create the store directory")
	must(t, os.Chown(storeDir, int(nobody.uid), int(nobody.gid)), "chown the store directory to nobody")
	cfg := writeConfig(t, root, configOptions{store: filepath.Join(storeDir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}})
	url := startServe(t, bin, cfg, 1, &syscall.Credential{Uid: nobody.uid, Gid: nobody.gid}).urls[0]
	pf := startPostfix(t, tools, root, bin, cfg, "nobody")
	return postfixStack{pf: pf, tools: tools, bin: bin, cfg: cfg, url: url, storeDir: storeDir}
}

// TestIntegrationPostfixDelivery runs a private Postfix instance that
// delivers dir@userdir.test to `userdir ingest` through a pipe transport
// chosen by transport_maps, submits command messages with sendmail, and
// finds the records over LDAP. With the store unwritable, Postfix defers
// the message (EX_TEMPFAIL, 4.3.0); once it is writable again a queue
// flush delivers it: nothing is lost.
func TestIntegrationPostfixDelivery(t *testing.T) {
	st := startPostfixStack(t)
	pf, bin, cfg, url, storeDir := st.pf, st.bin, st.cfg, st.url, st.storeDir

	t.Run("delivered and applied", func(t *testing.T) { testDelivered(t, pf, bin, cfg, url) })
	t.Run("deferred while the store is unwritable, then applied", func(t *testing.T) { testDeferred(t, pf, bin, url, storeDir) })
}

// testDelivered: messages for Tyumen, for Surgut (which checks the
// envelope sender that the pipe passes as -sender) and with an unknown
// code are all delivered; the first two are applied, the last ignored and
// not bounced.
func testDelivered(t *testing.T, pf *postfix, bin, cfg, url string) {
	start := time.Now()
	tyumen := pf.submit(t, "admin@tyumen.company.ru", sendMessage(t, bin, codeTyumen, "admin@tyumen.company.ru",
		"_cmd=insert:type=mbox:name=Почтов Павел Петрович:eml=pochtov@company.ru:vis=1:mer=38-32-99",
		"_cmd=insert:type=mbox:name=Скрытова Алла:eml=skrytova@company.ru:vis=0"))
	// From: is not among Surgut's senders; the envelope sender is.
	surgut := pf.submit(t, surgutSender, sendMessage(t, bin, codeSurgut, "stranger@example.org",
		"_cmd=insert:type=mbox:name=Конвертов Кирилл:eml=konvertov@surgut.company.ru"))
	unknown := pf.submit(t, "admin@tyumen.company.ru", sendMessage(t, bin, "9999", "admin@tyumen.company.ru",
		"_cmd=insert:type=mbox:name=Подделкин Пётр:eml=fake@company.ru"))
	for _, id := range []string{tyumen, surgut, unknown} {
		pf.waitDelivery(t, id, "2.0.0 sent")
	}
	waitLDAP(t, url, "(mail=pochtov@company.ru)", "pochtov@company.ru")
	t.Logf("three messages submitted, delivered and found over LDAP in %v", time.Since(start).Round(time.Millisecond))
	waitLDAP(t, url, "(cn=скрытова*)", "skrytova@company.ru")
	waitLDAP(t, url, "(mail=konvertov@surgut.company.ru)", "konvertov@surgut.company.ru")
	// The store itself, inactive records included, has nothing of the
	// message with an unknown code.
	if r := runCmd(t, nil, nil, bin, "dump", "-config", cfg, "-role", "all"); r.code != 0 || !strings.Contains(r.stdout, "pochtov@company.ru") ||
		strings.Contains(r.stdout, "fake@company.ru") {
		t.Errorf("userdir dump -role all after the message with an unknown code: %s", r)
	}
	pf.waitEmpty(t)
	if log := pf.log(); strings.Contains(log, "sender non-delivery notification") || strings.Contains(log, "status=bounced") {
		t.Errorf("Postfix bounced a command message:\n%s", log)
	}
}

// testDeferred: with the store unwritable for the pipe's user, ingest
// exits 75 and Postfix keeps the message as deferred with dsn 4.3.0 and
// ingest's reason; after the permissions are restored and the queue is
// flushed it is delivered and applied.
func testDeferred(t *testing.T, pf *postfix, bin, url, storeDir string) {
	restore := makeUnwritable(t, storeDir)
	id := pf.submit(t, "admin@tyumen.company.ru", sendMessage(t, bin, codeTyumen, "admin@tyumen.company.ru",
		"_cmd=insert:type=mbox:name=Отложенный Олег:eml=deferred@company.ru:vis=1"))
	d := pf.waitDelivery(t, id, "4.3.0 deferred")
	// qmgr moves the message from the active to the deferred queue just
	// after the pipe reports.
	var q []queued
	waitFor(t, 5*time.Second, "the message in the deferred queue", func() (bool, string) {
		q = pf.queue(t)
		return len(q) == 1 && q[0].QueueID == d.queueID && q[0].QueueName == "deferred", fmt.Sprintf("%+v", q)
	})
	if len(q[0].Recipients) != 1 || !strings.Contains(q[0].Recipients[0].DelayReason, "userdir store") {
		t.Fatalf("deferred message %+v, want one recipient deferred for a reason about the userdir store", q[0])
	}
	t.Logf("deferred: %q", q[0].Recipients[0].DelayReason)
	if got, err := mtaSearch(url, "(mail=deferred@company.ru)"); err != nil || len(got) != 0 {
		t.Fatalf("(mail=deferred@company.ru) = %q, %v while the store was unwritable", got, err)
	}

	restore()
	if r := runCmd(t, nil, nil, pf.tools["postqueue"], "-c", pf.conf, "-f"); r.code != 0 {
		t.Fatalf("postqueue -f: %s", r)
	}
	d = pf.waitDelivery(t, id, "2.0.0 sent")
	if len(d.attempts) != 2 {
		t.Errorf("delivery attempts of %s = %q, want one deferral and one success", d.queueID, d.attempts)
	}
	waitLDAP(t, url, "(mail=deferred@company.ru)", "deferred@company.ru")
	pf.waitEmpty(t)
}

// makeUnwritable takes write permission on storeDir and its files away
// from everyone but root and returns a function that gives it back; the
// permissions are restored when the test ends in any case.
func makeUnwritable(tb testing.TB, storeDir string) (restore func()) {
	tb.Helper()
	modes := map[string]os.FileMode{}
	entries, err := os.ReadDir(storeDir)
	must(tb, err, "list %s", storeDir)
	for _, e := range append([]string{""}, names(entries)...) {
		p := filepath.Join(storeDir, e)
		st, err := os.Stat(p)
		must(tb, err, "stat %s", p)
		modes[p] = st.Mode().Perm()
		must(tb, os.Chmod(p, st.Mode().Perm()&^0o222), "chmod %s", p)
	}
	done := false
	restore = func() {
		if done {
			return
		}
		done = true
		for p, m := range modes {
			if err := os.Chmod(p, m); err != nil {
				tb.Errorf("restore the mode of %s: %v", p, err)
			}
		}
	}
	tb.Cleanup(restore)
	return restore
}

// names returns the names of entries.
func names(entries []os.DirEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Name()
	}
	return out
}
