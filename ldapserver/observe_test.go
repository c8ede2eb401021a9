package ldapserver_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"userdir/access"
	"userdir/directory"
	"userdir/ldapserver"
)

// recorder is an Observer that sends what it hears as "op code role".
type recorder struct{ heard chan string }

func (r *recorder) Operation(op ldapserver.Operation, code directory.ResultCode, role access.Role, took time.Duration) {
	if took < 0 || took > time.Minute {
		r.heard <- fmt.Sprintf("bad latency %v", took)
	}
	r.heard <- fmt.Sprintf("%s %d %s", op, code, role)
}

// TestObserver: every answered request is reported once, with its
// operation, result code and the role after it (a bind's new role).
func TestObserver(t *testing.T) {
	rec := &recorder{heard: make(chan string, 100)}
	ts := startServer(t, serverOptions{observe: rec})
	c := ts.dial(t)
	c.Search(ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(mail=nobody@x)", nil, nil))
	c.Bind("cn=postfix,"+suffix, "wrong")
	c.Modify(ldap.NewModifyRequest("cn=x,"+suffix, nil))
	if err := c.Bind("cn=postfix,"+suffix, "postfixpass"); err != nil {
		t.Fatal(err)
	}
	c.Compare("cn=x,"+suffix, "cn", "x")
	c.WhoAmI(nil)
	want := []string{"search 0 book", "bind 49 book", "modify 53 book", "bind 0 mta", "compare 32 mta", "extended 0 mta"}
	var got []string
	timeout := time.After(5 * time.Second) // counted just after the response is written
	for len(got) < len(want) {
		select {
		case h := <-rec.heard:
			got = append(got, h)
		case <-timeout:
			t.Fatalf("observed only %q, want %q", got, want)
		}
	}
	if !slices.Equal(got, want) || len(rec.heard) > 0 {
		t.Errorf("observed %q\nwant     %q", got, want)
	}
}
