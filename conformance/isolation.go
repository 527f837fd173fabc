package conformance

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
)

// isolationTenants are valid tenant IDs that are near-collisions of each
// other: prefixes, case, Unicode and the longest ID that fits.
var isolationTenants = []string{
	"a", "ab", "A", "a ", "ä", "テナント", "tenant", strings.Repeat("t", entity.MaxTenantIDBytes),
}

// sharedIDs are entity IDs every tenant holds, near-collisions too.
var sharedIDs = []string{"1", "11", "a", "b", "tenant", "user"}

func caseIsolationTenants(t *testing.T, h *harness) {
	for _, tenant := range isolationTenants {
		seedUsers(t, h, tenant, sharedIDs)
	}
	for _, tenant := range isolationTenants {
		ctx := h.ctx(t, tenant)
		// Get reads the tenant's own entity.
		for _, id := range sharedIDs {
			u, err := h.users.Get(ctx, id)
			require.NoError(t, err)
			require.Equal(t, tenant+"/"+id, u.Name)
		}
		// List and every query see the tenant's own entities only
		// (collect checks each name).
		require.Equal(t, sortedIDs(sharedIDs, false), collect(t, h, tenant, repo.KeyCondition{}, 2, false))
		require.Equal(t, []string{"1", "11"}, collect(t, h, tenant, repo.BeginsWith("1"), 1, false))
		require.Equal(t, []string{"user", "tenant"}, collect(t, h, tenant, repo.GreaterThan("b"), 1, true))
		require.Equal(t, []string{"a", "b"}, collect(t, h, tenant, repo.Between("a", "b"), 5, false))
	}
}

func caseIsolationWritesStayInTenant(t *testing.T, h *harness) {
	for _, tenant := range isolationTenants {
		seedUsers(t, h, tenant, sharedIDs)
	}
	a, ab := h.ctx(t, "a"), h.ctx(t, "ab")
	// Update and delete under "a" touch only "a".
	_, err := h.users.Update(a, user{ID: "1", Name: "changed"}, []string{"user_name"})
	require.NoError(t, err)
	require.NoError(t, h.users.Delete(a, "11"))
	_, err = h.users.Put(a, user{ID: "b", Name: "replaced"})
	require.NoError(t, err)
	for _, tenant := range isolationTenants[1:] {
		ctx := h.ctx(t, tenant)
		for _, id := range sharedIDs {
			u, err := h.users.Get(ctx, id)
			require.NoError(t, err, "tenant %q lost %q", tenant, id)
			require.Equal(t, tenant+"/"+id, u.Name)
		}
	}
	// An ID that only "ab" holds is absent for "a", for every operation.
	_, err = h.users.Create(ab, user{ID: "only-ab", Name: "ab/only-ab"})
	require.NoError(t, err)
	h.unchanged(t, func() {
		_, err = h.users.Get(a, "only-ab")
		require.ErrorIs(t, err, repo.ErrNotFound)
		_, err = h.users.Update(a, user{ID: "only-ab", Name: "stolen"}, []string{"user_name"})
		require.ErrorIs(t, err, repo.ErrNotFound)
		require.NoError(t, h.users.Delete(a, "only-ab"))
	})
	u, err := h.users.Get(ab, "only-ab")
	require.NoError(t, err)
	require.Equal(t, "ab/only-ab", u.Name)
	// Create under "a" with the ID "ab" holds makes a separate entity.
	_, err = h.users.Create(a, user{ID: "only-ab", Name: "a/only-ab"})
	require.NoError(t, err)
	u, err = h.users.Get(ab, "only-ab")
	require.NoError(t, err)
	require.Equal(t, "ab/only-ab", u.Name)
}

func caseIsolationCursorsStayInTenant(t *testing.T, h *harness) {
	for _, tenant := range isolationTenants {
		seedUsers(t, h, tenant, sharedIDs)
	}
	for _, from := range isolationTenants {
		page, err := h.users.List(h.ctx(t, from), repo.WithLimit(2))
		require.NoError(t, err)
		require.NotEmpty(t, page.Next)
		for _, to := range isolationTenants {
			if to == from {
				continue
			}
			page2, err := h.users.List(h.ctx(t, to), repo.WithCursor(page.Next))
			require.ErrorIs(t, err, repo.ErrInvalidCursor, "cursor of %q used by %q", from, to)
			require.Empty(t, page2.Items)
			_, err = h.users.Query(h.ctx(t, to), repo.GreaterThan("0"), repo.WithCursor(page.Next))
			require.ErrorIs(t, err, repo.ErrInvalidCursor)
		}
	}
}

