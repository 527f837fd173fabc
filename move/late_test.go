package move

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
)

// heldTables are tables whose backends hold every Put (with holdTx,
// every TransactWrite instead) until release is closed or the write's
// context ends: a write kept in flight (a stalled connection, the SDK's
// retries). Released, the write is applied; ended, it is not, as the SDK
// sends no request whose context is done. With lastMoment set, a write
// whose context has a deadline is applied instead just before it (20 ms)
// whatever its context does meanwhile: the latest a write the router
// bounds can land. entered receives once a write is held.
type heldTables struct {
	route.Tables
	release    chan struct{}
	lastMoment bool
	holdTx     bool
	entered    chan struct{}
}

type heldBackend struct {
	backend.Backend
	h heldTables
}

func (h heldTables) Open(ctx context.Context, table string) (backend.Backend, error) {
	b, err := h.Tables.Open(ctx, table)
	if err != nil {
		return nil, err
	}
	return heldBackend{b, h}, nil
}

// hold holds a write made in ctx, and reports whether to apply it.
func (b heldBackend) hold(ctx context.Context) bool {
	select {
	case b.h.entered <- struct{}{}:
	default:
	}
	if dl, ok := ctx.Deadline(); ok && b.h.lastMoment {
		time.Sleep(time.Until(dl) - 20*time.Millisecond)
		return true
	}
	select {
	case <-b.h.release:
		return true
	case <-ctx.Done():
		return false
	}
}

func (b heldBackend) Put(ctx context.Context, in backend.PutInput) error {
	if !b.h.holdTx && !b.hold(ctx) {
		return ctx.Err()
	}
	return b.Backend.Put(context.WithoutCancel(ctx), in)
}

func (b heldBackend) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	if b.h.holdTx && !b.hold(ctx) {
		return ctx.Err()
	}
	return b.Backend.TransactWrite(context.WithoutCancel(ctx), in)
}

// TestLatePlainWrite: a router that has not seen the move yet sends an
// unfenced Put, which stays in flight while the tenant moves. With the
// catalogs' WriteTimeout (the default bounds it), the router gives the
// Put up before the move copies: the caller gets an error, and the move
// carries every write that was acknowledged. A Put that lands at the last
// moment of its bound, a second (longer than MaxStale and Settle, and than
// the copy and catch-up take), is acknowledged and moves with the tenant:
// the move waits the bound out before it fences the source. Without the bound (a WriteTimeout below zero), the
// Put lands in the source after the move and is acknowledged, yet the
// tenant's table does not hold it: the loss the bound prevents.
func TestLatePlainWrite(t *testing.T) {
	for _, tc := range []struct {
		name       string
		timeout    time.Duration
		lastMoment bool
	}{
		{"bounded", testWriteTimeout("memory"), false},
		{"bounded, landing at the last moment", time.Second, true},
		{"unbounded", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "memory", 0, time.Second)
			catalog := func() *route.Catalog {
				c, err := route.NewCatalog(e.tables.Pool(), func(o *route.CatalogOptions) {
					o.MaxStale, o.WriteTimeout = testMaxStale, tc.timeout
				})
				require.NoError(t, err)
				return c
			}
			e.cat = catalog()
			release := make(chan struct{})
			t.Cleanup(func() {
				select {
				case <-release:
				default:
					close(release)
				}
			})
			entered := make(chan struct{}, 1)
			held, err := route.New(catalog(), heldTables{Tables: e.tables, release: release, lastMoment: tc.lastMoment, entered: entered})
			require.NoError(t, err)
			seeds := seed(t, e, moving, 3)
			recs := repo.MustNew[Rec](held)
			_, err = recs.Get(tctx(moving), "s-00000") // the router caches the placement: no move
			require.NoError(t, err)

			late := make(chan error, 1)
			go func() {
				_, err := recs.Put(tctx(moving), Rec{ID: "late", Owner: moving})
				late <- err
			}()
			<-entered // sent unfenced, on the placement the router cached
			_, err = Run(context.Background(), e.config(), moving, e.silo, testOptions()...)
			require.NoError(t, err)
			e.requirePlacement(t, moving, e.silo)

			switch {
			case tc.lastMoment:
				require.NoError(t, <-late, "acknowledged")
				_, err := repo.MustNew[Rec](e.table(t, e.silo)).Get(tctx(moving), "late")
				require.NoError(t, err, "and moved with the tenant")
				require.Len(t, partition(t, e.table(t, e.silo), moving), len(seeds)+1)
				e.requireEmpty(t, "", moving)
			case tc.timeout > 0:
				select {
				case err := <-late:
					require.ErrorIs(t, err, context.DeadlineExceeded, "given up, not acknowledged")
				case <-time.After(10 * time.Second):
					t.Fatal("the late Put did not end")
				}
				require.Len(t, partition(t, e.table(t, e.silo), moving), len(seeds))
				e.requireEmpty(t, "", moving)
			default:
				close(release)
				require.NoError(t, <-late, "acknowledged")
				require.NotEmpty(t, partition(t, e.table(t, ""), moving), "it landed in the source, after the move")
				require.Len(t, partition(t, e.table(t, e.silo), moving), len(seeds), "and the tenant's table does not hold it")
			}
		})
	}
}

// TestLateFencedWrite: a router sends a fenced write (a transaction with
// the fence check) as the move starts its pause, and the write stays in
// flight until the last moment of its 1 s bound, after the switch. Its
// fence check then fails, since the move waits the bound out after the
// switch before it deletes the fence items; the router sends the write to
// the tenant's new table, and it is there. (Were the fence items deleted
// first, the check would pass, and the write land in the source after the
// move, acknowledged and lost.)
func TestLateFencedWrite(t *testing.T) {
	e := newEnv(t, "memory", 0, 5*time.Second)
	catalog := func(maxStale time.Duration) *route.Catalog {
		c, err := route.NewCatalog(e.tables.Pool(), func(o *route.CatalogOptions) {
			o.MaxStale, o.WriteTimeout = maxStale, time.Second
		})
		require.NoError(t, err)
		return c
	}
	e.cat = catalog(testMaxStale)
	entered := make(chan struct{}, 1)
	held, err := route.New(catalog(-1), heldTables{Tables: e.tables, release: make(chan struct{}), lastMoment: true, holdTx: true, entered: entered},
		func(o *route.Options) { o.PauseWait = 5 * time.Second })
	require.NoError(t, err)
	seeds := seed(t, e, moving, 3)
	recs := repo.MustNew[Rec](held)

	late := make(chan error, 1)
	var once sync.Once
	onPause := func(p Progress) {
		if p.Phase == route.PhasePause {
			once.Do(func() {
				go func() {
					_, err := recs.Put(tctx(moving), Rec{ID: "late", Owner: moving})
					late <- err
				}()
				<-entered // sent fenced, before the fence items exist
			})
		}
	}
	_, err = Run(context.Background(), e.config(), moving, e.silo, testOptions(WithProgress(onPause))...)
	require.NoError(t, err)
	require.NoError(t, <-late, "acknowledged")
	_, err = repo.MustNew[Rec](e.table(t, e.silo)).Get(tctx(moving), "late")
	require.NoError(t, err, "in the tenant's table")
	require.Len(t, partition(t, e.table(t, e.silo), moving), len(seeds)+1)
	e.requireEmpty(t, "", moving)
}
