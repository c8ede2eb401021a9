package ldapserver

import (
	"context"
	"sync"
	"time"

	"userdir/directory"
	"userdir/ldapserver/wire"
)

// searchWriter collects a search's responses and writes them in chunks of
// about flushAt bytes, so a small result goes out in one write.
type searchWriter struct {
	c   *conn
	id  int64
	buf []byte
	err error
}

var writerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// SendEntry appends one SearchResultEntry.
func (w *searchWriter) SendEntry(dn, attrs []byte) error {
	if w.err != nil {
		return w.err
	}
	w.buf = appendEntry(w.buf, w.id, dn, attrs)
	if len(w.buf) >= flushAt {
		w.err = w.c.write(w.buf)
		w.buf = w.buf[:0]
	}
	return w.err
}

// search runs a search and writes its entries and SearchResultDone, unless
// the request was abandoned meanwhile. A search that was answered (it
// passed the rate limit and the policy) is memoized under memoKey, if set.
// start is when it was read.
func (c *conn) search(ctx context.Context, id int64, req *directory.SearchRequest, memoKey string, start time.Time) {
	bp := writerBufs.Get().(*[]byte)
	w := &searchWriter{c: c, id: id, buf: (*bp)[:0]}
	defer func() {
		if cap(w.buf) <= 1<<20 {
			*bp = w.buf[:0]
			writerBufs.Put(bp)
		}
	}()
	res := c.srv.opts.Backend.Search(ctx, c.sess.Load(), req, w)
	if ctx.Err() != nil || w.err != nil {
		return
	}
	if memoKey != "" && (res.Code == directory.Success || res.Code == directory.SizeLimitExceeded) {
		c.srv.memo.put(memoKey, req)
	}
	w.buf = appendResponse(w.buf, id, wire.AppSearchDone, res.Result, nil, searchDoneControls(&res))
	if c.write(w.buf) == nil {
		c.observe(wire.AppSearchDone, start, res.Code)
	}
}
