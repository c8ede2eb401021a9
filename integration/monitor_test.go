package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// withHTTP turns on serve's HTTP listener on a free port.
func withHTTP(cfg map[string]any) { cfg["http"] = map[string]any{"listen": "127.0.0.1:0"} }

// scrape fetches url and parses it with the Prometheus text parser.
func scrape(tb testing.TB, url string) map[string]*dto.MetricFamily {
	tb.Helper()
	resp, err := http.Get(url)
	must(tb, err, "GET %s", url)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	must(tb, err, "parse %s", url)
	return mfs
}

// metricValue returns the value of the sample of family name whose labels
// include labels ("k=v" pairs), and whether there is one. A histogram gives
// its sample count.
func metricValue(mfs map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.Metric {
		for _, kv := range labels {
			k, v, _ := strings.Cut(kv, "=")
			found := false
			for _, lp := range m.Label {
				found = found || (lp.GetName() == k && lp.GetValue() == v)
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// TestIntegrationMetrics runs serve with [http] listen, sends known LDAP
// traffic, ingests known mail while it runs, and checks the counters and
// per-division gauges of /metrics, and /healthz.
func TestIntegrationMetrics(t *testing.T) {
	bin := buildUserdir(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, configOptions{store: filepath.Join(dir, "userdir.db"),
		listen: []string{"ldap://127.0.0.1:0"}, edit: withHTTP})
	loadFixture(t, bin, cfg)
	srv := startServe(t, bin, cfg, 2, nil)
	var ldapURL, metricsURL string
	for _, u := range srv.urls {
		if strings.HasPrefix(u, "http://") {
			metricsURL = u + "/metrics"
		} else {
			ldapURL = u
		}
	}
	if metricsURL == "" || ldapURL == "" {
		t.Fatalf("listening URLs %v, want an ldap:// and an http:// one", srv.urls)
	}

	// Mail that arrives while serve runs: a rejected line, a bad sender.
	at := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	ingest(t, bin, cfg, "admin@tyumen.company.ru", commandMessage{code: codeTyumen, from: "admin@tyumen.company.ru",
		to: "dir@company.ru", date: at, messageID: "m1@test",
		lines: []string{"_cmd=insert:eml=new@company.ru:name=Новый", "_cmd=insert:eml=not-an-address"}}.bytes(t))
	ingest(t, bin, cfg, "evil@elsewhere.example", commandMessage{code: codeSurgut, from: "evil@elsewhere.example",
		to: "dir@company.ru", date: at, messageID: "m2@test", lines: []string{"_cmd=delete:eml=elkin@surgut.company.ru"}}.bytes(t))

	// LDAP traffic: 5 selective searches, 1 unselective, 1 failed and 1
	// good bind (as mta), then 2 searches as mta.
	c, err := ldap.DialURL(ldapURL)
	must(t, err, "dial")
	defer c.Close()
	search := func(filter string) {
		_, err := c.Search(ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
			filter, []string{"mail"}, nil))
		must(t, err, "search %s", filter)
	}
	for range 5 {
		search("(mail=" + visibleAddr + ")")
	}
	if _, err := c.Search(ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"mail"}, nil)); !ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform) {
		t.Fatalf("unselective search: %v, want unwillingToPerform", err)
	}
	if err := c.Bind(postfixDN, "wrong"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Fatalf("bind with a wrong password: %v", err)
	}
	must(t, c.Bind(postfixDN, postfixPW), "bind")
	search("(mail=" + aliasAddr + ")")
	search("(mail=" + hiddenAddr + ")")

	// The server counts a request just after writing its response, so the
	// client may be a little ahead: wait for the last search to count.
	var mfs map[string]*dto.MetricFamily
	waitFor(t, 5*time.Second, "the last search to be counted", func() (bool, string) {
		mfs = scrape(t, metricsURL)
		n, _ := metricValue(mfs, "userdir_ldap_operations_total", "operation=search", "code=0", "role=mta")
		return n == 2, fmt.Sprint(n)
	})
	for _, w := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"userdir_ldap_operations_total", []string{"operation=search", "code=0", "role=book"}, 5},
		{"userdir_ldap_operations_total", []string{"operation=search", "code=53", "role=book"}, 1},
		{"userdir_ldap_operations_total", []string{"operation=search", "code=0", "role=mta"}, 2},
		{"userdir_ldap_operations_total", []string{"operation=bind", "code=49", "role=book"}, 1},
		{"userdir_ldap_operations_total", []string{"operation=bind", "code=0", "role=mta"}, 1},
		{"userdir_ldap_operation_duration_seconds", []string{"operation=search", "role=book"}, 6},
		{"userdir_ldap_searches_refused_total", []string{"reason=unselective"}, 1},
		{"userdir_ldap_searches_refused_total", []string{"reason=rate"}, 0},
		{"userdir_ldap_searches_refused_total", []string{"reason=budget"}, 0},
		{"userdir_ldap_bind_failures_total", nil, 1},
		{"userdir_ldap_connections_open", nil, 1},
		{"userdir_division_entries", []string{"division=tyumen"}, 6},
		{"userdir_division_entries", []string{"division=tobolsk"}, staffCount},
		{"userdir_division_messages", []string{"division=tyumen", "outcome=applied"}, 3},
		{"userdir_division_messages", []string{"division=surgut", "outcome=applied"}, 1},
		{"userdir_division_messages", []string{"division=surgut", "outcome=bad-sender"}, 1},
		{"userdir_division_rejected_lines", []string{"division=tyumen"}, 1},
		{"userdir_division_held_syncs", []string{"division=tyumen"}, 0},
		{"userdir_division_conflicts", []string{"division=tyumen"}, 0},
		{"userdir_division_stale", []string{"division=tyumen"}, 0},
		{"userdir_division_max_silence_seconds", []string{"division=tyumen"}, 36 * 3600},
		{"userdir_store_up", nil, 1},
	} {
		got, ok := metricValue(mfs, w.name, w.labels...)
		if !ok || got != w.want {
			t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.want)
		}
	}
	if n, _ := metricValue(mfs, "userdir_snapshot_entries"); n < mtaEntries {
		t.Errorf("userdir_snapshot_entries = %v, want at least %d", n, mtaEntries)
	}
	if age, ok := metricValue(mfs, "userdir_snapshot_age_seconds"); !ok || age > 5 {
		t.Errorf("userdir_snapshot_age_seconds = %v, want a current snapshot", age)
	}
	now := float64(time.Now().Unix())
	if last, _ := metricValue(mfs, "userdir_division_last_applied_timestamp_seconds", "division=tyumen"); now-last > 300 || now < last-5 {
		t.Errorf("tyumen last applied at %v, want about now (%v)", last, now)
	}

	resp, err := http.Get(metricsURL[:strings.LastIndex(metricsURL, "/")] + "/healthz")
	must(t, err, "GET /healthz")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz: %s %q", resp.Status, body)
	}
	if !strings.Contains(srv.log.String(), `msg="search refused" reason=unselective peer=127.0.0.1`) {
		t.Errorf("the refused search is not logged at info with its peer:\n%s", srv.log)
	}
}

