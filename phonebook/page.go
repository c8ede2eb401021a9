package phonebook

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"userdir/directory"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"tel": telURL}).Parse(pageHTML))

// telURL is the tel: URI of a phone number (RFC 3966): its digits and a
// leading +. html/template does not pass tel: through on its own; this is
// safe because nothing but digits and + is kept.
func telURL(number string) template.URL {
	var b strings.Builder
	for i, r := range strings.TrimSpace(number) {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	return template.URL("tel:" + b.String())
}

// texts are the page's words in one language.
type texts struct {
	Title, Placeholder, Search, Hint, Nothing, Truncated string
	TooLong, TooMany, Budget, Failed                     string
}

var (
	english = texts{
		Title: "Directory", Placeholder: "Name, e-mail or phone", Search: "Search",
		Hint:      "Type a name, part of an e-mail address or a phone number.",
		Nothing:   "Nothing found. Type at least two letters of a name, or more of it.",
		Truncated: "There are more: only the first ones are shown. Type more of the name.",
		TooLong:   "The search is too long.",
		TooMany:   "Too many searches from your address; try again in a minute.",
		Budget:    "Your network has seen as much of the directory as it may today.",
		Failed:    "The search failed.",
	}
	russian = texts{
		Title: "Справочник", Placeholder: "Имя, почта или телефон", Search: "Найти",
		Hint:      "Введите фамилию или имя, начало адреса почты или номер телефона.",
		Nothing:   "Никого не нашлось. Введите хотя бы две буквы имени или больше.",
		Truncated: "Найдено больше: показаны первые. Уточните запрос.",
		TooLong:   "Слишком длинный запрос.",
		TooMany:   "Слишком много запросов с вашего адреса; попробуйте через минуту.",
		Budget:    "Ваша сеть на сегодня уже получила из справочника столько, сколько можно.",
		Failed:    "Поиск не удался.",
	}
	langs   = language.NewMatcher([]language.Tag{language.English, language.Russian})
	byIndex = []struct {
		tag string
		t   texts
	}{{"en", english}, {"ru", russian}}
)

// textsFor picks Russian or English by Accept-Language.
func textsFor(r *http.Request) (string, texts) {
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, _ := langs.Match(tags...)
	return byIndex[i].tag, byIndex[i].t
}

// pageData is what the page template shows.
type pageData struct {
	Lang, Title, Query string
	T                  texts
	Searched           bool
	People             []Person
	Truncated          bool
	Error              string
}

// jsonAnswer is the ?format=json answer.
type jsonAnswer struct {
	Query     string   `json:"query"`
	Results   []Person `json:"results"`
	Truncated bool     `json:"truncated"`
	Error     string   `json:"error,omitempty"`
}

// page serves the search page ("/") and its results ("/search?q=").
// Nothing is listed before a search.
func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	lang, t := textsFor(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := pageData{Lang: lang, Title: t.Title, Query: q, T: t}
	if h.opts.Title != "" {
		d.Title = h.opts.Title
	}
	code := http.StatusOK
	if q != "" {
		d.Searched = true
		code, d.Error = h.pageSearch(w, r, q, t, &d)
		if code == 0 {
			return // 401 written
		}
	}
	if r.URL.Query().Get("format") == "json" {
		h.writeJSON(w, r, code, jsonAnswer{Query: q, Results: nonNil(d.People), Truncated: d.Truncated, Error: d.Error})
		return
	}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, d); err != nil {
		h.log.Error("render search page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}

// pageSearch runs the search of the page; code 0 means a 401 was written.
func (h *Handler) pageSearch(w http.ResponseWriter, r *http.Request, q string, t texts, d *pageData) (code int, msg string) {
	f, err := textFilter(q)
	if err != nil { // too long, too many words
		return http.StatusBadRequest, t.TooLong
	}
	s, ok := h.session(w, r)
	if !ok {
		return 0, ""
	}
	res := h.search(r.Context(), s, f, maxSearchEntries)
	switch c := status(res.code); {
	case res.code == directory.Success:
	case res.code == directory.AdminLimitExceeded:
		return c, t.Budget
	case c == http.StatusTooManyRequests:
		return c, t.TooMany
	default:
		return c, t.Failed
	}
	d.People, d.Truncated = res.people, res.truncated
	return http.StatusOK, ""
}

func nonNil(p []Person) []Person {
	if p == nil {
		return []Person{}
	}
	return p
}

// pageHeaders keep the page from being framed, cached, indexed or running
// anything: it has no script at all.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Authorization, Accept-Language")
}

func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(append(b, '\n'))
	}
}
