package repo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// ctxSpy is a backend over another that records, for every request, the
// tenant its context carries as package tenantctx reads it ("!" when it
// cannot be read): what a limiter charges and what per-tenant credentials
// sign for.
type ctxSpy struct {
	backend.Backend
	mu      sync.Mutex
	tenants []string
}

func (s *ctxSpy) saw(ctx context.Context) {
	id, err := tenantctx.FromContext(ctx)
	if err != nil {
		id = "!"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenants = append(s.tenants, id)
}

func (s *ctxSpy) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	s.saw(ctx)
	return s.Backend.Get(ctx, in)
}

func (s *ctxSpy) Put(ctx context.Context, in backend.PutInput) error {
	s.saw(ctx)
	return s.Backend.Put(ctx, in)
}

func (s *ctxSpy) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	s.saw(ctx)
	return s.Backend.Update(ctx, in)
}

func (s *ctxSpy) Delete(ctx context.Context, in backend.DeleteInput) error {
	s.saw(ctx)
	return s.Backend.Delete(ctx, in)
}

func (s *ctxSpy) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	s.saw(ctx)
	return s.Backend.Query(ctx, in)
}

func (s *ctxSpy) BatchGet(ctx context.Context, in backend.BatchGetInput) (backend.BatchGetOutput, error) {
	s.saw(ctx)
	return s.Backend.BatchGet(ctx, in)
}

func (s *ctxSpy) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	s.saw(ctx)
	return s.Backend.BatchWrite(ctx, in)
}

func (s *ctxSpy) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	s.saw(ctx)
	return s.Backend.TransactWrite(ctx, in)
}

func (s *ctxSpy) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants
	s.tenants = nil
	return t
}

// everyKey answers every key with v: a context that a check of unowned keys
// refuses.
type everyKey struct {
	context.Context
	v any
}

func (c everyKey) Value(any) any { return c.v }

// swapObserver's Start returns what its swap makes of the call's context.
type swapObserver struct {
	swap  func(ctx context.Context) context.Context
	ended int
}

func (o *swapObserver) Start(ctx context.Context, _ *repo.Call) context.Context { return o.swap(ctx) }
func (o *swapObserver) End(context.Context, *repo.Call)                         { o.ended++ }

// TestAttack14ObserverCannotActForAnotherTenant: an observer whose Start
// returns a context naming another tenant (or one whose tenant cannot be
// read, or none) does not make the call's requests be made for that
// tenant: each request's context carries the tenant the call began with,
// so a limiter charges it, and per-tenant credentials sign for it.
func TestAttack14ObserverCannotActForAnotherTenant(t *testing.T) {
	swaps := map[string]func(ctx context.Context) context.Context{
		"another tenant": func(ctx context.Context) context.Context {
			return tenantctx.MustWithTenant(ctx, "globex")
		},
		"no tenant": func(context.Context) context.Context { return context.Background() },
		"every key": func(ctx context.Context) context.Context { return everyKey{ctx, "globex"} },
		"operator": func(context.Context) context.Context {
			op, err := tenantctx.AsOperator(context.Background(), "observer")
			if err != nil {
				panic(err)
			}
			return op
		},
	}
	for name, swap := range swaps {
		t.Run(name, func(t *testing.T) {
			sp := &ctxSpy{Backend: memory.New()}
			obs := &swapObserver{swap: swap}
			gadgets := repo.MustNew[Gadget](sp, func(o *repo.Options) { o.Observer = obs })
			ctx := tenantctx.MustWithTenant(context.Background(), "acme")

			_, err := gadgets.Put(ctx, Gadget{ID: "1", Group: "g", At: "1"})
			require.NoError(t, err)
			_, err = gadgets.Get(ctx, "1")
			require.NoError(t, err)
			_, err = gadgets.List(ctx)
			require.NoError(t, err)
			_, err = gadgets.Index("by-group").Query(ctx, "g")
			require.NoError(t, err)
			_, _, err = gadgets.BatchGet(ctx, []string{"1"})
			require.NoError(t, err)
			require.NoError(t, gadgets.BatchPut(ctx, []Gadget{{ID: "2"}}))
			require.NoError(t, repo.Transact(ctx, gadgets.TxDelete("2")))
			require.NoError(t, gadgets.Delete(ctx, "1"))

			seen := sp.take()
			require.Len(t, seen, 8)
			for i, id := range seen {
				assert.Equal(t, "acme", id, "request %d was made for another tenant", i)
			}
			assert.Equal(t, 8, obs.ended)
		})
	}
}

