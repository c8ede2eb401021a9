package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"userdir/access"
	"userdir/directory"
	"userdir/ldapserver"
)

// TestLDAPOperation counts operations by operation, code and role, cached
// codes and an uncached one alike, with their latencies.
func TestLDAPOperation(t *testing.T) {
	reg := prometheus.NewRegistry()
	l := NewLDAP(reg)
	for _, c := range []struct {
		op   ldapserver.Operation
		code directory.ResultCode
		role access.Role
	}{
		{ldapserver.OpSearch, directory.Success, access.Book},
		{ldapserver.OpSearch, directory.Success, access.Book},
		{ldapserver.OpBind, directory.InvalidCredentials, access.Book},
		{ldapserver.OpSearch, directory.Success, access.MTA},
		{ldapserver.OpCompare, 4242, ""},
	} {
		l.Operation(c.op, c.code, c.role, time.Millisecond)
	}
	want := `
# HELP userdir_ldap_operations_total LDAP operations answered, by operation, result code and role.
# TYPE userdir_ldap_operations_total counter
userdir_ldap_operations_total{code="0",operation="search",role="book"} 2
userdir_ldap_operations_total{code="0",operation="search",role="mta"} 1
userdir_ldap_operations_total{code="49",operation="bind",role="book"} 1
userdir_ldap_operations_total{code="4242",operation="compare",role="other"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "userdir_ldap_operations_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "userdir_ldap_operation_duration_seconds"); n != 4 {
		t.Errorf("%d latency series, want one per operation and role used (4)", n)
	}
}

// BenchmarkLDAPOperation is the observer's cost per request: it must not
// allocate.
func BenchmarkLDAPOperation(b *testing.B) {
	l := NewLDAP(prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		l.Operation(ldapserver.OpSearch, directory.Success, access.Book, 30*time.Microsecond)
	}
}
