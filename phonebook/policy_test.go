package phonebook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"userdir/directory"
	"userdir/internal/fixture"
	"userdir/ldapserver"
	"userdir/store"
)

var wholeBooks = []string{
	"/phonebook/yealink.xml",
	"/phonebook/grandstream/phonebook.xml",
	"/phonebook/snom.xml",
	"/phonebook/fanvil.xml",
}

func TestWholeBooksNeedReader(t *testing.T) {
	h, _, _ := newTest(t, book())
	for _, path := range wholeBooks {
		for _, tc := range []struct {
			name string
			rq   request
			want int
		}{
			{"anonymous", request{peer: anonPeer}, http.StatusUnauthorized},
			{"wrong password", request{peer: anonPeer, user: readerDN, pass: "guess"}, http.StatusUnauthorized},
			{"unknown account", request{peer: anonPeer, user: "cn=nobody,dc=company,dc=ru", pass: "x"}, http.StatusUnauthorized},
			{"not a DN", request{peer: anonPeer, user: "phones", pass: readerPass}, http.StatusUnauthorized},
			{"empty credentials", request{peer: phonePeer, user: "", pass: "", header: map[string]string{"Authorization": "Basic Og=="}}, http.StatusOK},
			{"reader account", request{peer: anonPeer, user: readerDN, pass: readerPass}, http.StatusOK},
			{"reader network", request{peer: phonePeer}, http.StatusOK},
			{"mta network", request{peer: mtaPeer}, http.StatusOK},
			{"outside allow", request{peer: "192.0.2.1:1"}, http.StatusForbidden},
		} {
			if tc.rq.user != "" && tc.want == http.StatusUnauthorized && path != wholeBooks[0] {
				continue // a failed bind is delayed, more with each failure: once is enough
			}
			tc.rq.path = path
			w := do(t, h, tc.rq)
			if w.Code != tc.want {
				t.Errorf("%s %s: status %d, want %d", path, tc.name, w.Code, tc.want)
			}
			if w.Code == http.StatusUnauthorized && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s %s: 401 without a Basic challenge", path, tc.name)
			}
			if tc.name == "mta network" && strings.Contains(w.Body.String(), "Тайнов") {
				t.Errorf("%s: the mta role got hidden entries into a phone book", path)
			}
		}
	}
}

func TestETagAndNotModified(t *testing.T) {
	h, d, src := newTest(t, book())
	for _, path := range append(wholeBooks, "/phonebook/yealink/search?q=Иван", "/phonebook/gigaset?command=get_list&type=pb&ln=Иван") {
		w := get(t, h, path, phonePeer)
		tag := w.Header().Get("ETag")
		if w.Code != http.StatusOK || !strings.HasPrefix(tag, `"`) {
			t.Fatalf("%s: %d ETag %q", path, w.Code, tag)
		}
		for _, inm := range []string{tag, `"x", ` + tag, "W/" + tag, "*"} {
			w2 := do(t, h, request{path: path, peer: phonePeer, header: map[string]string{"If-None-Match": inm}})
			if w2.Code != http.StatusNotModified || w2.Body.Len() != 0 || w2.Header().Get("ETag") != tag {
				t.Errorf("%s If-None-Match %s: %d, %d bytes", path, inm, w2.Code, w2.Body.Len())
			}
		}
		if w2 := do(t, h, request{path: path, peer: phonePeer, header: map[string]string{"If-None-Match": `"other"`}}); w2.Code != http.StatusOK {
			t.Errorf("%s stale tag: %d", path, w2.Code)
		}
		if w2 := get(t, h, path, phonePeer); w2.Header().Get("ETag") != tag || w2.Body.String() != w.Body.String() {
			t.Errorf("%s: a second answer differs", path)
		}
		if w2 := do(t, h, request{path: path, peer: phonePeer, method: http.MethodHead}); w2.Code != http.StatusOK || w2.Body.Len() != 0 || w2.Header().Get("ETag") != tag {
			t.Errorf("%s HEAD: %d, %d bytes, ETag %q", path, w2.Code, w2.Body.Len(), w2.Header().Get("ETag"))
		}
	}
	// A change to the book changes the tag.
	w := get(t, h, "/phonebook/yealink.xml", phonePeer)
	src.Put(fixture.Record("tyumen", "new@company.ru", "name", "Новиков Николай", "gor", "88-00-01"))
	if err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	w2 := do(t, h, request{path: "/phonebook/yealink.xml", peer: phonePeer, header: map[string]string{"If-None-Match": w.Header().Get("ETag")}})
	if w2.Code != http.StatusOK || !strings.Contains(w2.Body.String(), "Новиков Николай") {
		t.Errorf("after a change: %d, new entry listed %v", w2.Code, strings.Contains(w2.Body.String(), "Новиков"))
	}
}

