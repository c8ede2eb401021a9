package ldapserver

import (
	"log/slog"
	"time"

	"userdir/directory"
	"userdir/ldapserver/wire"
)

// bind answers a BindRequest: LDAPv3 and LDAPv2 simple binds; SASL is
// refused with authMethodNotSupported. A failed bind leaves the connection
// anonymous (RFC 4513 §5.1).
func (c *conn) bind(req *request, start time.Time) {
	b, err := decodeBind(req.body)
	if err != nil {
		c.fieldError(req, wire.AppBindResponse, start, err)
		return
	}
	backend := c.srv.opts.Backend
	var res directory.Result
	switch {
	case b.version != 2 && b.version != 3:
		res = directory.Result{Code: directory.ProtocolError, Message: "only LDAP versions 2 and 3 are supported"}
		c.sess.Store(backend.Anonymous(c.peer))
	case b.sasl:
		res = directory.Result{Code: directory.AuthMethodNotSupported, Message: "only simple binds are supported"}
		c.sess.Store(backend.Anonymous(c.peer))
	default:
		var s *directory.Session
		s, res = backend.Bind(c.ctx, c.peer, b.name, b.password)
		c.sess.Store(s)
		if c.srv.log.Enabled(c.ctx, slog.LevelDebug) {
			c.logger().Debug("bind", "dn", b.name, "version", b.version, "code", int(res.Code), "role", string(s.Role))
		}
	}
	c.answer(req.id, wire.AppBindResponse, start, res)
}
