package ldapserver

import (
	"context"
	"time"

	"userdir/ldapserver/wire"
)

// compare answers a CompareRequest.
func (c *conn) compare(ctx context.Context, id int64, req compareRequest, start time.Time) {
	res := c.srv.opts.Backend.Compare(ctx, c.sess.Load(), req.dn, req.attr, req.value)
	if ctx.Err() != nil {
		return
	}
	c.answer(id, wire.AppCompareResponse, start, res)
}
