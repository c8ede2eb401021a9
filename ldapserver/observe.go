package ldapserver

import (
	"time"

	"userdir/access"
	"userdir/directory"
	"userdir/ldapserver/wire"
)

// Operation names an LDAP operation that gets a response, for an Observer.
type Operation uint8

// The operations an Observer hears about.
const (
	OpBind Operation = iota
	OpSearch
	OpCompare
	OpExtended
	OpModify
	OpAdd
	OpDelete
	OpModifyDN
	NumOperations // the number of operations above
)

var operationNames = [NumOperations]string{"bind", "search", "compare", "extended", "modify", "add", "delete", "modifydn"}

// String returns the operation's lower-case name, e.g. "search".
func (o Operation) String() string {
	if o < NumOperations {
		return operationNames[o]
	}
	return "unknown"
}

// operationOf maps the application tag of a response to its operation.
func operationOf(responseTag byte) Operation {
	switch responseTag {
	case wire.AppBindResponse:
		return OpBind
	case wire.AppSearchDone:
		return OpSearch
	case wire.AppCompareResponse:
		return OpCompare
	case wire.AppModifyResponse:
		return OpModify
	case wire.AppAddResponse:
		return OpAdd
	case wire.AppDelResponse:
		return OpDelete
	case wire.AppModDNResponse:
		return OpModifyDN
	}
	return OpExtended
}

// Observer is told of every answered request, for metrics. Operation is
// called in the request's goroutine after its final response is written:
// it must be cheap, must not block and should not allocate. role is the
// connection's role after the request (for a bind: the role it gave).
// Requests that were abandoned, or whose connection failed, are not reported.
type Observer interface {
	Operation(op Operation, code directory.ResultCode, role access.Role, took time.Duration)
}

// started returns the time a request starts, or the zero time when
// nobody observes, so that an unobserved server reads no clock.
func (c *conn) started() time.Time {
	if c.srv.opts.Observer == nil {
		return time.Time{}
	}
	return time.Now()
}

// observe reports a request started at start, answered with a response of
// application tag tag and result code code.
func (c *conn) observe(tag byte, start time.Time, code directory.ResultCode) {
	if o := c.srv.opts.Observer; o != nil {
		o.Operation(operationOf(tag), code, c.sess.Load().Role, time.Since(start))
	}
}

// answer writes a plain LDAPResult response and reports it.
func (c *conn) answer(id int64, tag byte, start time.Time, r directory.Result) {
	c.respond(id, tag, r)
	c.observe(tag, start, r.Code)
}

// OpenConns returns the number of client connections open now.
func (s *Server) OpenConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
