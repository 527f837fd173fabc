package route_test

import (
	"context"
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

// heldTables are memory tables whose backends hold every Put until
// release is closed or the Put's context ends: a write kept in flight (a
// stalled connection, retries). Released, the Put is applied; ended, it
// is not, as the SDK does not send a request whose context is done.
type heldTables struct {
	route.Tables
	release chan struct{}
}

type heldBackend struct {
	backend.Backend
	release chan struct{}
}

func (h heldTables) Open(ctx context.Context, table string) (backend.Backend, error) {
	b, err := h.Tables.Open(ctx, table)
	if err != nil {
		return nil, err
	}
	return heldBackend{b, h.release}, nil
}

func (b heldBackend) Put(ctx context.Context, in backend.PutInput) error {
	select {
	case <-b.release:
		return b.Backend.Put(context.WithoutCancel(ctx), in)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestPlainWriteTimeout: a Router gives up an unfenced write after its
// catalog's WriteTimeout (the error says so and wraps
// context.DeadlineExceeded; nothing is written), keeps the caller's
// shorter deadline as the caller's, and with a WriteTimeout below zero
// waits as long as the write takes.
func TestPlainWriteTimeout(t *testing.T) {
	newRouter := func(t *testing.T, timeout time.Duration) (*route.Router, backend.Backend, chan struct{}) {
		pool := memory.New()
		release := make(chan struct{})
		cat, err := route.NewCatalog(pool, func(o *route.CatalogOptions) { o.WriteTimeout = timeout })
		require.NoError(t, err)
		r, err := route.New(cat, heldTables{route.NewMemoryTables(pool, "silo-{tenant}"), release})
		require.NoError(t, err)
		return r, pool, release
	}
	put := func(ctx context.Context, r *route.Router, sk string) error {
		return r.Put(ctx, backend.PutInput{Item: item("tenant#a", sk)})
	}

	t.Run("bounded", func(t *testing.T) {
		r, pool, _ := newRouter(t, 100*time.Millisecond)
		assert.Equal(t, 100*time.Millisecond, r.Catalog().WriteTimeout())
		start := time.Now()
		err := put(t.Context(), r, "u#1")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "WriteTimeout")
		assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
		assert.False(t, has(t, pool, key("tenant#a", "u#1")))
		assert.NoError(t, t.Context().Err())
	})
	t.Run("the caller's deadline first", func(t *testing.T) {
		r, pool, _ := newRouter(t, time.Hour)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		err := put(ctx, r, "u#1")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotContains(t, err.Error(), "WriteTimeout", "the caller's own deadline")
		assert.False(t, has(t, pool, key("tenant#a", "u#1")))
	})
	t.Run("unbounded", func(t *testing.T) {
		r, pool, release := newRouter(t, -1)
		assert.Zero(t, r.Catalog().WriteTimeout())
		time.AfterFunc(200*time.Millisecond, func() { close(release) })
		require.NoError(t, put(t.Context(), r, "u#1"))
		assert.True(t, has(t, pool, key("tenant#a", "u#1")))
	})
	t.Run("the longest bound does not wrap around", func(t *testing.T) {
		r, pool, release := newRouter(t, math.MaxInt64)
		time.AfterFunc(50*time.Millisecond, func() { close(release) })
		require.NoError(t, put(t.Context(), r, "u#1"))
		assert.True(t, has(t, pool, key("tenant#a", "u#1")))
	})
	t.Run("default", func(t *testing.T) {
		cat, err := route.NewCatalog(memory.New())
		require.NoError(t, err)
		assert.Equal(t, route.DefaultWriteTimeout, cat.WriteTimeout())
	})
	t.Run("a fast write is not touched", func(t *testing.T) {
		r, pool, release := newRouter(t, time.Second)
		close(release)
		require.NoError(t, put(t.Context(), r, "u#2"))
		assert.True(t, has(t, pool, key("tenant#a", "u#2")))
	})
}

// slowTxTables are memory tables whose backends apply a transaction, then
// take slow longer to answer, and fail every Get.
type slowTxTables struct {
	*route.MemoryTables
	slow time.Duration
}

type slowTxBackend struct {
	backend.Backend
	slow time.Duration
}

func (s slowTxTables) Open(ctx context.Context, table string) (backend.Backend, error) {
	b, err := s.MemoryTables.Open(ctx, table)
	if err != nil {
		return nil, err
	}
	return slowTxBackend{b, s.slow}, nil
}

func (b slowTxBackend) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	err := b.Backend.TransactWrite(context.WithoutCancel(ctx), in)
	time.Sleep(b.slow)
	return err
}

func (b slowTxBackend) Get(context.Context, backend.GetInput) (backend.Item, error) {
	return nil, backend.ErrThrottled
}

// TestAppliedUpdateNotGivenUp: a fenced Update that was applied, but whose
// item could not be read back, and that ended past the WriteTimeout, still
// says it was applied (kind unknown): not that it was given up and may not
// have been, which would invite a retry that applies it twice.
func TestAppliedUpdateNotGivenUp(t *testing.T) {
	pool := memory.New()
	tables := slowTxTables{route.NewMemoryTables(pool, "silo-{tenant}"), 150 * time.Millisecond}
	f := newFixtureOn(t, pool, tables, "silo-x")
	cat, err := route.NewCatalog(pool, func(o *route.CatalogOptions) { o.MaxStale, o.WriteTimeout = -1, 50*time.Millisecond })
	require.NoError(t, err)
	r, err := route.New(cat, tables)
	require.NoError(t, err)
	require.NoError(t, pool.Put(t.Context(), backend.PutInput{Item: item("tenant#a", "u#1", "v", "1")}))
	f.startMove(t, "a", route.PhaseCopy)

	_, err = r.Update(t.Context(), backend.UpdateInput{Key: key("tenant#a", "u#1"),
		Expr: expr(t, expression.NewBuilder().WithUpdate(expression.Set(expression.Name("v"), expression.Value("2"))))})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "was applied")
	assert.NotContains(t, err.Error(), "given up")
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, backend.KindUnknown, backend.KindOf(err))
	got, err := pool.Get(t.Context(), backend.GetInput{Key: key("tenant#a", "u#1"), ConsistentRead: true})
	require.NoError(t, err)
	assert.Equal(t, s("2"), got["v"], "applied")
}
