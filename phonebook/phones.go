package phonebook

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"userdir/directory"
	"userdir/schema"
)

// maxSearchEntries bounds what one search returns to a role without the
// anonymous limits (the book role has its size_limit).
const maxSearchEntries = 320

// renderer turns a list of people into a vendor's document.
type renderer func(title string, people []Person) any

// book serves a whole-book file. It needs a role without the anonymous
// limits: a book client is asked for credentials.
func (h *Handler) book(render renderer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.session(w, r)
		if !ok {
			return
		}
		if s.Role.Limited() {
			h.challenge(w, "the whole book needs the reader role: an account or a network")
			return
		}
		snap := h.opts.Directory.Snapshot()
		key := r.URL.Path + "\x00" + string(forPhones(s).Role) // what the role sees is what is cached
		if b, ok := h.books.get(key, snap); ok {
			writeBody(w, r, "text/xml; charset=utf-8", b.body, b.etag)
			return
		}
		select {
		case h.slots <- struct{}{}:
			defer func() { <-h.slots }()
		case <-r.Context().Done():
			return
		}
		res := h.search(r.Context(), s, wholeBook, h.opts.MaxBookEntries)
		if res.code != directory.Success {
			http.Error(w, "directory unavailable", status(res.code))
			return
		}
		if res.truncated {
			h.log.Warn("whole book cut to MaxBookEntries", "path", r.URL.Path, "entries", len(res.people))
		}
		body, err := marshalXML(render(h.phoneTitle(), withPhones(res.people)))
		if err != nil {
			h.log.Error("render phone book", "path", r.URL.Path, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		b := cachedBook{snap: snap, body: body, etag: etagOf(body)}
		h.books.put(key, b)
		writeBody(w, r, "text/xml; charset=utf-8", b.body, b.etag)
	}
}

// find serves a search by ?q= under the book rules.
func (h *Handler) find(render renderer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, ok := h.query(w, r, r.URL.Query().Get("q"))
		if ok {
			h.writeXML(w, r, render(h.phoneTitle(), withPhones(res.people)))
		}
	}
}

// query runs a text search for the client of r; ok is false when an
// error status has been written. An empty query finds nobody.
func (h *Handler) query(w http.ResponseWriter, r *http.Request, q string) (result, bool) {
	f, err := textFilter(q)
	if errors.Is(err, errQueryEmpty) {
		return result{}, true // a phone that searches for nothing gets an empty list, not an error
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return result{}, false
	}
	return h.run(w, r, f)
}

// run searches f for the client of r.
func (h *Handler) run(w http.ResponseWriter, r *http.Request, f schema.Filter) (result, bool) {
	s, ok := h.session(w, r)
	if !ok {
		return result{}, false
	}
	res := h.search(r.Context(), s, f, maxSearchEntries)
	if res.code != directory.Success {
		msg := res.message
		if msg == "" {
			msg = "search failed"
		}
		http.Error(w, msg, status(res.code))
		return result{}, false
	}
	return res, true
}

// cisco serves CiscoIPPhoneInput without q and the CiscoIPPhoneDirectory
// pages of a search with it: 32 entries a page, a Next soft key to the next.
func (h *Handler) cisco(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	self := absURL(r)
	if !v.Has("q") {
		h.writeXML(w, r, ciscoIPPhoneInput{
			Title: cut(h.phoneTitle(), widthCisco), Prompt: "Name or number", URL: self,
			InputItem: ciscoInputItem{DisplayName: "Name", QueryStringParam: "q", InputFlags: "A"},
		})
		return
	}
	res, ok := h.query(w, r, v.Get("q"))
	if !ok {
		return
	}
	entries := ciscoEntries(res.people)
	pages := max(1, (len(entries)+ciscoPageSize-1)/ciscoPageSize)
	page, err := strconv.Atoi(v.Get("page"))
	if v.Get("page") == "" {
		page, err = 1, nil
	}
	if err != nil || page < 1 || page > pages {
		http.Error(w, "no such page", http.StatusBadRequest)
		return
	}
	lo, hi := (page-1)*ciscoPageSize, min(page*ciscoPageSize, len(entries))
	d := ciscoIPPhoneDirectory{
		Title:   cut(h.phoneTitle(), widthCisco),
		Prompt:  cut(strconv.Itoa(page)+"/"+strconv.Itoa(pages), widthCisco),
		Entries: entries[lo:hi],
		SoftKeys: []ciscoSoftKey{
			{Name: "Dial", URL: "SoftKey:Dial", Position: 1},
			{Name: "EditDial", URL: "SoftKey:EditDial", Position: 2},
			{Name: "Exit", URL: "SoftKey:Exit", Position: 3},
		},
	}
	if page < pages {
		next := url.Values{"q": {v.Get("q")}, "page": {strconv.Itoa(page + 1)}}
		d.SoftKeys = append(d.SoftKeys, ciscoSoftKey{Name: "Next", URL: self + "?" + next.Encode(), Position: 4})
	}
	h.writeXML(w, r, d)
}

// absURL is the absolute URL of r's path: Cisco phones follow only absolute URLs.
func absURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

// Gigaset's get_list bounds.
const maxGigasetCount = 100

var errGigaset = errors.New("want command=get_list&type=pb with ln, fn or hm")

// gigaset answers Gigaset's phone book search: get_list by last and first
// name prefixes (ln, fn), or a reverse lookup by number (hm), with
// first/count paging.
func (h *Handler) gigaset(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	f, err := gigasetFilter(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	first, count := 1, 20
	if s := v.Get("first"); s != "" {
		if first, err = strconv.Atoi(s); err != nil || first < 1 {
			http.Error(w, "bad first", http.StatusBadRequest)
			return
		}
	}
	if s := v.Get("count"); s != "" {
		if count, err = strconv.Atoi(s); err != nil || count < 1 {
			http.Error(w, "bad count", http.StatusBadRequest)
			return
		}
	}
	count = min(count, maxGigasetCount)
	res, ok := h.run(w, r, f)
	if ok {
		h.writeXML(w, r, gigasetPage(withPhones(res.people), first, count))
	}
}

// gigasetFilter builds the filter of a get_list request. The phone writes
// "*" as a wildcard; a name is matched as a prefix, and the last name also
// as the start of the mail address.
func gigasetFilter(v url.Values) (schema.Filter, error) {
	if v.Get("command") != "get_list" || v.Get("type") != "pb" {
		return nil, errGigaset
	}
	clean := func(k string) (string, error) {
		s := strings.TrimSpace(strings.ReplaceAll(v.Get(k), "*", ""))
		if len([]rune(s)) > maxQueryRunes {
			return "", errQueryTooLong
		}
		return s, nil
	}
	var and schema.And
	for _, k := range []string{"hm", "ln", "fn"} {
		s, err := clean(k)
		if err != nil {
			return nil, err
		}
		switch {
		case s == "":
		case k == "hm":
			if !isPhone(s) {
				return nil, errGigaset
			}
			and = append(and, phoneFilter(s, true))
		case k == "ln": // or the mail address, for handsets that type Latin letters only
			and = append(and, schema.Or{schema.Substrings{Attr: "sn", Initial: s}, schema.Substrings{Attr: "mail", Initial: s}})
		case k == "fn":
			and = append(and, schema.Substrings{Attr: "givenName", Initial: s})
		}
	}
	switch len(and) {
	case 0:
		return nil, errGigaset
	case 1:
		return and[0], nil
	}
	return and, nil
}

// phoneTitle is the title on phone screens.
func (h *Handler) phoneTitle() string {
	if h.opts.Title == "" {
		return "Directory"
	}
	return h.opts.Title
}
