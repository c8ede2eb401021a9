package directory

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"userdir/internal/fixture"
	"userdir/schema"
)

// TestBindGuessingIsThrottledPerDN: 100 connections from 100 addresses
// guessing one account's password get a handful of checks in two seconds,
// not 100 (the delay used to be per connection); the rest wait their turn
// or are told busy (51). An unknown DN costs a bcrypt like a known one.
func TestBindGuessingIsThrottledPerDN(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...), func(o *Options) {
		o.Accounts = append(o.Accounts, Account{DN: "cn=reader,dc=company,dc=ru", PasswordHash: string(hash), Role: schema.RoleReader})
	})
	b := d.policy.Load().binder
	// Equal work: an unknown DN is checked against a hash of the same cost.
	for _, dn := range []string{"cn=reader,dc=company,dc=ru", "cn=nobody,dc=company,dc=ru"} {
		before := b.checks.Load()
		if _, res := d.Bind(context.Background(), mustAddr("10.9.0.1"), dn, []byte("guess")); res.Code != InvalidCredentials {
			t.Fatalf("%s: code %d", dn, res.Code)
		}
		if b.checks.Load() != before+1 {
			t.Errorf("%s: %d bcrypt checks, want 1", dn, b.checks.Load()-before)
		}
	}
	if c, _ := bcrypt.Cost(b.dummy); c != bcrypt.MinCost {
		t.Errorf("dummy hash cost %d, want the accounts' %d", c, bcrypt.MinCost)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	before := b.checks.Load()
	codes := map[ResultCode]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			peer := mustAddr(fmt.Sprintf("10.8.%d.%d", i/200, 1+i%200))
			_, res := d.Bind(ctx, peer, "cn=reader,dc=company,dc=ru", []byte(fmt.Sprint("guess", i)))
			mu.Lock()
			codes[res.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	checked := b.checks.Load() - before
	t.Logf("100 guesses from 100 addresses in 2 s: %d checked; results %v", checked, codes)
	if checked > 8 {
		t.Errorf("%d guesses checked in 2 s; want a handful", checked)
	}
	if codes[Success] != 0 {
		t.Errorf("a guess succeeded: %v", codes)
	}
	if d.Stats().BindFailures.Load() == 0 {
		t.Error("BindFailures not counted")
	}
}