func TestBounds(t *testing.T) {
	h, _, _ := newTest(t, book())
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/search?q=" + strings.Repeat("я", 65), http.StatusBadRequest},
		{"/search?format=json&q=" + url.QueryEscape("a b c d e"), http.StatusBadRequest},
		{"/phonebook/yealink/search?q=" + strings.Repeat("я", 65), http.StatusBadRequest},
		{"/phonebook/yealink/search?q=", http.StatusOK}, // an empty list
		{"/phonebook/cisco?q=+", http.StatusOK},
		{"/phonebook/yealink/search?q=x&pad=" + strings.Repeat("x", 1100), http.StatusRequestURITooLong},
		{"/phonebook/cisco?q=Иван&page=0", http.StatusBadRequest},
		{"/phonebook/cisco?q=Иван&page=x", http.StatusBadRequest},
		{"/phonebook/gigaset?command=get_list&type=pb&ln=" + strings.Repeat("я", 65), http.StatusBadRequest},
		{"/nothing", http.StatusNotFound},
		{"/phonebook/", http.StatusNotFound},
	} {
		if w := get(t, h, tc.path, anonPeer); w.Code != tc.want {
			t.Errorf("%.60s: status %d, want %d", tc.path, w.Code, tc.want)
		}
	}
	if w := do(t, h, request{path: "/", method: http.MethodDelete}); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d", w.Code)
	}
	// Gigaset's count is capped, whatever the phone asks.
	recs := append(book(), fixture.Many("tyumen", 150)...)
	h2, _, _ := newTest(t, recs)
	var l docGigasetList
	parseXML(t, get(t, h2, "/phonebook/gigaset?command=get_list&type=pb&ln=Польз&count=100000", phonePeer), &l)
	if len(l.Entry) != maxGigasetCount || l.Total != 150 {
		t.Errorf("count=100000: %d entries of %d, want %d of 150", len(l.Entry), l.Total, maxGigasetCount)
	}
	// A reader's search is bounded too.
	recs = append(book(), fixture.Many("tyumen", maxSearchEntries+50)...)
	h3, _, _ := newTest(t, recs)
	var a jsonAnswer
	decodeJSON(t, get(t, h3, "/search?format=json&q=Польз", phonePeer), &a)
	if len(a.Results) != maxSearchEntries || !a.Truncated {
		t.Errorf("reader search: %d results truncated=%v, want %d", len(a.Results), a.Truncated, maxSearchEntries)
	}
}

func TestWholeBookCap(t *testing.T) {
	h, _, _ := newTest(t, append(book(), fixture.Many("tyumen", 120)...))
	h.opts.MaxBookEntries = 100
	w := get(t, h, "/phonebook/fanvil.xml", phonePeer)
	if n := strings.Count(w.Body.String(), "<DirectoryEntry>"); n != 100 {
		t.Errorf("%d entries, want the cap of 100", n)
	}
}

func decodeJSON(t testing.TB, w interface {
	Result() *http.Response
}, v any) int {
	t.Helper()
	res := w.Result()
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode
}

