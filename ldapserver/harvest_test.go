package ldapserver_test

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"userdir/directory"
	"userdir/internal/fixture"
)

// harvester tries every trick to collect addresses from one client address.
type harvester struct {
	t       *testing.T
	server  string   // host:port
	local   net.Addr // the client address to dial from
	got     map[string]bool
	refused int // searches answered adminLimitExceeded
}

func (h *harvester) dial() *ldap.Conn {
	h.t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: h.local}
	c, err := ldap.DialURL("ldap://"+h.server, ldap.DialWithDialer(d))
	if err != nil {
		h.t.Fatal(err)
	}
	c.SetTimeout(10 * time.Second)
	return c
}

// take records what a search returned and reports whether it was refused
// for the budget.
func (h *harvester) take(sr *ldap.SearchResult, err error) bool {
	h.t.Helper()
	if sr != nil {
		for _, e := range sr.Entries {
			h.got[e.GetAttributeValue("mail")] = true
		}
	}
	var le *ldap.Error
	if errors.As(err, &le) && le.ResultCode == ldap.LDAPResultAdminLimitExceeded {
		if !strings.Contains(le.Err.Error(), "budget") {
			h.t.Errorf("adminLimitExceeded without a diagnostic: %v", err)
		}
		h.refused++
		return true
	}
	return false
}

func (h *harvester) search(c *ldap.Conn, filter string, ctls ...ldap.Control) (*ldap.SearchResult, bool) {
	req := searchReq(suffix, ldap.ScopeWholeSubtree, filter, "mail")
	req.Controls = ctls
	sr, err := c.Search(req)
	return sr, h.take(sr, err)
}

// run applies the tricks of a harvester in turn, each bounded.
func (h *harvester) run() {
	c := h.dial()
	defer c.Close()
	// A domain suffix every address shares, then >= cursors on it.
	h.search(c, "(mail=*@company.ru)")
	last := ""
	for i := 0; i < 100; i++ {
		for m := range h.got {
			last = max(last, m)
		}
		if _, refused := h.search(c, fmt.Sprintf("(&(mail=*@company.ru)(mail>=%s))", last)); refused {
			break
		}
	}
	// Reconnecting does not help.
	for i := 0; i < 5; i++ {
		rc := h.dial()
		h.search(rc, fmt.Sprintf("(&(mail=*@company.ru)(mail>=user%06d@company.ru))", 500*i))
		rc.Close()
	}
	// Two-letter prefixes of names.
	for _, p := range []string{"ив", "см", "ку", "по", "ва", "пе", "со", "ми", "но", "фе", "мо", "во", "ал", "ле", "се", "ег", "ко", "ст", "ор", "ан", "ма", "за", "бо", "як", "гр", "ро", "фр"} {
		h.search(c, "(|(sn="+p+"*)(cn=*"+p+"*))")
	}
	// Paging.
	sr, err := c.SearchWithPaging(searchReq(suffix, ldap.ScopeWholeSubtree, "(mail=*@company.ru)", "mail"), 20)
	h.take(sr, err)
	// Sort and VLV windows walking the book.
	sortCtl := ldap.NewControlServerSideSortingWithSortKeys([]*ldap.SortKey{{AttributeType: "mail", Reverse: true}})
	h.search(c, "(mail=*@company.ru)", sortCtl)
	for off := int64(1); off < 3000; off += 250 {
		h.search(c, "(mail=*@company.ru)", sortCtl, &vlvControl{before: 0, after: 49, offset: off, count: 3000})
	}
}

