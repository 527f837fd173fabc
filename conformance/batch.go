package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/repo"
)

func caseBatchRoundTripThousand(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	const n = 1000
	orders := make([]order, n)
	ids := make([]string, n)
	for i := range orders {
		ids[i] = fmt.Sprintf("o%04d", (i*7919)%n) // not in key order
		orders[i] = order{ID: ids[i], UserID: "u", Amount: int64(i)}
	}
	require.NoError(t, h.orders.BatchPut(ctx, orders))

	missing := []string{"nope-1", "nope-2"}
	found, notFound, err := h.orders.BatchGet(ctx, append(slices.Clone(ids), missing...))
	require.NoError(t, err)
	require.Equal(t, orders, found, "every entity, in the order asked")
	assert.Equal(t, missing, notFound)

	// Another tenant's batch get sees none of them.
	found, notFound, err = h.orders.BatchGet(h.ctx(t, "globex"), ids[:150])
	require.NoError(t, err)
	assert.Empty(t, found)
	assert.Len(t, notFound, 150)

	require.NoError(t, h.orders.BatchDelete(ctx, append(slices.Clone(ids[:600]), "never-existed")))
	found, _, err = h.orders.BatchGet(ctx, ids, repo.ConsistentRead)
	require.NoError(t, err)
	assert.Len(t, found, n-600)
	page, err := h.orders.List(ctx, repo.WithLimit(repo.MaxPageSize))
	require.NoError(t, err)
	assert.Len(t, page.Items, n-600)
}

func caseBatchBadInputWritesNothing(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.orders.Create(ctx, order{ID: "keep", Amount: 1})
	require.NoError(t, err)
	many := func(extra ...order) []order {
		out := make([]order, 0, 60)
		for i := range 60 {
			out = append(out, order{ID: fmt.Sprintf("b%02d", i), Amount: 2})
		}
		return append(out, extra...)
	}
	h.unchanged(t, func() {
		require.ErrorIs(t, h.orders.BatchPut(ctx, many(order{ID: "b07"})), repo.ErrInvalidArgument, "an ID twice")
		require.ErrorIs(t, h.orders.BatchPut(ctx, many(order{ID: "a#b"})), repo.ErrInvalidID)
		require.ErrorIs(t, h.orders.BatchPut(ctx, many(order{})), repo.ErrInvalidID)
		require.ErrorIs(t, h.orders.BatchDelete(ctx, []string{"keep", "x", "keep"}), repo.ErrInvalidArgument)
		require.ErrorIs(t, h.orders.BatchDelete(ctx, []string{"keep", ""}), repo.ErrInvalidID)
		big := make([]blob, 30)
		for i := range big {
			big[i] = blob{ID: fmt.Sprint(i)}
		}
		big[29].Data = []byte(strings.Repeat("x", 400*1024))
		require.ErrorIs(t, h.blobs.BatchPut(ctx, big), repo.ErrItemTooLarge)
		require.ErrorIs(t, h.counters.BatchPut(ctx, []counter{{ID: "c"}}), repo.ErrInvalidArgument, "versioned types")
		_, _, err := h.orders.BatchGet(ctx, []string{"keep", "keep"})
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
	})
	// Empty batches are fine and do nothing.
	require.NoError(t, h.orders.BatchPut(ctx, nil))
	found, missing, err := h.orders.BatchGet(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, found)
	assert.Empty(t, missing)
}
