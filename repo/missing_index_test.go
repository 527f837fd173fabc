package repo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// twoIndexes has indexes in slots 2 and 4.
type twoIndexes struct {
	ID   string `dynamodbav:"-"`
	A, B string
}

func (twoIndexes) EntityPrefix() string { return "two" }
func (x twoIndexes) EntityID() string   { return x.ID }
func (twoIndexes) Indexes() []entity.Index {
	return []entity.Index{
		{Name: "by-a", Slot: 2, PartitionAttr: "A", SortAttr: "B"},
		{Name: "by-b", Slot: 4, PartitionAttr: "B", SortAttr: "A"},
	}
}

// TestMissingIndexAtNew: a memory store whose index slots lack one the
// type uses is refused by New, with ErrMissingIndex (also
// ErrInvalidArgument) naming the index, for every set of slots; a store
// with both slots is accepted.
func TestMissingIndexAtNew(t *testing.T) {
	for mask := range backend.AllIndexes + 1 {
		set := backend.IndexSet(mask)
		st := memory.New(memory.WithIndexSlots(set.Slots()...))
		_, err := repo.New[twoIndexes](st)
		switch {
		case set.Has(2) && set.Has(4):
			assert.NoError(t, err, "%v", set)
		default:
			missing := "GSI2"
			if set.Has(2) {
				missing = "GSI4"
			}
			require.ErrorIs(t, err, repo.ErrMissingIndex, "%v", set)
			assert.ErrorIs(t, err, repo.ErrInvalidArgument)
			assert.ErrorContains(t, err, "not "+missing)
			assert.ErrorContains(t, err, "the table has "+set.String())
			assert.ErrorContains(t, err, "WithIndexSlots")
		}
	}
	// Types without indexes need none.
	_, err := repo.New[User](memory.New(memory.WithIndexSlots()))
	assert.NoError(t, err)
}

// lazyStore is a memory store that, like the DynamoDB backend before it
// has described its table, knows only the slots it is configured with
// until TableIndexes is called, which then reports table.
type lazyStore struct {
	*memory.Store
	declared, table backend.IndexSet
	described       int
}

func (s *lazyStore) KnownIndexes() (backend.IndexSet, bool) {
	if s.described > 0 {
		return s.declared & s.table, true
	}
	return s.declared, false
}

func (s *lazyStore) TableIndexes(context.Context) (backend.IndexSet, error) {
	s.described++
	return s.declared & s.table, nil
}

// TestMissingIndexAtFirstQuery: when the backend has not looked at its
// table, New accepts the type, and the first query of an index the table
// lacks fails with ErrMissingIndex naming it, asking the backend once per
// query until every index is found; a configured slot the table lacks is
// refused at New already.
func TestMissingIndexAtFirstQuery(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	s2, _ := backend.NewIndexSet(2)
	s24, _ := backend.NewIndexSet(2, 4)

	lazy := &lazyStore{Store: memory.New(), declared: backend.AllIndexes, table: s2}
	r, err := repo.New[twoIndexes](lazy)
	require.NoError(t, err, "not known at New")
	_, err = r.Index("by-a").Query(ctx, "x", repo.Where(repo.BeginsWith("")))
	require.NoError(t, err, "GSI2 is there")
	_, err = r.Index("by-b").Query(ctx, "x", repo.Where(repo.BeginsWith("")))
	require.ErrorIs(t, err, repo.ErrMissingIndex)
	assert.ErrorContains(t, err, `index "by-b" of repo_test.twoIndexes is in slot 4, and the table has GSI2, not GSI4`)
	assert.ErrorContains(t, err, "GSI4PK")

	lazy = &lazyStore{Store: memory.New(), declared: backend.AllIndexes, table: s24}
	r, err = repo.New[twoIndexes](lazy)
	require.NoError(t, err)
	for i := range 3 {
		for _, ix := range []string{"by-a", "by-b"} {
			_, err = r.Index(ix).Query(ctx, "x", repo.Where(repo.BeginsWith("")))
			require.NoError(t, err, "%s %d", ix, i)
		}
	}
	assert.Equal(t, 1, lazy.described, "checked once, then remembered")

	// Configured without slot 4: known without a request.
	_, err = repo.New[twoIndexes](&lazyStore{Store: memory.New(), declared: s2, table: backend.AllIndexes})
	require.ErrorIs(t, err, repo.ErrMissingIndex)
	assert.ErrorContains(t, err, "the backend is configured with GSI2, not GSI4")
}

func ExampleErrMissingIndex() {
	st := memory.New(memory.WithIndexSlots(1))
	_, err := repo.New[twoIndexes](st)
	fmt.Println(errors.Is(err, repo.ErrMissingIndex), errors.Is(err, repo.ErrInvalidArgument))
	// Output: true true
}
