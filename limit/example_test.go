package limit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Note is an entity type of the example.
type Note struct {
	ID   string `dynamodbav:"id"`
	Text string `dynamodbav:"text"`
}

func (Note) EntityPrefix() string     { return "note" }
func (n Note) EntityID() string       { return n.ID }
func (n *Note) SetEntityID(id string) { n.ID = id }

func Example() {
	// A fixed clock: the buckets do not fill again while the example runs.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tiers := map[string]limit.Limits{
		"free": {RequestsPerSecond: 2, RequestBurst: 2},
		"paid": {RequestsPerSecond: 100, UnitsPerSecond: 200},
	}
	tierOf := func(tenant string) string {
		if tenant == "acme" {
			return "paid"
		}
		return "free"
	}
	lb, err := limit.New(memory.New(), limit.WithClock(func() time.Time { return now }),
		limit.WithLimits(func(tenant string) limit.Limits { return tiers[tierOf(tenant)] }))
	if err != nil {
		panic(err)
	}
	notes, err := repo.New[Note](lb)
	if err != nil {
		panic(err)
	}
	ctx := tenantctx.MustWithTenant(context.Background(), "hobbyist")
	for i := range 3 {
		_, err := notes.Put(ctx, Note{ID: fmt.Sprint(i), Text: "hello"})
		if errors.Is(err, repo.ErrThrottled) {
			wait, _ := repo.RetryAfter(err)
			var te *backend.ThrottledError
			errors.As(err, &te)
			fmt.Printf("put %d: throttled, tenant %q, retry after %v\n", i, te.Tenant, wait)
			continue
		}
		fmt.Printf("put %d: %v\n", i, err)
	}
	// Output:
	// put 0: <nil>
	// put 1: <nil>
	// put 2: throttled, tenant "hobbyist", retry after 500ms
}
