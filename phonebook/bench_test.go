package phonebook

import (
	"net/url"
	"testing"

	"userdir/internal/fixture"
)

// benchBook is a directory of 10000 people, the most a whole book lists.
func benchBook(b *testing.B) *Handler {
	h, _, _ := newTest(b, fixture.Many("tyumen", 10000))
	return h
}

// BenchmarkWholeBookRender renders the Yealink book of 10000 people from
// the directory each time (a change between every two polls).
func BenchmarkWholeBookRender(b *testing.B) {
	h := benchBook(b)
	b.ReportAllocs()
	for b.Loop() {
		h.books.m = nil
		if w := get(b, h, "/phonebook/yealink.xml", phonePeer); w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkWholeBookPoll is a phone polling an unchanged book with its ETag: 304.
func BenchmarkWholeBookPoll(b *testing.B) {
	h := benchBook(b)
	tag := get(b, h, "/phonebook/yealink.xml", phonePeer).Header().Get("ETag")
	rq := request{path: "/phonebook/yealink.xml", peer: phonePeer, header: map[string]string{"If-None-Match": tag}}
	b.ReportAllocs()
	for b.Loop() {
		if w := do(b, h, rq); w.Code != 304 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkSearchJSON is an anonymous search of the page's JSON form.
func BenchmarkSearchJSON(b *testing.B) {
	h := benchBook(b)
	path := "/search?format=json&q=" + url.QueryEscape("Пользователь0042")
	b.ReportAllocs()
	for b.Loop() {
		if w := get(b, h, path, anonPeer); w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkSearchPage is the same search rendered as the HTML page.
func BenchmarkSearchPage(b *testing.B) {
	h := benchBook(b)
	path := "/search?q=" + url.QueryEscape("Пользователь0042")
	b.ReportAllocs()
	for b.Loop() {
		if w := get(b, h, path, anonPeer); w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
