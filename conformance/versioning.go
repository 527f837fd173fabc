package conformance

import (
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/repo"
)

func caseVersioningStaleCopiesConflict(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	c, err := h.counters.Create(ctx, counter{ID: "c", Count: 1, Version: 99})
	require.NoError(t, err)
	assert.Equal(t, int64(1), c.Version, "create sets version 1, whatever the copy says")

	stale := c
	c.Count = 2
	c, err = h.counters.Put(ctx, c)
	require.NoError(t, err)
	assert.Equal(t, int64(2), c.Version)

	h.unchanged(t, func() {
		stale.Count = 100
		_, err = h.counters.Put(ctx, stale)
		require.ErrorIs(t, err, repo.ErrConflict, "put from a stale copy")
		_, err = h.counters.Update(ctx, stale, []string{"count"})
		require.ErrorIs(t, err, repo.ErrConflict, "update from a stale copy")
		require.ErrorIs(t, h.counters.Delete(ctx, "c", repo.IfVersion(1)), repo.ErrConflict, "delete of a stale version")
		_, err = h.counters.UpdateExpr(ctx, "c", expression.Add(expression.Name("count"), expression.Value(1)), repo.IfVersion(1))
		require.ErrorIs(t, err, repo.ErrConflict)
		_, err = h.counters.Put(ctx, counter{ID: "c", Count: 5})
		require.ErrorIs(t, err, repo.ErrConflict, "version 0 means new, and c exists")
		_, err = h.counters.Put(ctx, counter{ID: "gone", Count: 5, Version: 3})
		require.ErrorIs(t, err, repo.ErrConflict, "a copy of an entity that no longer exists")
		_, err = h.counters.Update(ctx, counter{ID: "gone", Version: 3}, []string{"count"})
		require.ErrorIs(t, err, repo.ErrNotFound)
		require.ErrorIs(t, h.counters.Delete(ctx, "gone", repo.IfVersion(3)), repo.ErrNotFound)
		_, err = h.counters.Update(ctx, c, []string{"version"})
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "the library owns the version")
		_, err = h.counters.UpdateExpr(ctx, "c", expression.Set(expression.Name("version"), expression.Value(7)))
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "the library owns the version")
	})

	// Fresh copies go through, and every write moves the version on.
	c.Count = 3
	c, err = h.counters.Update(ctx, c, []string{"count"})
	require.NoError(t, err)
	assert.Equal(t, counter{ID: "c", Count: 3, Version: 3}, c)
	c, err = h.counters.UpdateExpr(ctx, "c", expression.Add(expression.Name("count"), expression.Value(10)))
	require.NoError(t, err)
	assert.Equal(t, counter{ID: "c", Count: 13, Version: 4}, c)
	c, err = h.counters.UpdateExpr(ctx, "c", expression.Add(expression.Name("count"), expression.Value(1)), repo.IfVersion(4))
	require.NoError(t, err)
	assert.Equal(t, int64(5), c.Version)
	require.NoError(t, h.counters.Delete(ctx, "c", repo.IfVersion(5)))
	_, err = h.counters.Get(ctx, "c")
	require.ErrorIs(t, err, repo.ErrNotFound)

	// Version 0 creates through Put.
	n, err := h.counters.Put(ctx, counter{ID: "n", Count: 1})
	require.NoError(t, err)
	assert.Equal(t, int64(1), n.Version)
}

func caseVersioningConcurrentCounter(t *testing.T, h *harness) {
	// 8 goroutines each make 50 read-modify-write increments of one
	// counter, retrying on conflict: no increment may be lost.
	ctx := h.ctx(t, "acme")
	_, err := h.counters.Create(ctx, counter{ID: "hits"})
	require.NoError(t, err)
	const workers, each = 8, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conflicts int
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				c, err := h.counters.Get(ctx, "hits", repo.ConsistentRead)
				if err != nil {
					errs <- err
					return
				}
				c.Count++
				_, err = h.counters.Update(ctx, c, []string{"count"})
				switch {
				case errors.Is(err, repo.ErrConflict):
					mu.Lock()
					conflicts++
					mu.Unlock()
				case err != nil:
					errs <- err
					return
				default:
					i++
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	c, err := h.counters.Get(ctx, "hits", repo.ConsistentRead)
	require.NoError(t, err)
	assert.Equal(t, int64(workers*each), c.Count, "every increment counted once")
	assert.Equal(t, int64(workers*each+1), c.Version)
	t.Logf("%d increments, %d conflicts retried", workers*each, conflicts)
}
