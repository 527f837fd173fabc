package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/repo"
)

func caseExpiryExpiredIsAbsent(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	future := time.Now().Add(time.Hour).Truncate(time.Second)
	for _, s := range []session{
		{ID: "expired", Data: "old", ExpiresAt: past},
		{ID: "live", Data: "new", ExpiresAt: future},
		{ID: "forever", Data: "no expiry"},
	} {
		_, err := h.sessions.Put(ctx, s)
		require.NoError(t, err)
	}
	_, err := h.sessions.Get(ctx, "expired")
	require.ErrorIs(t, err, repo.ErrNotFound)
	live, err := h.sessions.Get(ctx, "live", repo.ConsistentRead)
	require.NoError(t, err)
	assert.True(t, future.Equal(live.ExpiresAt), "expiry round-trips: %v", live.ExpiresAt)
	_, err = h.sessions.Get(ctx, "forever")
	require.NoError(t, err)

	page, err := h.sessions.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"forever", "live"}, ids(page.Items))
	found, missing, err := h.sessions.BatchGet(ctx, []string{"expired", "live"})
	require.NoError(t, err)
	assert.Equal(t, []string{"live"}, ids(found))
	assert.Equal(t, []string{"expired"}, missing)

	// Writes treat it as absent too: update and conditional delete
	// find nothing, and create takes its place.
	h.unchanged(t, func() {
		_, err = h.sessions.Update(ctx, session{ID: "expired", Data: "x"}, []string{"data"})
		require.ErrorIs(t, err, repo.ErrNotFound)
	})
	s, err := h.sessions.Create(ctx, session{ID: "expired", Data: "reborn", ExpiresAt: future})
	require.NoError(t, err)
	assert.Equal(t, "reborn", s.Data)
	_, err = h.sessions.Create(ctx, session{ID: "live"})
	require.ErrorIs(t, err, repo.ErrAlreadyExists)
}

func caseExpiryNoEmptyPagesMidway(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	past := time.Now().Add(-time.Hour)
	// Nine expired sessions, then one live: with pages of 2, the first
	// pages DynamoDB reads are all expired.
	for i := range 9 {
		_, err := h.sessions.Put(ctx, session{ID: fmt.Sprintf("a%d", i), ExpiresAt: past})
		require.NoError(t, err)
	}
	_, err := h.sessions.Put(ctx, session{ID: "b", ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	page, err := h.sessions.List(ctx, repo.WithLimit(2), repo.ConsistentRead)
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, ids(page.Items), "the first page skips the expired ones")
	var all []string
	for s, err := range h.sessions.All(ctx, repo.WithLimit(3)) {
		require.NoError(t, err)
		all = append(all, s.ID)
	}
	assert.Equal(t, []string{"b"}, all)
}