// TestHarvesterGetsAtMostTheBudget: from three IPv4 loopback addresses and
// one IPv6 /64 (::1), every trick — a shared domain suffix, >= cursors,
// reconnects, prefixes, paging, sort, VLV — yields at most harvest_budget
// distinct entries per network, and the budget is reached (the test is not
// vacuous). Each network's exhaustion is counted once.
func TestHarvesterGetsAtMostTheBudget(t *testing.T) {
	const budget = 300
	ts := startServer(t, serverOptions{records: fixture.Generate(3000, 1), ipv6: true,
		dir: func(o *directory.Options) { o.HarvestBudget = budget }})
	nets := []struct{ name, server, local string }{
		{"127.0.0.2", ts.addr, "127.0.0.2"},
		{"127.0.0.3", ts.addr, "127.0.0.3"},
		{"127.0.0.4", ts.addr, "127.0.0.4"},
		{"::1 /64", ts.addr6, "::1"},
	}
	total := map[string]bool{}
	for _, n := range nets {
		h := &harvester{t: t, server: n.server, local: &net.TCPAddr{IP: net.ParseIP(n.local)}, got: map[string]bool{}}
		h.run()
		// The IPv6 /64 is one network: a second run from it gets nothing new.
		if n.local == "::1" {
			before := len(h.got)
			h.run()
			if len(h.got) != before {
				t.Errorf("second run from the same /64 got %d more entries", len(h.got)-before)
			}
		}
		t.Logf("%s: %d distinct entries, %d searches refused with adminLimitExceeded", n.name, len(h.got), h.refused)
		if len(h.got) > budget {
			t.Errorf("%s: %d distinct entries, budget %d", n.name, len(h.got), budget)
		}
		if len(h.got) < budget || h.refused == 0 {
			t.Errorf("%s: %d entries, %d refusals: the harvester never reached the budget", n.name, len(h.got), h.refused)
		}
		for m := range h.got {
			total[m] = true
		}
	}
	if len(total) > budget*len(nets) {
		t.Errorf("all networks: %d entries", len(total))
	}
	st := ts.dir.Stats()
	if got := st.BudgetExhausted.Load(); got != uint64(len(nets)) {
		t.Errorf("BudgetExhausted = %d, want one per network (%d)", got, len(nets))
	}
	if st.RefusedBudget.Load() == 0 {
		t.Error("RefusedBudget not counted")
	}
}

// TestThunderbirdOverTheWire: Thunderbird 153's address-book search (one
// and two words, Cyrillic, ё typed as е) and compose autocomplete find the
// right people anonymously over the wire; the first letter typed gets
// success with nothing, "Download now" 53 with its diagnostic.
func TestThunderbirdOverTheWire(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.dial(t)
	book := func(words ...string) string {
		var ors []string
		for _, w := range words {
			ors = append(ors, strings.ReplaceAll("(|(cn=*X*)(givenName=*X*)(sn=*X*)(mozillaNickname=*X*)(mail=*X*)(mozillaSecondEmail=*X*)(&(description=*X*))(o=*X*)(ou=*X*)(title=*X*)(mozillaWorkUrl=*X*)(mozillaHomeUrl=*X*))", "X", w))
		}
		if len(ors) == 1 {
			return ors[0]
		}
		return "(&" + strings.Join(ors, "") + ")"
	}
	auto := func(x string) string {
		return strings.ReplaceAll("(|(cn=*X*)(mail=*X*)(givenName=*X*)(sn=*X*))", "X", x)
	}
	for _, tt := range []struct {
		filter string
		want   []string
	}{
		{book("Иван"), []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{book("Иванова", "Мария"), []string{"ivanova@company.ru"}},
		{book("Елкин"), []string{"yolkin@company.ru"}},
		{book("Отдел", "продаж"), []string{"sales@company.ru"}},
		{book("И"), nil},
		{auto("ив"), []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{auto("ёлк"), []string{"yolkin@company.ru"}},
		{auto("и"), nil},
	} {
		req := ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 50, 0, false, tt.filter,
			[]string{"cn", "mail", "telephoneNumber"}, nil)
		sr, err := c.Search(req)
		if err != nil {
			t.Errorf("%s: %v", tt.filter, err)
			continue
		}
		if got := mails(sr); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.filter, got, tt.want)
		}
	}
	_, err := c.Search(ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(objectclass=*)", nil, nil))
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform) || !strings.Contains(err.Error(), "reader account") {
		t.Errorf("Download now: %v; want 53 with a diagnostic", err)
	}
}
