package directory

import (
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"sync"

	"userdir/schema"
)

// maxMaterialized bounds the matches a sorted, paged or VLV search
// collects: far more than any address book holds.
const maxMaterialized = 1 << 22

// maxBookSorted bounds the matches a book search sorts (see materialized).
const maxBookSorted = 5000

// sortTooBroadMessage is the diagnostic of a book search with too many
// matches to sort.
const sortTooBroadMessage = "more than 5000 entries match: too many to sort; narrow the search"

// materialized answers searches with Sort, VLV or Paging controls: the
// matches are collected, sorted, cut to the size limit, and then windowed
// (VLV) or paged (a cursor keeps the rest for the next page).
//
// A book search never sends more than its size limit, so without Sort it
// collects one match past the limit, and with Sort at most maxBookSorted:
// sorting every match of a broad filter for an anonymous client would cost
// a core for each search it may make. More is adminLimitExceeded.
func (r *run) materialized() SearchResult {
	collect := maxMaterialized
	if r.s.Role.Limited() {
		collect = r.limit + 1
		if r.req.Sort != nil {
			collect = maxBookSorted + 1
		}
	}
	var ids []*item
	err := r.each(func(it *item) bool {
		ids = append(ids, it)
		return len(ids) < collect
	})
	if err != nil || r.stopped != 0 {
		return SearchResult{Result: Result{Code: r.stopped}}
	}
	if r.s.Role.Limited() && r.req.Sort != nil && len(ids) > maxBookSorted {
		r.d.stats.RefusedUnselective.Add(1)
		return SearchResult{Result: Result{Code: AdminLimitExceeded, Message: sortTooBroadMessage}}
	}
	var res SearchResult
	if r.req.Sort != nil {
		resp, ok := sortItems(ids, r.req.Sort)
		res.Sort = resp
		if !ok && r.req.Sort.Critical {
			return SearchResult{Result: Result{Code: UnavailableCriticalExtension, Message: "cannot sort on that key"}, Sort: resp}
		}
	}
	final := Success
	if r.limit > 0 && len(ids) > r.limit {
		ids, final = ids[:r.limit], SizeLimitExceeded
	}
	if r.req.VLV != nil {
		if r.req.Sort == nil {
			return SearchResult{Result: Result{Code: SortControlMissing, Message: "VLV needs the sort control"},
				VLV: &VLVResponse{Code: SortControlMissing}}
		}
		window, resp := vlvWindow(ids, r.req.VLV, r.req.Sort)
		res.VLV = resp
		if resp.Code != Success {
			res.Result = Result{Code: resp.Code}
			return res
		}
		if err := r.emitAll(window); err != nil {
			f := r.failure(err)
			res.Result = f.Result
		}
		return res
	}
	if r.req.Paging != nil {
		c := &cursor{snap: r.snap, items: ids, final: final, sel: r.sel, key: pagingKey(r.req), budget: r.budget}
		return r.page(c, res)
	}
	if err := r.emitAll(ids); err != nil {
		return r.failure(err)
	}
	res.Result = Result{Code: final}
	return res
}

func (r *run) emitAll(items []*item) error {
	for i, it := range items {
		if i&255 == 255 && r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		if err := r.emit(it); err != nil {
			return err
		}
	}
	return nil
}

// page sends the next page of c and keeps c for the following one.
func (r *run) page(c *cursor, res SearchResult) SearchResult {
	size := r.req.Paging.Size
	if size <= 0 || size > len(c.items)-c.pos || r.s.cursors == nil { // a Session not made by Anonymous or Bind gets one page
		size = len(c.items) - c.pos
	}
	if err := r.emitAll(c.items[c.pos : c.pos+size]); err != nil {
		return r.failure(err)
	}
	c.pos += size
	res.Paging = &PagingResponse{Size: len(c.items)}
	if c.pos < len(c.items) {
		res.Paging.Cookie = r.s.cursors.put(c)
		return res
	}
	res.Result = Result{Code: c.final}
	return res
}

// nextPage continues a paged search from its cookie.
func (d *Directory) nextPage(ctx context.Context, s *Session, req *SearchRequest, out Emitter) SearchResult {
	c := s.cursors.take(req.Paging.Cookie)
	if c == nil || c.key != pagingKey(req) {
		return SearchResult{Result: Result{Code: UnwillingToPerform, Message: "unknown or stale paged-results cookie"}}
	}
	if req.Paging.Size == 0 { // the client abandons the paged search
		return SearchResult{Paging: &PagingResponse{}}
	}
	r := &run{d: d, s: s, req: req, out: out, ctx: ctx, snap: c.snap, sel: c.sel, budget: c.budget}
	return r.page(c, SearchResult{})
}

// pagingKey identifies the search a cookie belongs to: the same base,
// scope, filter and attributes must come back with it (RFC 2696 §3).
func pagingKey(req *SearchRequest) string {
	var b strings.Builder
	b.WriteString(req.BaseDN)
	b.WriteByte(0)
	b.WriteByte(byte('0' + req.Scope))
	b.WriteString(req.Filter.String())
	for _, a := range req.Attributes {
		b.WriteByte(0)
		b.WriteString(a)
	}
	return b.String()
}

// cursor is a paged search in progress, pinned to its snapshot.
type cursor struct {
	snap   *Snapshot
	items  []*item
	pos    int
	final  ResultCode
	sel    selection
	key    string
	budget []budgetKey
}

