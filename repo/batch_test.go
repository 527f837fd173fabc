package repo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// stingy is a backend that leaves part of every batch unprocessed, as
// DynamoDB does under load, and counts what it was asked.
type stingy struct {
	*memory.Store
	mu       sync.Mutex
	calls    int
	maxTake  int // writes or keys it takes per call; the rest is unprocessed
	failFrom int // calls from this one on fail (0: never)
	seen     map[string]int
}

func (s *stingy) take(n int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.failFrom > 0 && s.calls >= s.failFrom {
		return 0, fmt.Errorf("stingy: %w", backend.ErrThrottled)
	}
	return min(n, s.maxTake), nil
}

func (s *stingy) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	n, err := s.take(len(in.Writes))
	if err != nil {
		return backend.BatchWriteOutput{}, err
	}
	if _, err := s.Store.BatchWrite(ctx, backend.BatchWriteInput{Writes: in.Writes[:n]}); err != nil {
		return backend.BatchWriteOutput{}, err
	}
	s.mu.Lock()
	for _, w := range in.Writes[:n] {
		if w.Put != nil {
			s.seen[w.Put["SK"].(*types.AttributeValueMemberS).Value]++
		}
	}
	s.mu.Unlock()
	return backend.BatchWriteOutput{Unprocessed: in.Writes[n:]}, nil
}

func (s *stingy) BatchGet(ctx context.Context, in backend.BatchGetInput) (backend.BatchGetOutput, error) {
	n, err := s.take(len(in.Keys))
	if err != nil {
		return backend.BatchGetOutput{}, err
	}
	out, err := s.Store.BatchGet(ctx, backend.BatchGetInput{Keys: in.Keys[:n]})
	out.Unprocessed = in.Keys[n:]
	return out, err
}

func fast(o *repo.Options) { o.RetryDelay = func(int) time.Duration { return time.Millisecond } }

func TestBatchRetriesUnprocessedUntilDone(t *testing.T) {
	s := &stingy{Store: memory.New(), maxTake: 7, seen: map[string]int{}}
	users := repo.MustNew[User](s, fast)
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	var us []User
	var ids []string
	for i := range 60 {
		us = append(us, User{ID: fmt.Sprint(i), Name: fmt.Sprint("n", i)})
		ids = append(ids, fmt.Sprint(i))
	}
	require.NoError(t, users.BatchPut(ctx, us))
	assert.Len(t, s.seen, 60)
	for sk, n := range s.seen {
		assert.Equal(t, 1, n, "%s written %d times", sk, n)
	}
	found, missing, err := users.BatchGet(ctx, append(ids, "x"))
	require.NoError(t, err)
	assert.Equal(t, us, found)
	assert.Equal(t, []string{"x"}, missing)
}

func TestBatchReportsWhatWasNotDone(t *testing.T) {
	s := &stingy{Store: memory.New(), maxTake: 0, seen: map[string]int{}}
	users := repo.MustNew[User](s, fast)
	base := tenantctx.MustWithTenant(context.Background(), "acme")
	ctx, cancel := context.WithTimeout(base, 50*time.Millisecond)
	defer cancel()
	err := users.BatchPut(ctx, []User{{ID: "a"}, {ID: "b"}})
	var be *repo.BatchError
	require.True(t, errors.As(err, &be), "%v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Empty(t, be.Done)
	assert.Equal(t, []string{"a", "b"}, be.NotDone)
	assert.Zero(t, s.Len(), "nothing was written")

	// Part-way: the first call takes 2, then the store fails.
	s2 := &stingy{Store: memory.New(), maxTake: 2, failFrom: 2, seen: map[string]int{}}
	users2 := repo.MustNew[User](s2, fast)
	err = users2.BatchPut(base, []User{{ID: "a"}, {ID: "b"}, {ID: "c"}})
	require.ErrorIs(t, err, repo.ErrThrottled)
	require.True(t, errors.As(err, &be))
	assert.Equal(t, []string{"a", "b"}, be.Done)
	assert.Equal(t, []string{"c"}, be.NotDone)
	assert.Equal(t, 2, s2.Len())
}

func TestBatchGetReportsUnreadKeys(t *testing.T) {
	s := &stingy{Store: memory.New(), maxTake: 1, failFrom: 3, seen: map[string]int{}}
	users := repo.MustNew[User](s, fast)
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	_, _, err := users.BatchGet(ctx, []string{"a", "b", "c"})
	require.ErrorIs(t, err, repo.ErrThrottled)
}
