package tenantcreds_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tenantrepo/tenantrepo/tenantcreds"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// TestAttackEvictionRaces: many goroutines retrieve credentials for
// near-collision tenants through a Provider that keeps only two, so
// entries are evicted while other goroutines still use them and first
// uses of a tenant overlap with its eviction. Every answer must be the
// credentials STS gave for the caller's own tenant, never another's.
func TestAttackEvictionRaces(t *testing.T) {
	f := newFakeSTS(t)
	f.delay = 2 * time.Millisecond
	p := newProvider(t, f, func(o *tenantcreds.Options) { o.MaxTenants = 2 })
	tenants := []string{"acme", "acme-corp", "Acme", "acme.corp", "acme_corp", "acmé", "acme corp", "acme-"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				id := tenants[(g+i)%len(tenants)]
				c, err := p.Retrieve(tenantCtx(t, id))
				var got string
				if err == nil {
					got = c.AccessKeyID
				}
				if err != nil || got != accessKey(id) {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("tenant %q: key %q, err %v", id, got, err))
					mu.Unlock()
				}
				if i%5 == 0 {
					p.Forget(tenants[(g+i+1)%len(tenants)])
				}
			}
		}()
	}
	wg.Wait()
	for _, s := range failures {
		t.Error(s)
	}
	if f.calls() <= len(tenants) {
		t.Errorf("%d STS calls for %d tenants: no entry was evicted and fetched again, the race did not happen", f.calls(), len(tenants))
	}
	if n := p.Len(); n > 2 {
		t.Errorf("Len = %d after the race; want at most MaxTenants 2", n)
	}
	// Every STS request carried, as its tag, a tenant of the list, with a
	// session name of that tenant.
	for i := range f.calls() {
		form := f.request(i)
		tag := form.Get("Tags.member.1.Value")
		if form.Get("RoleSessionName") != tenantcreds.SessionName(tag) {
			t.Errorf("request %d: session name %q for tag %q", i, form.Get("RoleSessionName"), tag)
		}
	}
}

// TestAttackSessionNames: tenants that differ only in characters a
// session name cannot hold get distinct session names (CloudTrail tells
// them apart), and every name fits STS's limits.
func TestAttackSessionNames(t *testing.T) {
	seen := map[string]string{}
	for _, id := range []string{"acme corp", "acme_corp", "acme/corp", "acmé", "acm\u00e9", "acme\u0301", "ACME", "acme",
		"acme-corp", "\u0430cme", "x\U0001F600", "x\U0001F601",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"} {
		if tenantcreds.CheckTenant(id) != nil {
			continue
		}
		n := tenantcreds.SessionName(id)
		if len(n) < 2 || len(n) > tenantcreds.MaxSessionNameLen {
			t.Errorf("SessionName(%q) = %q: length %d", id, n, len(n))
		}
		if other, dup := seen[n]; dup && other != id {
			t.Errorf("tenants %q and %q share session name %q", other, id, n)
		}
		seen[n] = id
	}
}

// TestAttackContexts: contexts that are not one valid tenant get no
// credentials and make no STS call.
func TestAttackContexts(t *testing.T) {
	f := newFakeSTS(t)
	p := newProvider(t, f)
	op, err := tenantctx.AsOperator(context.Background(), "attack")
	if err != nil {
		t.Fatal(err)
	}
	for name, ctx := range map[string]context.Context{
		"no tenant":                   context.Background(),
		"operator, no operator creds": op,
		"raw string value":            context.WithValue(context.Background(), "tenant", "acme"),
	} {
		if _, err := p.Retrieve(ctx); err == nil {
			t.Errorf("%s: credentials given", name)
		}
	}
	if _, err := p.Retrieve(op); !errors.Is(err, tenantcreds.ErrOperatorRefused) {
		t.Errorf("operator: %v; want ErrOperatorRefused", err)
	}
	if _, err := p.For("acme#x"); err == nil {
		t.Error("For(acme#x) succeeded")
	}
	if f.calls() != 0 {
		t.Errorf("%d STS calls; want none", f.calls())
	}
}