// cursorSet holds a connection's open paged searches, the oldest dropped
// past maxCursors.
type cursorSet struct {
	mu    sync.Mutex
	next  uint64
	open  map[uint64]*cursor
	order []uint64
}

const maxCursors = 8

func newCursorSet() *cursorSet { return &cursorSet{open: make(map[uint64]*cursor)} }

func (cs *cursorSet) put(c *cursor) []byte {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.next++
	cs.open[cs.next] = c
	cs.order = append(cs.order, cs.next)
	for len(cs.order) > maxCursors {
		delete(cs.open, cs.order[0])
		cs.order = cs.order[1:]
	}
	return binary.BigEndian.AppendUint64(nil, cs.next)
}

func (cs *cursorSet) take(cookie []byte) *cursor {
	if cs == nil || len(cookie) != 8 {
		return nil
	}
	id := binary.BigEndian.Uint64(cookie)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := cs.open[id]
	delete(cs.open, id)
	cs.order = slices.DeleteFunc(cs.order, func(x uint64) bool { return x == id })
	return c
}

// sortKey is one resolved key of a sort control.
type sortKey struct {
	t       *schema.AttributeType
	rule    *schema.MatchingRule
	reverse bool
}

// sortItems sorts by the keys of s (RFC 2891): by the smallest value of
// each key's attribute, entries without it last. It reports false (and
// leaves items unsorted) when a key cannot be used.
func sortItems(items []*item, s *Sort) (*SortResponse, bool) {
	keys, resp := resolveSortKeys(s)
	if resp.Code != Success {
		return resp, false
	}
	type keyed struct {
		it   *item
		vals []string
	}
	ks := make([]keyed, len(items))
	for i, it := range items {
		ks[i].it = it
		ks[i].vals = make([]string, len(keys))
		for j, k := range keys {
			ks[i].vals[j] = sortValue(it.entry, k)
		}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		for j, k := range keys {
			if c := compareSortValues(a.vals[j], b.vals[j], k); c != 0 {
				return c
			}
		}
		return 0
	})
	for i := range ks {
		items[i] = ks[i].it
	}
	return resp, true
}

func resolveSortKeys(s *Sort) ([]sortKey, *SortResponse) {
	var keys []sortKey
	for _, k := range s.Keys {
		t := schema.LookupAttribute(k.Attr)
		if t == nil {
			return nil, &SortResponse{Code: NoSuchAttribute, Attr: k.Attr}
		}
		rule := t.Ordering
		if k.Rule != "" {
			rule = schema.LookupMatchingRule(k.Rule)
		}
		if rule == nil {
			return nil, &SortResponse{Code: InappropriateMatching, Attr: k.Attr}
		}
		keys = append(keys, sortKey{t: t, rule: rule, reverse: k.Reverse})
	}
	return keys, &SortResponse{Code: Success}
}

// noValue sorts after every real value.
const noValue = "\xff\xff\xff\xff"

func sortValue(e *schema.Entry, k sortKey) string {
	a := e.Attr(k.t)
	if a == nil || len(a.Values) == 0 {
		return noValue
	}
	best := ""
	for _, v := range a.Values {
		n, ok := k.rule.Normalize(v)
		if !ok {
			continue
		}
		if best == "" || compareRule(k.rule, n, best) < 0 {
			best = n
		}
	}
	if best == "" {
		return noValue
	}
	return best
}

func compareRule(rule *schema.MatchingRule, a, b string) int {
	if rule.Compare != nil {
		return rule.Compare(a, b)
	}
	return strings.Compare(a, b)
}

func compareSortValues(a, b string, k sortKey) int {
	switch {
	case a == noValue && b == noValue:
		return 0
	case a == noValue:
		return 1
	case b == noValue:
		return -1
	}
	c := compareRule(k.rule, a, b)
	if k.reverse {
		return -c
	}
	return c
}

// vlvWindow picks the window of a VLV request from sorted items
// (draft-ietf-ldapext-ldapv3-vlv-09 §6).
func vlvWindow(items []*item, v *VLV, s *Sort) ([]*item, *VLVResponse) {
	count := len(items)
	resp := &VLVResponse{ContentCount: count, ContextID: v.ContextID}
	var target int // 1-based
	if v.ByOffset {
		switch {
		case v.Offset < 0 || v.Count < 0:
			resp.Code = OffsetRangeError
			return nil, resp
		case v.Count == 0:
			target = v.Offset
		case v.Offset >= v.Count:
			target = count
		default:
			target = (v.Offset*count + v.Count/2) / v.Count
		}
		target = max(target, 1)
		target = min(target, count+1)
	} else {
		keys, sr := resolveSortKeys(s)
		if sr.Code != Success {
			resp.Code = sr.Code
			return nil, resp
		}
		k := keys[0]
		want, ok := k.rule.Normalize(v.Assertion)
		if !ok {
			want = v.Assertion
		}
		target = count + 1
		for i, it := range items {
			if compareSortValues(sortValue(it.entry, k), want, k) >= 0 {
				target = i + 1
				break
			}
		}
	}
	resp.TargetPosition = target
	lo := max(target-v.Before, 1)
	hi := min(target+v.After, count)
	if count == 0 || lo > hi {
		return nil, resp
	}
	return items[lo-1 : hi], resp
}