func TestRateLimit(t *testing.T) {
	h, _, _ := newTest(t, book(), func(o *directory.Options) { o.RateLimit = 60 })
	got := map[int]int{}
	for range 30 {
		got[get(t, h, "/search?format=json&q=Иван", anonPeer).Code]++
	}
	// The bucket holds 10: the rest are refused, as over LDAP.
	if got[http.StatusOK] < 10 || got[http.StatusOK] > 12 || got[http.StatusTooManyRequests] < 18 {
		t.Errorf("statuses %v, want about 10 OK and the rest 429", got)
	}
	// Other roles are not rate limited; phones keep working.
	if w := get(t, h, "/phonebook/yealink/search?q=Иван", phonePeer); w.Code != http.StatusOK {
		t.Errorf("reader rate limited: %d", w.Code)
	}
	// The page says so in the reader's language.
	w := do(t, h, request{path: "/search?q=Иван", header: map[string]string{"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}})
	if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "Слишком много запросов") {
		t.Errorf("page when limited: %d %s", w.Code, w.Body)
	}
}

// TestHarvestNoMoreThanLDAP walks name pieces anonymously through the
// page's JSON and, over a real LDAP connection to the same directory,
// with the filter Thunderbird sends: HTTP never gets an entry LDAP does
// not, and never more than size_limit per search.
func TestHarvestNoMoreThanLDAP(t *testing.T) {
	recs := append(book(), fixture.Many("tyumen", 300)...)
	h, d, _ := newTest(t, recs, func(o *directory.Options) { o.SizeLimit = 20 })
	conn := dialLDAP(t, d)
	viaHTTP, viaLDAP := map[string]bool{}, map[string]bool{}
	queries := []string{"*", "**", "%", ".", "@", "a", "ab", "Ив", "ов", "Пользователь", "Польз", "company", "@company.ru", "+7", "345", "88"}
	for i := range 10 {
		queries = append(queries, "Пользователь00"+string(rune('0'+i)))
	}
	for _, q := range queries {
		var a jsonAnswer
		w := get(t, h, "/search?format=json&q="+url.QueryEscape(q), anonPeer)
		if w.Code != http.StatusOK {
			continue
		}
		decodeJSON(t, w, &a)
		if len(a.Results) > 20 {
			t.Errorf("q=%q: %d results past size_limit 20", q, len(a.Results))
		}
		for _, p := range a.Results {
			viaHTTP[p.Mail] = true
		}
		e := ldap.EscapeFilter(q)
		filter := "(|(cn=*" + e + "*)(mail=" + e + "*)(sn=" + e + "*)(givenName=" + e + "*)(telephoneNumber=*" + e + "*))"
		res, err := conn.Search(ldap.NewSearchRequest(fixture.Suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, []string{"mail"}, nil))
		if err != nil && !ldap.IsErrorAnyOf(err, ldap.LDAPResultSizeLimitExceeded, ldap.LDAPResultUnwillingToPerform) {
			t.Fatalf("LDAP %s: %v", filter, err)
		}
		if res != nil {
			for _, e := range res.Entries {
				viaLDAP[e.GetAttributeValue("mail")] = true
			}
		}
	}
	for m := range viaHTTP {
		if !viaLDAP[m] {
			t.Errorf("%s harvested over HTTP but not over LDAP", m)
		}
	}
	t.Logf("harvest of %d queries: %d distinct entries over HTTP, %d over LDAP, of %d", len(queries), len(viaHTTP), len(viaLDAP), len(recs))
	if len(viaHTTP) == 0 || len(viaHTTP) > 20*len(queries) {
		t.Errorf("harvested %d", len(viaHTTP))
	}
}

// dialLDAP serves d over LDAP on 127.0.0.1 and returns an anonymous connection.
func dialLDAP(t *testing.T, d *directory.Directory) *ldap.Conn {
	t.Helper()
	srv, err := ldapserver.New(ldapserver.Options{Backend: d, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen("ldap://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	conn, err := ldap.DialURL("ldap://"+l.Addr().String(), ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// spent is a directory whose book searches are past the disclosure
// budget, as the core answers them then (adminLimitExceeded, 11).
type spent struct{ *directory.Directory }

func (s spent) Search(ctx context.Context, ss *directory.Session, req *directory.SearchRequest, out directory.Emitter) directory.SearchResult {
	if ss.Role.Limited() {
		return directory.SearchResult{Result: directory.Result{Code: directory.AdminLimitExceeded, Message: "disclosure budget exhausted"}}
	}
	return s.Directory.Search(ctx, ss, req, out)
}

// TestBudgetExhausted: when the core refuses a book client for its
// disclosure budget, every HTTP search says so with 429, and gives nothing.
func TestBudgetExhausted(t *testing.T) {
	_, d, _ := newTest(t, book())
	h, err := New(Options{Directory: spent{d}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/search?q=Иван", "/search?format=json&q=Иван", "/phonebook/yealink/search?q=Иван",
		"/phonebook/cisco?q=Иван", "/phonebook/gigaset?command=get_list&type=pb&ln=Иван"} {
		w := do(t, h, request{path: path, header: map[string]string{"Accept-Language": "ru"}})
		if w.Code != http.StatusTooManyRequests || strings.Contains(w.Body.String(), "Иванов") {
			t.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
	}
	if w := do(t, h, request{path: "/search?q=Иван", header: map[string]string{"Accept-Language": "ru"}}); !strings.Contains(w.Body.String(), "Ваша сеть на сегодня") {
		t.Errorf("page does not name the budget: %s", w.Body)
	}
	if w := get(t, h, "/phonebook/yealink/search?q=Иван", phonePeer); w.Code != http.StatusOK {
		t.Errorf("reader: %d", w.Code)
	}
}

// TestBudgetSharedWithLDAP: one directory serves LDAP and HTTP, as serve
// wires them, so a client network has one disclosure budget across both.
// Part of it spent over LDAP from 127.0.0.1 and the rest over HTTP from
// the same address (and the reverse): together they disclose no more than
// harvest_budget distinct entries, entries already disclosed stay free on
// either side, and once it is spent HTTP answers 429 and LDAP
// adminLimitExceeded (11).
func TestBudgetSharedWithLDAP(t *testing.T) {
	const budget = 30 // three of the groups below, 10 entries each
	groups := []string{"Альфин", "Бетин", "Гаммин", "Дельтин", "Эпсилонов"}
	q := func(i int) string { return groups[i] }
	var recs []store.Record
	for i, g := range groups {
		for j := range 10 {
			recs = append(recs, fixture.Record("tyumen", fmt.Sprintf("g%d-%d@company.ru", i, j), "name", g+" Тест"))
		}
	}
	for _, tc := range []struct {
		name      string
		ldapRuns  []int // queries spent over LDAP first
		httpRuns  []int // then over HTTP
		ldapFirst bool
	}{
		{"ldap then http", []int{0, 1}, []int{2}, true},
		{"http then ldap", []int{1}, []int{0, 2}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, d, _ := newTest(t, append(book(), recs...),
				func(o *directory.Options) { o.HarvestBudget = budget })
			conn := dialLDAP(t, d)
			seen := map[string]bool{}
			viaLDAP := func(i int) error {
				t.Helper()
				e := ldap.EscapeFilter(q(i))
				filter := "(|(cn=*" + e + "*)(mail=" + e + "*)(sn=" + e + "*)(givenName=" + e + "*)(telephoneNumber=*" + e + "*))"
				res, err := conn.Search(ldap.NewSearchRequest(fixture.Suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, []string{"mail"}, nil))
				if res != nil {
					for _, e := range res.Entries {
						seen[e.GetAttributeValue("mail")] = true
					}
				}
				return err
			}
			viaHTTP := func(i int) int {
				t.Helper()
				w := get(t, h, "/search?format=json&q="+url.QueryEscape(q(i)), anonPeer)
				if w.Code == http.StatusOK {
					var a jsonAnswer
					decodeJSON(t, w, &a)
					for _, p := range a.Results {
						seen[p.Mail] = true
					}
				}
				return w.Code
			}
			spendLDAP := func() {
				for _, i := range tc.ldapRuns {
					if err := viaLDAP(i); err != nil {
						t.Fatalf("LDAP %s within the budget: %v", q(i), err)
					}
				}
			}
			spendHTTP := func() {
				for _, i := range tc.httpRuns {
					if code := viaHTTP(i); code != http.StatusOK {
						t.Fatalf("HTTP %s within the budget: %d", q(i), code)
					}
				}
			}
			if tc.ldapFirst {
				spendLDAP()
				spendHTTP()
			} else {
				spendHTTP()
				spendLDAP()
			}
			if len(seen) != budget {
				t.Fatalf("%d distinct entries disclosed within the budget, want %d", len(seen), budget)
			}
			// Spent: a new entry is refused on both sides.
			if code := viaHTTP(3); code != http.StatusTooManyRequests {
				t.Errorf("HTTP past the budget: %d, want 429", code)
			}
			if err := viaLDAP(4); !ldap.IsErrorWithCode(err, ldap.LDAPResultAdminLimitExceeded) {
				t.Errorf("LDAP past the budget: %v, want adminLimitExceeded (11)", err)
			}
			if len(seen) > budget {
				t.Errorf("%d distinct entries disclosed across LDAP and HTTP, budget %d", len(seen), budget)
			}
			// What either side disclosed is free to the other.
			if code := viaHTTP(tc.ldapRuns[0]); code != http.StatusOK {
				t.Errorf("HTTP of entries LDAP disclosed: %d", code)
			}
			if err := viaLDAP(tc.httpRuns[0]); err != nil {
				t.Errorf("LDAP of entries HTTP disclosed: %v", err)
			}
			if len(seen) != budget {
				t.Errorf("%d distinct entries in the end, want %d", len(seen), budget)
			}
		})
	}
}