func caseIsolationEntityTypes(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	for _, id := range sharedIDs {
		_, err := h.users.Create(ctx, user{ID: id, Name: "acme/" + id})
		require.NoError(t, err)
		_, err = h.accounts.Create(ctx, account{ID: id, Name: "account " + id})
		require.NoError(t, err)
	}
	// "#" after each prefix keeps "user" from matching "users".
	require.Equal(t, sortedIDs(sharedIDs, false), collect(t, h, "acme", repo.KeyCondition{}, 3, false))
	require.Equal(t, sortedIDs(sharedIDs, true), collect(t, h, "acme", repo.GreaterOrEqual("1"), 3, true))
	var accounts []string
	for a, err := range h.accounts.All(ctx, repo.WithLimit(2), repo.WithDescending()) {
		require.NoError(t, err)
		require.Equal(t, "account "+a.ID, a.Name)
		accounts = append(accounts, a.ID)
	}
	require.Equal(t, sortedIDs(sharedIDs, true), accounts)
	// Writes to one type leave the other alone.
	require.NoError(t, h.accounts.Delete(ctx, "1"))
	_, err := h.users.Get(ctx, "1")
	require.NoError(t, err)
	_, err = h.accounts.Update(ctx, account{ID: "a", Name: "renamed"}, []string{"account_name"})
	require.NoError(t, err)
	u, err := h.users.Get(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, "acme/a", u.Name)
	_, err = h.orders.Get(ctx, "1")
	require.ErrorIs(t, err, repo.ErrNotFound)
}

func caseInteropForeignLayout(t *testing.T, h *harness) {
	// Items written by another program in the shared layout, with none
	// of our attributes, read back through the repositories.
	ctx := h.ctx(t, "acme")
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	raw := []backend.Item{
		{"PK": s("tenant#acme"), "SK": s("user#42"), "user_id": s("42"), "user_name": s("Alice"), "user_email": s("alice@example.com")},
		{"PK": s("tenant#acme"), "SK": s("order#7"), "user_id": s("42"), "order_amount": &types.AttributeValueMemberN{Value: "150"}},
	}
	for _, item := range raw {
		require.NoError(t, h.b.Put(context.Background(), backend.PutInput{Item: item}))
	}
	u, err := h.users.Get(ctx, "42")
	require.NoError(t, err)
	assert.Equal(t, user{ID: "42", Name: "Alice", Email: "alice@example.com"}, u)
	o, err := h.orders.Get(ctx, "7")
	require.NoError(t, err)
	assert.Equal(t, order{ID: "7", UserID: "42", Amount: 150}, o)
	// And what the repository writes has exactly that layout.
	_, err = h.orders.Create(ctx, order{ID: "8", UserID: "42", Amount: 200})
	require.NoError(t, err)
	item, err := h.b.Get(context.Background(), backend.GetInput{Key: backend.Key{PK: "tenant#acme", SK: "order#8"}})
	require.NoError(t, err)
	assert.Equal(t, "PK=S:\"tenant#acme\";SK=S:\"order#8\";order_amount=N:200;user_id=S:\"42\";", describe(item))
}

func caseDecodeStoredItemOfWrongShape(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	bad := backend.Item{"PK": s("tenant#acme"), "SK": s("order#9"), "order_amount": s("not a number")}
	require.NoError(t, h.b.Put(context.Background(), backend.PutInput{Item: bad}))
	_, err := h.orders.Get(ctx, "9")
	require.ErrorIs(t, err, repo.ErrDecode)
	_, err = h.orders.List(ctx)
	require.ErrorIs(t, err, repo.ErrDecode)
}

func caseConcurrencyParallelWrites(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	const workers, each = 4, 10
	errs := make(chan error, workers*each)
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range each {
				_, err := h.orders.Create(ctx, order{UserID: string(rune('a' + w)), Amount: int64(i)})
				errs <- err
			}
		}()
	}
	for range workers {
		<-done
	}
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	n := 0
	for _, err := range h.orders.All(ctx, repo.WithLimit(7)) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, workers*each, n)
}
