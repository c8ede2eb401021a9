package phonebook

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"userdir/internal/fixture"
)

func TestSearchPage(t *testing.T) {
	h, _, _ := newTest(t, book())
	for _, tc := range []struct {
		name, path, lang string
		want, not        []string
		code             int
	}{
		{"nothing before a search", "/", "ru", []string{`lang="ru"`, "Справочник", "Найти"}, []string{"<li", "Иванов"}, 200},
		{"english", "/", "en-GB,en;q=0.8", []string{`lang="en"`, "Directory", ">Search<"}, []string{"<li"}, 200},
		{"unknown language is english", "/", "de", []string{`lang="en"`}, nil, 200},
		{"results", "/search?q=" + url.QueryEscape("Ёлкин"), "ru", []string{"Ёлкин Алексей", `href="tel:&#43;73456223344"`, "Тобольск", `href="mailto:yolkin@company.ru"`}, nil, 200},
		{"escaped", "/search?q=" + url.QueryEscape("O'Brien"), "en", []string{"O&#39;Brien &amp; &lt;Co&gt; &#34;Ltd&#34;"}, []string{"<Co>"}, 200},
		{"query kept in the box, escaped", "/search?q=" + url.QueryEscape(`"><b>x`), "en", []string{`value="&#34;&gt;&lt;b&gt;x"`}, []string{"<b>x"}, 200},
		{"nothing found", "/search?q=" + url.QueryEscape("Несуществующий"), "ru", []string{"Никого не нашлось"}, []string{"<li"}, 200},
		{"hidden not found", "/search?q=" + url.QueryEscape("Скрытов"), "ru", []string{"Никого не нашлось"}, []string{"Скрытов Семён"}, 200},
		{"too long", "/search?q=" + strings.Repeat("я", 65), "ru", []string{"Слишком длинный"}, nil, 400},
	} {
		w := do(t, h, request{path: tc.path, header: map[string]string{"Accept-Language": tc.lang}})
		body := w.Body.String()
		if w.Code != tc.code {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.code)
		}
		for _, s := range tc.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: no %q in\n%s", tc.name, s, body)
			}
		}
		for _, s := range tc.not {
			if strings.Contains(body, s) {
				t.Errorf("%s: %q in the page", tc.name, s)
			}
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", tc.name, csp)
		}
	}
}

func TestSearchJSON(t *testing.T) {
	h, _, _ := newTest(t, book())
	var a jsonAnswer
	if code := decodeJSON(t, get(t, h, "/search?format=json&q="+url.QueryEscape("иванов"), anonPeer), &a); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if len(a.Results) != 2 || a.Truncated || a.Query != "иванов" {
		t.Fatalf("answer %+v", a)
	}
	p := a.Results[0]
	want := Person{Name: "Иванов Иван Иванович", Surname: "Иванов", GivenName: "Иван", Title: "Инженер", Department: "Отдел ИТ",
		Division: "Тюмень", Work: "+7 (3452) 88-02-93", Extension: "8293", Mobile: "+7 912 345-67-89", Mail: "ivanov@company.ru",
		Phones: []string{"8293", "+7 (3452) 88-02-93", "+7 912 345-67-89"}}
	if p.Name != want.Name || p.Title != want.Title || p.Department != want.Department || p.Division != want.Division ||
		strings.Join(p.Phones, ",") != strings.Join(want.Phones, ",") || p.Mail != want.Mail {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
	// "/" with format=json and no query lists nothing.
	var empty jsonAnswer
	decodeJSON(t, get(t, h, "/?format=json", anonPeer), &empty)
	if len(empty.Results) != 0 {
		t.Errorf("results before a search: %+v", empty)
	}
}

// TestBookLimits: an anonymous search gets size_limit entries and is told
// there are more; a one-letter search gets nothing, as over LDAP.
func TestBookLimits(t *testing.T) {
	h, _, _ := newTest(t, append(book(), fixture.Many("tyumen", 100)...))
	var a jsonAnswer
	decodeJSON(t, get(t, h, "/search?format=json&q="+url.QueryEscape("Пользователь"), anonPeer), &a)
	if len(a.Results) != 50 || !a.Truncated {
		t.Errorf("anonymous: %d results, truncated %v; want size_limit 50, truncated", len(a.Results), a.Truncated)
	}
	var r jsonAnswer
	decodeJSON(t, get(t, h, "/search?format=json&q="+url.QueryEscape("Пользователь"), phonePeer), &r)
	if len(r.Results) != 100 || r.Truncated {
		t.Errorf("reader: %d results, truncated %v; want all 100", len(r.Results), r.Truncated)
	}
	w := do(t, h, request{path: "/search?q=" + url.QueryEscape("Пользователь"), header: map[string]string{"Accept-Language": "ru"}})
	if !strings.Contains(w.Body.String(), `id="truncated"`) || strings.Count(w.Body.String(), `<li class="person">`) != 50 {
		t.Errorf("page: %d entries, truncation note %v", strings.Count(w.Body.String(), `<li class="person">`), strings.Contains(w.Body.String(), `id="truncated"`))
	}
	var one jsonAnswer
	decodeJSON(t, get(t, h, "/search?format=json&q=П", anonPeer), &one)
	if len(one.Results) != 0 {
		t.Errorf("one letter: %d results", len(one.Results))
	}
}
