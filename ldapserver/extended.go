package ldapserver

import (
	"context"
	"crypto/tls"
	"time"

	"userdir/directory"
	"userdir/ldapserver/wire"
)

// extended answers an ExtendedRequest: StartTLS (RFC 4511 §4.14) and Who
// am I? (RFC 4532); other names get protocolError (RFC 4511 §4.12). It
// reports whether to keep reading.
func (c *conn) extended(req *request, start time.Time) bool {
	name, err := decodeExtended(req.body)
	if err != nil {
		c.fieldError(req, wire.AppExtendedResponse, start, err)
		return true
	}
	switch name {
	case directory.OIDWhoAmI:
		authz := c.srv.opts.Backend.WhoAmI(c.sess.Load())
		c.write(appendResponse(nil, req.id, wire.AppExtendedResponse, directory.Result{}, extendedTail("", &authz), nil))
		c.observe(wire.AppExtendedResponse, start, directory.Success)
		return true
	case directory.OIDStartTLS:
		return c.startTLS(req, start)
	}
	c.answer(req.id, wire.AppExtendedResponse, start, directory.Result{Code: directory.ProtocolError, Message: "unsupported extended operation " + name})
	return true
}

// startTLS answers StartTLS and then runs the TLS handshake on the same
// connection. It reports whether to keep reading.
func (c *conn) startTLS(req *request, start time.Time) bool {
	fail := func(code directory.ResultCode, msg string) bool {
		c.write(appendResponse(nil, req.id, wire.AppExtendedResponse, directory.Result{Code: code, Message: msg},
			extendedTail(directory.OIDStartTLS, nil), nil))
		c.observe(wire.AppExtendedResponse, start, code)
		return true
	}
	switch {
	case c.srv.opts.TLS == nil:
		return fail(directory.ProtocolError, "StartTLS is not configured (no tls_cert)")
	case c.tls:
		return fail(directory.OperationsError, "TLS is already established")
	case c.busy():
		return fail(directory.OperationsError, "requests are still in flight")
	}
	if c.write(appendResponse(nil, req.id, wire.AppExtendedResponse, directory.Result{},
		extendedTail(directory.OIDStartTLS, nil), nil)) != nil {
		return false
	}
	c.observe(wire.AppExtendedResponse, start, directory.Success)
	c.wmu.Lock()
	tc := tls.Server(c.nc, c.srv.opts.TLS)
	c.nc = tc
	c.writeRenew = time.Time{}
	c.wmu.Unlock()
	c.readRenew = time.Time{}
	ctx, cancel := context.WithTimeout(c.ctx, handshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		c.logger().Info("StartTLS handshake failed", "err", err)
		return false
	}
	c.br.Reset(tc)
	c.tls = true
	return true
}