// TestIntegrationJSONLog: serve -log-format json writes every line of its
// stderr as one JSON object, the store's migration and the refusals too.
func TestIntegrationJSONLog(t *testing.T) {
	bin := buildUserdir(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, configOptions{store: filepath.Join(dir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}})
	urls := make(chan string, 1)
	log := &lineLog{onLine: func(line string) {
		var rec struct{ Msg, URL string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
			urls <- rec.URL
		}
	}}
	cmd := exec.Command(bin, "serve", "-config", cfg, "-log-format", "json")
	cmd.Stderr = log
	must(t, cmd.Start(), "start serve")
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var url string
	select {
	case url = <-urls:
	case err := <-exited:
		t.Fatalf("serve exited: %v\n%s", err, log)
	case <-time.After(serveTimeout):
		cmd.Process.Kill()
		t.Fatalf("serve did not listen:\n%s", log)
	}
	c, err := ldap.DialURL(url)
	must(t, err, "dial")
	c.Search(ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(cn=*)", nil, nil))
	c.Bind(postfixDN, "wrong")
	c.Close()
	must(t, cmd.Process.Signal(syscall.SIGTERM), "SIGTERM")
	select {
	case err := <-exited:
		must(t, err, "serve after SIGTERM")
	case <-time.After(serveTimeout):
		cmd.Process.Kill()
		t.Fatalf("serve did not stop")
	}
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var rec struct{ Time, Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Time == "" || rec.Level == "" {
			t.Errorf("not a JSON log record: %q", line)
		}
		msgs = append(msgs, rec.Msg)
	}
	for _, want := range []string{"store migrated", "search refused", "bind failed", "listening"} {
		if !slices.Contains(msgs, want) {
			t.Errorf("no %q record in:\n%s", want, log)
		}
	}
}
