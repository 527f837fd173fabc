package repo

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// allocUser is the entity of the allocation tests.
type allocUser struct {
	ID    string `dynamodbav:"user_id"`
	Name  string `dynamodbav:"user_name"`
	Email string `dynamodbav:"user_email"`
}

func (allocUser) EntityPrefix() string     { return "user" }
func (u allocUser) EntityID() string       { return u.ID }
func (u *allocUser) SetEntityID(id string) { u.ID = id }

// minAllocs returns the fewest heap allocations one call of f made, over
// 100 calls. Allocations of other goroutines (an HTTP connection's) and
// those of sync.Pool misses (which the race detector makes at random) only
// add, so the least is the call's own count, the same from run to run.
func minAllocs(f func()) uint64 {
	var a, b runtime.MemStats
	least := ^uint64(0)
	for range 100 {
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		least = min(least, b.Mallocs-a.Mallocs)
	}
	return least
}

// allocCalls are Get, Put and a List page of 10 of users, in ctx: through
// the public method (observer nil), and through the path it takes without
// an observer, called directly.
func allocCalls(users *Repository[allocUser], ctx context.Context) map[string][2]func() {
	u := allocUser{ID: "3", Name: "x", Email: "y"}
	return map[string][2]func(){
		"Get": {
			func() { _, _ = users.Get(ctx, "3") },
			func() { _, _ = users.get(ctx, tenantOf(ctx), "3", nil) },
		},
		"Put": {
			func() { _, _ = users.Put(ctx, u) },
			func() {
				_, _ = users.writeAs(ctx, tenantOf(ctx), "put", u.ID, func(t entity.Tenant) (plan, error) {
					return users.planPut(t, u, writeOpts(nil))
				}, &u)
			},
		},
		"List": {
			func() { _, _ = users.List(ctx, WithLimit(10)) },
			func() {
				_, _ = users.query(ctx, tenantOf(ctx), KeyCondition{}, applyPage([]func(*PageOptions){WithLimit(10)}))
			},
		},
	}
}

// allocStore fills b with 20 users and returns their repository.
func allocStore(t *testing.T, b backend.Backend) (*Repository[allocUser], context.Context) {
	users := MustNew[allocUser](b)
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	for _, id := range strings.Split("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19", " ") {
		if _, err := users.Put(ctx, allocUser{ID: id, Name: "n", Email: "e"}); err != nil {
			t.Fatal(err)
		}
	}
	return users, ctx
}

// TestNoObserverAllocatesNothingMore: without an observer a call
// allocates exactly as much as the path it takes without one, called
// directly, on both backends: the observer hook (a nil check) adds no
// allocation, nor makes the compiler move anything of the call to the
// heap. On DynamoDB Local, whose SDK's counts wander by a few allocations
// between runs on a loaded machine, within sdkWander, and without the race
// detector only (with it they wander more).
// TestNoObserverAllocatesAsBefore (observe_test.go) compares the memory
// backend's counts with those before observers existed.
func TestNoObserverAllocatesNothingMore(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		users, ctx := allocStore(t, memory.New())
		for name, f := range allocCalls(users, ctx) {
			if public, direct := minAllocs(f[0]), minAllocs(f[1]); public != direct {
				t.Errorf("%s allocates %d times without an observer, its path %d", name, public, direct)
			}
		}
	})
	t.Run("dynamodb", func(t *testing.T) {
		users, ctx := allocStore(t, dynamotest.NewTable(t))
		wander := uint64(sdkWander)
		if raceOn {
			// The SDK's counts wander further under the race detector.
			wander = 2 * sdkWander
		}
		for name, f := range allocCalls(users, ctx) {
			public, direct := minAllocs(f[0]), minAllocs(f[1])
			t.Logf("%s: %d allocations, its path %d", name, public, direct)
			if public > direct+wander || direct > public+wander {
				t.Errorf("%s allocates %d times without an observer, its path %d", name, public, direct)
			}
		}
	})
}

// sdkWander is how far apart two measurements of one call on DynamoDB
// Local can be on a loaded machine: the SDK's own counts move by a couple
// of allocations (374 and 376 for one Get). The tolerance is no proof
// that nothing is metered, since a metered call on DynamoDB costs 4
// allocations more (its Meter with its context; the request's metered
// context, and the SDK's copies of its options and stack order with the
// attempt counter). The hook's cost is backend-independent and checked
// exactly on the memory backend, and backend/dynamodb's
// TestMeteredOnlyWhenAsked shows that a request without a meter is not
// metered.
const sdkWander = 4