// TestAttack14ObserverCannotLendATenant: a call whose own context has no
// tenant fails with ErrNoTenant, sends nothing, even when the observer's
// Start adds a tenant.
func TestAttack14ObserverCannotLendATenant(t *testing.T) {
	sp := &ctxSpy{Backend: memory.New()}
	obs := &swapObserver{swap: func(ctx context.Context) context.Context {
		return tenantctx.MustWithTenant(ctx, "globex")
	}}
	gadgets := repo.MustNew[Gadget](sp, func(o *repo.Options) { o.Observer = obs })
	_, err := gadgets.Get(context.Background(), "1")
	require.ErrorIs(t, err, repo.ErrNoTenant)
	_, err = gadgets.Put(context.Background(), Gadget{ID: "1"})
	require.ErrorIs(t, err, repo.ErrNoTenant)
	require.ErrorIs(t, repo.Transact(context.Background(), gadgets.TxDelete("1")), repo.ErrNoTenant)
	assert.Empty(t, sp.take())
}

// typedNilThrottle is a backend whose every request fails with a nil
// *backend.ThrottledError in an error interface: a custom backend's
// mistake.
type typedNilThrottle struct{ backend.Backend }

func (typedNilThrottle) Get(context.Context, backend.GetInput) (backend.Item, error) {
	var e *backend.ThrottledError
	return nil, e
}

// TestAttack14TypedNilThrottle: a typed-nil *backend.ThrottledError neither
// panics the repository's error handling nor RetryAfter: it is a throttle
// that does not say how long to wait.
func TestAttack14TypedNilThrottle(t *testing.T) {
	var e *backend.ThrottledError
	var err error = e
	require.NotPanics(t, func() {
		d, ok := repo.RetryAfter(err)
		assert.False(t, ok)
		assert.Zero(t, d)
		d, ok = repo.RetryAfter(errors.Join(errors.New("x"), err))
		assert.False(t, ok)
		assert.Zero(t, d)
	})
	gadgets := repo.MustNew[Gadget](typedNilThrottle{memory.New()})
	require.NotPanics(t, func() {
		_, err = gadgets.Get(tenantctx.MustWithTenant(context.Background(), "acme"), "1")
		require.ErrorIs(t, err, repo.ErrThrottled)
		assert.NotEmpty(t, err.Error())
		_, ok := repo.RetryAfter(err)
		assert.False(t, ok)
	})
}

// flipping answers tenantctx's tenant key, found by its type's name, with
// the next of its tenants at each ask, round and round: a context whose
// tenant changes between the reads of one call, or of one iteration.
type flipping struct {
	context.Context
	mu      sync.Mutex
	tenants []string
	n       int
}

func (c *flipping) Value(k any) any {
	if fmt.Sprintf("%T", k) == "tenantctx.key" {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.n++
		return c.tenants[(c.n-1)%len(c.tenants)]
	}
	return c.Context.Value(k)
}

