package directory

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"userdir/internal/fixture"
	"userdir/schema"
)

// TestBudgetKeys: IPv4 addresses count alone, an IPv6 /64 as one, a
// network may set its own budget, a bound book account counts across
// addresses, entries already received are free, and the window is 24 hours.
func TestBudgetKeys(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	d := newTestDirectory(t, fixture.NewSource(fixture.Many("tyumen", 500)...), func(o *Options) {
		o.HarvestBudget = 60
		o.Networks = append(o.Networks, Network{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Role: schema.RoleBook, HarvestBudget: 120})
		o.Accounts = append(o.Accounts, Account{DN: "cn=office,dc=company,dc=ru", PasswordHash: string(hash), Role: schema.RoleBook})
		o.Now = func() time.Time { return now }
	})
	d.now = func() time.Time { return now }
	harvest := func(s *Session, from int) (n int, code ResultCode) {
		for i := from; i < from+10; i++ {
			c, res := search(t, d, s, "dc=company,dc=ru", ScopeSub, "(cn=пользователь0"+string(rune('0'+i/10%10))+string(rune('0'+i%10))+"*)")
			n += len(c.dns)
			if res.Code != Success {
				return n, res.Code
			}
		}
		return n, Success
	}
	// Each (cn=пользователь0NN*) matches 10 entries: 10 searches are 100 entries.
	tests := []struct {
		name string
		s    *Session
		from int
		want int
	}{
		{"IPv4 address", d.Anonymous(mustAddr("10.1.1.1")), 0, 60},
		{"another IPv4 address", d.Anonymous(mustAddr("10.1.1.2")), 0, 60},
		{"IPv6 /64", d.Anonymous(mustAddr("2001:db8::1")), 0, 60},
		{"same /64, other address", d.Anonymous(mustAddr("2001:db8::2")), 10, 0},
		{"other /64", d.Anonymous(mustAddr("2001:db8:0:1::1")), 0, 60},
		{"network override", d.Anonymous(mustAddr("192.0.2.7")), 0, 100},
	}
	for _, tt := range tests {
		n, code := harvest(tt.s, tt.from)
		if n != tt.want {
			t.Errorf("%s: %d new entries (code %d), want %d", tt.name, n, code, tt.want)
		}
	}
	// What was received already is sent again.
	if n, code := harvest(d.Anonymous(mustAddr("10.1.1.1")), 0); n != 60 || code != AdminLimitExceeded {
		t.Errorf("repeat: %d entries, code %d; want the same 60, then 11", n, code)
	}
	// A bound book account counts across addresses too.
	var got int
	for i, peer := range []string{"10.2.0.1", "10.2.0.2", "10.2.0.3"} {
		s, res := d.Bind(context.Background(), mustAddr(peer), "cn=office,dc=company,dc=ru", []byte("pw"))
		if res.Code != Success {
			t.Fatal(res)
		}
		n, _ := harvest(s, 10*i)
		got += n
	}
	if got != 60 {
		t.Errorf("bound account from three addresses: %d entries, want 60", got)
	}
	// A day later the budget is whole again.
	now = now.Add(24*time.Hour + 2*time.Minute)
	if n, code := harvest(d.Anonymous(mustAddr("10.1.1.1")), 20); n != 60 || code != AdminLimitExceeded {
		t.Errorf("next day: %d entries, code %d", n, code)
	}
	if got := d.Stats().BudgetExhausted.Load(); got < 5 {
		t.Errorf("BudgetExhausted = %d", got)
	}
}

// TestBudgetMemoryBounded: more networks than maxBudgetKeys are tracked
// in bounded memory, the least recently used forgotten first.
func TestBudgetMemoryBounded(t *testing.T) {
	var st Stats
	b := newDiscloser(slog.New(slog.DiscardHandler), &st)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i := range maxBudgetKeys + 1000 {
		k := []budgetKey{{name: fmt.Sprintf("net 10.%d.%d.%d", i>>16, i>>8&255, i&255), limit: 10}}
		for h := range 3 {
			if !b.admit(k, uint64(h), now) {
				t.Fatalf("key %d refused entry %d", i, h)
			}
		}
		now = now.Add(time.Millisecond)
	}
	if len(b.keys) > maxBudgetKeys {
		t.Errorf("%d keys tracked, bound %d", len(b.keys), maxBudgetKeys)
	}
	n := 0
	for _, d := range b.keys {
		n += len(d.seen)
	}
	if n != b.total {
		t.Errorf("total %d, counted %d", b.total, n)
	}
	if _, ok := b.keys["net 10.0.0.0"]; ok {
		t.Error("the least recently used key was kept")
	}
}
