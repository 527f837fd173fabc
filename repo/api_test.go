package repo_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// readRecorder is a backend that records the ConsistentRead of every read
// it is asked for. It embeds the interface, not the Store, so the
// repository does not see a Lender and every read comes through here.
type readRecorder struct {
	backend.Backend
	consistent []bool
}

func (b *readRecorder) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	b.consistent = append(b.consistent, in.ConsistentRead)
	return b.Backend.Get(ctx, in)
}

func (b *readRecorder) BatchGet(ctx context.Context, in backend.BatchGetInput) (backend.BatchGetOutput, error) {
	b.consistent = append(b.consistent, in.ConsistentRead)
	return b.Backend.BatchGet(ctx, in)
}

func (b *readRecorder) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	b.consistent = append(b.consistent, in.ConsistentRead)
	return b.Backend.Query(ctx, in)
}

// TestConsistentReadOneSpelling: repo.ConsistentRead, the one name for a
// strongly consistent read, reaches the backend from every table read
// (Get, BatchGet, List, Query, All, QueryAll), and leaving it out asks for
// an eventually consistent read.
func TestConsistentReadOneSpelling(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	reads := map[string]func(users *repo.Repository[User], consistent bool) error{
		"Get": func(users *repo.Repository[User], c bool) error {
			var opts []func(*repo.ReadOptions)
			if c {
				opts = append(opts, repo.ConsistentRead[*repo.ReadOptions])
			}
			_, err := users.Get(ctx, "1", opts...)
			return err
		},
		"BatchGet": func(users *repo.Repository[User], c bool) error {
			var opts []func(*repo.ReadOptions)
			if c {
				opts = append(opts, repo.ConsistentRead[*repo.ReadOptions])
			}
			_, _, err := users.BatchGet(ctx, []string{"1", "2"}, opts...)
			return err
		},
		"List": func(users *repo.Repository[User], c bool) error {
			_, err := users.List(ctx, pageOpts(c)...)
			return err
		},
		"Query": func(users *repo.Repository[User], c bool) error {
			_, err := users.Query(ctx, repo.BeginsWith("1"), pageOpts(c)...)
			return err
		},
		"All": func(users *repo.Repository[User], c bool) error {
			for _, err := range users.All(ctx, pageOpts(c)...) {
				return err
			}
			return nil
		},
		"QueryAll": func(users *repo.Repository[User], c bool) error {
			for _, err := range users.QueryAll(ctx, repo.GreaterThan("0"), pageOpts(c)...) {
				return err
			}
			return nil
		},
	}
	for name, read := range reads {
		for _, consistent := range []bool{false, true} {
			rec := &readRecorder{Backend: memory.New()}
			users := repo.MustNew[User](rec)
			_, err := users.Create(ctx, User{ID: "1", Name: "Ann"})
			require.NoError(t, err)
			require.NoError(t, read(users, consistent), name)
			require.NotEmpty(t, rec.consistent, name)
			for _, got := range rec.consistent {
				assert.Equal(t, consistent, got, "%s: ConsistentRead reaching the backend", name)
			}
		}
	}
}

func pageOpts(consistent bool) []func(*repo.PageOptions) {
	if consistent {
		return []func(*repo.PageOptions){repo.ConsistentRead[*repo.PageOptions]}
	}
	return nil
}

// TestIndexHandle: a handle of an unknown name fails at Query and All with
// ErrUnknownIndex (also ErrInvalidArgument), whatever the other options;
// a zero handle fails without a panic; a known name reads as the index
// does, and Name reports it.
func TestIndexHandle(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	shipments := repo.MustNew[Shipment](memory.New())
	_, err := shipments.Create(ctx, Shipment{ID: "s1", Carrier: "ups", Day: "2026-11-02"})
	require.NoError(t, err)

	for _, name := range []string{"by-day", "", "By-Carrier", "by-carrier#", "GSI1"} {
		ix := shipments.Index(name)
		assert.Equal(t, name, ix.Name())
		_, err := ix.Query(ctx, "ups")
		require.ErrorIs(t, err, repo.ErrUnknownIndex, "%q", name)
		assert.ErrorIs(t, err, repo.ErrInvalidArgument, "%q", name)
		_, err = ix.Query(ctx, "ups", repo.Where(repo.BeginsWith("2026")), repo.WithLimit(1))
		assert.ErrorIs(t, err, repo.ErrUnknownIndex, "%q with options", name)
		n := 0
		for s, err := range ix.All(ctx, "ups") {
			n++
			assert.Zero(t, s)
			assert.ErrorIs(t, err, repo.ErrUnknownIndex, "All %q", name)
		}
		assert.Equal(t, 1, n, "All %q yields its error once", name)
	}
	// Users declare no index at all.
	_, err = repo.MustNew[User](memory.New()).Index("by-carrier").Query(ctx, "ups")
	assert.ErrorIs(t, err, repo.ErrUnknownIndex)

	var zero repo.Index[Shipment]
	assert.NotPanics(t, func() {
		_, err = zero.Query(ctx, "ups")
	})
	assert.ErrorIs(t, err, repo.ErrInvalidArgument)
	assert.NotErrorIs(t, err, repo.ErrUnknownIndex)

	byCarrier := shipments.Index("by-carrier")
	page, err := byCarrier.Query(ctx, "ups", repo.Where(repo.Between("2026-11-01", "2026-11-30")))
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "s1", page.Items[0].ID)
	page, err = byCarrier.Query(ctx, "ups", repo.Where(repo.LessThan("2026-11-02")))
	require.NoError(t, err)
	assert.Empty(t, page.Items, "the condition bounds the index sort value (the day), not the ID")
}

// TestWhereOnTheTable: the Where option makes List select what Query with
// the same condition selects; Query refuses a Where option on top of a
// non-zero condition, and takes it with the zero one.
func TestWhereOnTheTable(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	users := repo.MustNew[User](memory.New())
	for _, id := range []string{"a1", "a2", "b1", "b2"} {
		_, err := users.Create(ctx, User{ID: id})
		require.NoError(t, err)
	}
	ids := func(p repo.Page[User], err error) []string {
		t.Helper()
		require.NoError(t, err)
		var out []string
		for _, u := range p.Items {
			out = append(out, u.ID)
		}
		return out
	}
	for _, c := range []repo.KeyCondition{{}, repo.BeginsWith("a"), repo.Between("a2", "b1"), repo.GreaterThan("a2"), repo.LessOrEqual("b1")} {
		want := ids(users.Query(ctx, c))
		assert.Equal(t, want, ids(users.List(ctx, repo.Where(c))), "List with Where(%v)", c)
		assert.Equal(t, want, ids(users.Query(ctx, repo.KeyCondition{}, repo.Where(c))), "Query with the zero condition and Where(%v)", c)
		var all []string
		for u, err := range users.All(ctx, repo.Where(c), repo.WithLimit(1)) {
			require.NoError(t, err)
			all = append(all, u.ID)
		}
		assert.Equal(t, want, all, "All with Where(%v)", c)
	}
	_, err := users.Query(ctx, repo.BeginsWith("a"), repo.Where(repo.BeginsWith("b")))
	assert.ErrorIs(t, err, repo.ErrInvalidArgument)
	for _, err := range users.QueryAll(ctx, repo.BeginsWith("a"), repo.Where(repo.BeginsWith("a"))) {
		assert.ErrorIs(t, err, repo.ErrInvalidArgument)
	}
}