// TestAttack14FlippingContext: a context that names another tenant at each
// read cannot make one call read or write two tenants' data: every request
// of a call names one partition, every entity All yields is the tenant's
// of the page it is on, and a page read for the other tenant with the
// first tenant's cursor fails (ErrInvalidCursor) instead of reading on.
func TestAttack14FlippingContext(t *testing.T) {
	sp := &spy{Backend: memory.New()}
	gadgets := repo.MustNew[Gadget](sp)
	for _, tenant := range []string{"acme", "globex"} {
		ctx := tenantctx.MustWithTenant(context.Background(), tenant)
		for i := range 5 {
			_, err := gadgets.Put(ctx, Gadget{ID: fmt.Sprint("g", i), Group: "g", At: fmt.Sprint(i), Note: tenant})
			require.NoError(t, err)
		}
	}
	sp.keys()
	ctx := &flipping{Context: context.Background(), tenants: []string{"acme", "globex"}}
	var notes []string
	var iterErr error
	for g, err := range gadgets.All(ctx, repo.WithLimit(2)) {
		if err != nil {
			iterErr = err
			break
		}
		notes = append(notes, g.Note)
	}
	require.ErrorIs(t, iterErr, repo.ErrInvalidCursor, "the second page, read for globex with acme's cursor")
	assert.Equal(t, []string{"acme", "acme"}, notes)

	_, _, err := gadgets.BatchGet(ctx, []string{"g0", "g1", "g2"})
	require.NoError(t, err)
	require.NoError(t, gadgets.BatchPut(ctx, []Gadget{{ID: "x1"}, {ID: "x2"}}))
	require.NoError(t, repo.Transact(ctx, gadgets.TxPut(Gadget{ID: "y1"}), gadgets.TxPut(Gadget{ID: "y2"})))
	// Each call's requests named one tenant's partition.
	pks := sp.keys()
	require.Len(t, pks, 1+3+2+2) // All's first page (the second failed unsent), BatchGet, BatchPut, Transact
	for _, group := range [][]string{pks[0:1], pks[1:4], pks[4:6], pks[6:8]} {
		for _, pk := range group {
			assert.Equal(t, group[0], pk, "one call named two partitions: %v", pks)
		}
	}
}

// cancelling is a backend whose Get cancels the caller's context (cancel)
// and then reports what the request's context says of it.
type cancelling struct {
	backend.Backend
	cancel context.CancelFunc
	errs   []error
}

func (c *cancelling) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	if c.cancel != nil {
		c.cancel()
	}
	c.errs = append(c.errs, ctx.Err())
	return c.Backend.Get(ctx, in)
}

// TestAttack14ObserverCannotCancel: an observer whose Start returns a
// context already canceled, or past its deadline, does not stop the call
// (an observer cannot change what a call does); one that returns a
// context without the caller's cancellation does not keep the call going
// once the caller cancels.
func TestAttack14ObserverCannotCancel(t *testing.T) {
	for name, swap := range map[string]func(ctx context.Context) context.Context{
		"canceled": func(ctx context.Context) context.Context {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return c
		},
		"past deadline": func(ctx context.Context) context.Context {
			c, cancel := context.WithTimeout(ctx, -1)
			_ = cancel
			return c
		},
	} {
		obs := &swapObserver{swap: swap}
		gadgets := repo.MustNew[Gadget](memory.New(), func(o *repo.Options) { o.Observer = obs })
		ctx := tenantctx.MustWithTenant(context.Background(), "acme")
		_, err := gadgets.Put(ctx, Gadget{ID: "1"})
		require.NoError(t, err, name)
		_, err = gadgets.Get(ctx, "1")
		require.NoError(t, err, name)
	}

	obs := &swapObserver{swap: context.WithoutCancel}
	sp := &cancelling{Backend: memory.New()}
	gadgets := repo.MustNew[Gadget](sp, func(o *repo.Options) { o.Observer = obs })
	ctx, cancel := context.WithCancel(tenantctx.MustWithTenant(context.Background(), "acme"))
	sp.cancel = cancel
	_, err := gadgets.Get(ctx, "1")
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, sp.errs, 1)
	assert.ErrorIs(t, sp.errs[0], context.Canceled, "the request's context kept the caller's cancellation")
}
