package metrics

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"userdir/access"
	"userdir/directory"
	"userdir/ldapserver"
)

// roles are the role label values, indexed by roleIndex.
var roles = [...]access.Role{access.Book, access.Reader, access.MTA, "other"}

func roleIndex(r access.Role) int {
	switch r {
	case access.Book:
		return 0
	case access.Reader:
		return 1
	case access.MTA:
		return 2
	}
	return 3
}

// cachedCodes is how many result codes (0 to 127, every one LDAP defines)
// have their counters cached; others are looked up each time.
const cachedCodes = 128

// LatencyBuckets are the bounds, in seconds, of the operation latency
// histogram: from 50 µs (a Postfix lookup) to 5 s (browsing a large division).
var LatencyBuckets = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// LDAP is an ldapserver.Observer that counts operations by operation,
// result code and role, and their latency by operation and role. Its
// Operation method does not allocate once a combination has been seen.
type LDAP struct {
	ops     *prometheus.CounterVec
	lat     *prometheus.HistogramVec
	latency [ldapserver.NumOperations][len(roles)]atomic.Pointer[observer]
	cache   [ldapserver.NumOperations][len(roles)][cachedCodes]atomic.Pointer[counter]
}

type counter struct{ prometheus.Counter }

type observer struct{ prometheus.Observer }

var _ ldapserver.Observer = (*LDAP)(nil)

// NewLDAP returns an LDAP observer registered with reg.
func NewLDAP(reg prometheus.Registerer) *LDAP {
	l := &LDAP{
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "userdir_ldap_operations_total",
			Help: "LDAP operations answered, by operation, result code and role.",
		}, []string{"operation", "code", "role"}),
	}
	l.lat = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "userdir_ldap_operation_duration_seconds",
		Help:    "Time from reading an LDAP request to writing its final response, by operation and role.",
		Buckets: LatencyBuckets,
	}, []string{"operation", "role"})
	reg.MustRegister(l.ops, l.lat)
	return l
}

// Operation counts one answered request.
func (l *LDAP) Operation(op ldapserver.Operation, code directory.ResultCode, role access.Role, took time.Duration) {
	if op >= ldapserver.NumOperations {
		return
	}
	r := roleIndex(role)
	h := l.latency[op][r].Load()
	if h == nil { // the first of its kind: a series appears only once used
		h = &observer{l.lat.WithLabelValues(op.String(), string(roles[r]))}
		l.latency[op][r].Store(h)
	}
	h.Observe(took.Seconds())
	if code < 0 || code >= cachedCodes {
		l.ops.WithLabelValues(op.String(), strconv.Itoa(int(code)), string(roles[r])).Inc()
		return
	}
	slot := &l.cache[op][r][code]
	c := slot.Load()
	if c == nil {
		c = &counter{l.ops.WithLabelValues(op.String(), strconv.Itoa(int(code)), string(roles[r]))}
		slot.Store(c)
	}
	c.Inc()
}
