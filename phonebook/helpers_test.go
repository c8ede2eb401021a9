package phonebook

import (
	"context"
	"encoding/xml"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"userdir/directory"
	"userdir/internal/fixture"
	"userdir/ldapserver/wire"
	"userdir/schema"
	"userdir/store"
)

// Client addresses of the tests: an anonymous one (book), a phone network
// (reader) and the MTA (mta).
const (
	anonPeer  = "127.0.0.1:40000"
	phonePeer = "10.1.0.7:5060"
	mtaPeer   = "10.0.0.25:2525"
)

// The reader account's credentials.
const (
	readerDN   = "cn=phones,dc=company,dc=ru"
	readerPass = "phonepass"
)

// tricky is a name with every character XML and HTML must escape.
const tricky = `O'Brien & <Co> "Ltd"`

// book is the fixture book plus an entry with a tricky name and a hidden one with a number.
func book() []store.Record {
	return append(fixture.Book(),
		fixture.Record("tobolsk", "obrien@company.ru", "name", tricky, "gor", "+7 (3456) 22-00-11", "sot", "+7 900 000-00-01"),
		fixture.Record("tyumen", "secret@company.ru", "name", "Тайнов Тимур", "gor", "88-99-99", "vis", "0"))
}

// newTest returns a handler over a directory of recs.
func newTest(t testing.TB, recs []store.Record, mut ...func(*directory.Options)) (*Handler, *directory.Directory, *fixture.Source) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(readerPass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	src := fixture.NewSource(recs...)
	o := directory.Options{
		Logger:   slog.New(slog.DiscardHandler),
		Source:   src,
		Encoder:  wire.EntryEncoder{},
		Mapper:   fixture.Mapper(),
		Accounts: []directory.Account{{DN: readerDN, PasswordHash: string(hash), Role: schema.RoleReader}},
		Networks: []directory.Network{
			{Prefix: netip.MustParsePrefix("10.1.0.0/16"), Role: schema.RoleReader},
			{Prefix: netip.MustParsePrefix("10.0.0.25/32"), Role: schema.RoleMTA},
		},
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")},
	}
	for _, m := range mut {
		m(&o)
	}
	d, err := directory.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{Directory: d, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return h, d, src
}

// request is one test request.
type request struct {
	path   string
	peer   string
	user   string
	pass   string
	header map[string]string
	method string
}

func do(t testing.TB, h http.Handler, rq request) *httptest.ResponseRecorder {
	t.Helper()
	m := rq.method
	if m == "" {
		m = http.MethodGet
	}
	r := httptest.NewRequest(m, "http://dir.company.ru"+rq.path, nil)
	r.RemoteAddr = rq.peer
	if r.RemoteAddr == "" {
		r.RemoteAddr = anonPeer
	}
	if rq.user != "" {
		r.SetBasicAuth(rq.user, rq.pass)
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// get is do for a GET from peer.
func get(t testing.TB, h http.Handler, path, peer string) *httptest.ResponseRecorder {
	t.Helper()
	return do(t, h, request{path: path, peer: peer})
}

// parseXML checks the declaration and the content type and decodes the body into v.
func parseXML(t testing.TB, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	body := w.Body.String()
	if !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration: %.80s", body)
	}
	if w.Header().Get("ETag") == "" {
		t.Error("no ETag")
	}
	if err := xml.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
}

func netipOf(hostport string) netip.Addr {
	return netip.MustParseAddrPort(hostport).Addr()
}
