package route_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/route"
)

// noPanic runs f and turns a panic into a test failure naming what.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("%s panicked: %v", what, p)
		}
	}()
	f()
}

// TestAttack7NilArguments: nil option functions and typed-nil backends or
// tables given to the constructors get an error wrapping
// backend.ErrInvalidArgument, not a panic (now or at the first call), as
// limit.New and move's options already do.
func TestAttack7NilArguments(t *testing.T) {
	pool := memory.New()
	tables := route.NewMemoryTables(pool, "silo-{tenant}")
	noPanic(t, "NewCatalog(pool, nil)", func() {
		_, err := route.NewCatalog(pool, nil)
		assert.ErrorIs(t, err, backend.ErrInvalidArgument)
	})
	cat, err := route.NewCatalog(pool)
	require.NoError(t, err)
	noPanic(t, "New(cat, tables, nil)", func() {
		_, err := route.New(cat, tables, nil)
		assert.ErrorIs(t, err, backend.ErrInvalidArgument)
	})
	noPanic(t, "NewCatalog(typed nil pool)", func() {
		_, err := route.NewCatalog((*memory.Store)(nil))
		assert.ErrorIs(t, err, backend.ErrInvalidArgument)
	})
	noPanic(t, "New(cat, typed nil tables)", func() {
		_, err := route.New(cat, (*route.MemoryTables)(nil))
		assert.ErrorIs(t, err, backend.ErrInvalidArgument)
	})
}

// writeKinds are the five write methods of a Router, each writing the item
// sk of tenant a ("put" and "update" create it; "delete" removes an item
// the test stored first).
var writeKinds = []string{"put", "update", "delete", "batch", "tx"}

func doWrite(ctx context.Context, t *testing.T, r *route.Router, kind, pk, sk string) error {
	switch kind {
	case "put":
		return r.Put(ctx, backend.PutInput{Item: item(pk, sk, "v", "1")})
	case "update":
		_, err := r.Update(ctx, backend.UpdateInput{Key: key(pk, sk),
			Expr: expr(t, expression.NewBuilder().WithUpdate(expression.Set(expression.Name("v"), expression.Value("1"))))})
		return err
	case "delete":
		return r.Delete(ctx, backend.DeleteInput{Key: key(pk, sk)})
	case "batch":
		out, err := r.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: item(pk, sk, "v", "1")}}})
		if err == nil && len(out.Unprocessed) > 0 {
			return errors.New("unprocessed")
		}
		return err
	case "tx":
		return r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxPut, Item: item(pk, sk, "v", "1")}}})
	}
	panic(kind)
}

// TestAttack7WriteTimeoutExtremes: whatever WriteTimeout a catalog is
// given (the shortest bound, none, the most negative, the longest), each
// write kind, fenced or not, either applies and says so, or is given up
// with an error wrapping context.DeadlineExceeded and changes nothing;
// never a panic. A bound of 1 ns gives every write up. Both backends
// answer alike.
func TestAttack7WriteTimeoutExtremes(t *testing.T) {
	type outcome struct {
		ok, deadline, stored bool
	}
	results := map[string]map[string]outcome{}
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t)
		got := map[string]outcome{}
		results[t.Name()[len("TestAttack7WriteTimeoutExtremes/"):]] = got
		for _, d := range []time.Duration{1, -1, math.MinInt64, math.MaxInt64} {
			for _, fenced := range []bool{false, true} {
				cat, err := route.NewCatalog(f.pool, func(o *route.CatalogOptions) { o.MaxStale, o.WriteTimeout = -1, d })
				require.NoError(t, err)
				r, err := route.New(cat, f.tables)
				require.NoError(t, err)
				tenant := fmt.Sprintf("wt%d%v", uint64(d)%1000, fenced)
				pk := "tenant#" + tenant
				if fenced {
					p, err := cat.LookupFresh(t.Context(), tenant)
					require.NoError(t, err)
					p.Move = &route.Move{ID: "m", From: "", To: f.siloName, Phase: route.PhaseCopy}
					_, err = cat.Put(t.Context(), p)
					require.NoError(t, err)
				}
				for _, kind := range writeKinds {
					sk := "n#" + kind
					if kind == "delete" {
						require.NoError(t, f.pool.Put(t.Context(), backend.PutInput{Item: item(pk, sk)}))
					}
					var err error
					noPanic(t, kind, func() { err = doWrite(t.Context(), t, r, kind, pk, sk) })
					stored := has(t, f.pool, key(pk, sk))
					o := outcome{ok: err == nil, deadline: errors.Is(err, context.DeadlineExceeded), stored: stored}
					name := fmt.Sprintf("%v/fenced=%v/%s", d, fenced, kind)
					got[name] = o
					if err != nil {
						require.True(t, o.deadline, "%s: %v", name, err)
						assert.Equal(t, kind == "delete", stored, "%s: a write given up changed nothing", name)
					} else {
						assert.Equal(t, kind != "delete", stored, "%s: the write applied", name)
					}
					if d == 1 {
						assert.True(t, o.deadline, "%s: a bound of 1ns gives the write up: %v", name, err)
					}
					if d < 0 || d == math.MaxInt64 {
						assert.NoError(t, err, name)
					}
				}
			}
		}
	})
	if m, d := results["memory"], results["dynamodb"]; len(m) > 0 && len(d) > 0 {
		assert.Equal(t, m, d, "both backends answer alike")
	}
}

// TestAttack7UnitsMeterThroughRouter: a Router's call metered by a units
// meter (backend.WithUnitsMeter, a limiter's) is charged the same total as
// the same call under a full meter, plain or fenced, on both backends; the
// catalog reads the Router makes for itself are charged to neither.
func TestAttack7UnitsMeterThroughRouter(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t)
		for _, fenced := range []bool{false, true} {
			tenant := fmt.Sprintf("um%v", fenced)
			pk := "tenant#" + tenant
			if fenced {
				f.startMove(t, tenant, route.PhaseCopy)
			}
			for _, kind := range writeKinds {
				var totals [2]backend.Units
				for i, units := range []bool{false, true} {
					sk := fmt.Sprintf("n#%s%v", kind, units)
					if kind == "delete" {
						require.NoError(t, f.pool.Put(t.Context(), backend.PutInput{Item: item(pk, sk, "v", "1")}))
					}
					ctx, m := backend.WithMeter(t.Context())
					if units {
						ctx, m = backend.WithUnitsMeter(t.Context())
						assert.Equal(t, backend.MeteredUnits, backend.MeteringOf(ctx))
					}
					require.NoError(t, doWrite(ctx, t, f.r, kind, pk, sk), kind)
					u := m.Usage()
					totals[i] = u.Capacity.Total()
					assert.GreaterOrEqual(t, u.Requests, 1, kind)
				}
				assert.Equal(t, totals[0], totals[1], "fenced=%v %s: units meter and full meter totals", fenced, kind)
				assert.False(t, totals[0].IsZero(), "fenced=%v %s: charged", fenced, kind)
			}
			// A read: one consistent read unit of a small item, the
			// catalog's read (also consistent) not charged.
			ctx, m := backend.WithUnitsMeter(t.Context())
			_, err := f.r.Get(ctx, backend.GetInput{Key: key(pk, "n#puttrue"), ConsistentRead: true})
			require.NoError(t, err)
			assert.Equal(t, backend.Units{Read: 1}, m.Usage().Capacity.Total(), "fenced=%v: the Get alone", fenced)
		}
	})
}
