package repo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

func concurrency(n int) func(*repo.Options) {
	return func(o *repo.Options) { o.BatchConcurrency = n }
}

func TestBatchConcurrencyRetriesUntilDone(t *testing.T) {
	s := &stingy{Store: memory.New(), maxTake: 7, seen: map[string]int{}}
	users := repo.MustNew[User](s, fast, concurrency(4))
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	var us []User
	var ids []string
	for i := range 1000 {
		us = append(us, User{ID: fmt.Sprintf("%04d", i), Name: fmt.Sprint("n", i)})
		ids = append(ids, us[i].ID)
	}
	require.NoError(t, users.BatchPut(ctx, us))
	assert.Len(t, s.seen, 1000)
	for sk, n := range s.seen {
		assert.Equal(t, 1, n, "%s written %d times", sk, n)
	}
	found, missing, err := users.BatchGet(ctx, append(ids, "x", "y"))
	require.NoError(t, err)
	assert.Equal(t, us, found)
	assert.Equal(t, []string{"x", "y"}, missing)

	require.NoError(t, users.BatchDelete(ctx, ids[:600]))
	found, missing, err = users.BatchGet(ctx, ids)
	require.NoError(t, err)
	assert.Equal(t, us[600:], found)
	assert.Equal(t, ids[:600], missing)
}

func TestBatchConcurrencyReportsWhatWasNotDone(t *testing.T) {
	base := tenantctx.MustWithTenant(context.Background(), "acme")
	var us []User
	var ids []string
	for i := range 300 {
		us = append(us, User{ID: fmt.Sprintf("%04d", i)})
		ids = append(ids, us[i].ID)
	}

	// The store fails from its fifth call on: what it took is Done and
	// stored, the rest NotDone and not stored.
	s := &stingy{Store: memory.New(), maxTake: 25, failFrom: 5, seen: map[string]int{}}
	users := repo.MustNew[User](s, fast, concurrency(3))
	err := users.BatchPut(base, us)
	require.ErrorIs(t, err, repo.ErrThrottled)
	var be *repo.BatchError
	require.True(t, errors.As(err, &be))
	assert.ElementsMatch(t, ids, append(append([]string{}, be.Done...), be.NotDone...))
	assert.Len(t, be.Done, 4*25)
	assert.Equal(t, len(be.Done), s.Len())
	found, _, err := repo.MustNew[User](s.Store).BatchGet(base, be.Done)
	require.NoError(t, err)
	assert.Len(t, found, len(be.Done))

	// The context ends while nothing is taken: all NotDone.
	s = &stingy{Store: memory.New(), maxTake: 0, seen: map[string]int{}}
	users = repo.MustNew[User](s, fast, concurrency(4))
	ctx, cancel := context.WithTimeout(base, 50*time.Millisecond)
	defer cancel()
	err = users.BatchPut(ctx, us)
	require.True(t, errors.As(err, &be), "%v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Empty(t, be.Done)
	assert.Equal(t, ids, be.NotDone)
	assert.Zero(t, s.Len())

	ctx, cancel = context.WithTimeout(base, 50*time.Millisecond)
	defer cancel()
	_, _, err = users.BatchGet(ctx, ids)
	require.True(t, errors.As(err, &be), "%v", err)
	assert.Equal(t, ids, be.NotDone)

	// A read that fails part-way keeps the store's error kind.
	s = &stingy{Store: memory.New(), maxTake: 100, failFrom: 2, seen: map[string]int{}}
	users = repo.MustNew[User](s, fast, concurrency(2))
	_, _, err = users.BatchGet(base, ids)
	require.ErrorIs(t, err, repo.ErrThrottled)
}

func TestBatchConcurrencyOption(t *testing.T) {
	_, err := repo.New[User](memory.New(), concurrency(-1))
	require.ErrorIs(t, err, repo.ErrInvalidArgument)
	_, err = repo.New[User](memory.New(), concurrency(0))
	require.NoError(t, err)
}
