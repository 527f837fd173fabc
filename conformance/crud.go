package conformance

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

func caseCreateAssignsUUID(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	got, err := h.users.Create(ctx, user{Name: "Alice", Email: "alice@example.com"})
	require.NoError(t, err)
	_, err = uuid.Parse(got.ID)
	require.NoError(t, err, "assigned ID %q is not a UUID", got.ID)
	back, err := h.users.Get(ctx, got.ID)
	require.NoError(t, err)
	assert.Equal(t, got, back)
	other, err := h.users.Create(ctx, user{Name: "Alice"})
	require.NoError(t, err)
	assert.NotEqual(t, got.ID, other.ID, "two creates got one ID")
}

func caseCreateKeepsGivenID(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	in := user{ID: "42", Name: "Alice", Email: "alice@example.com", Age: 30, Tags: []string{"a", "b"}, Attrs: map[string]string{"k": "v"}}
	got, err := h.users.Create(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, in, got)
	back, err := h.users.Get(ctx, "42")
	require.NoError(t, err)
	assert.Equal(t, in, back)
}

func caseCreateAlreadyExists(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "42", Name: "Alice"})
	require.NoError(t, err)
	h.unchanged(t, func() {
		_, err = h.users.Create(ctx, user{ID: "42", Name: "Mallory"})
		require.ErrorIs(t, err, repo.ErrAlreadyExists)
		assert.True(t, strings.HasPrefix(err.Error(), "repo: "), "message %q", err)
	})
	back, err := h.users.Get(ctx, "42")
	require.NoError(t, err)
	assert.Equal(t, "Alice", back.Name)
}

func caseCreateTypeWithoutSetterNeedsID(t *testing.T, h *harness) {
	fixed, err := repo.New[fixedID](h.b)
	require.NoError(t, err)
	ctx := h.ctx(t, "acme")
	h.unchanged(t, func() {
		_, err = fixed.Create(ctx, fixedID{})
		require.ErrorIs(t, err, repo.ErrInvalidID)
	})
	got, err := fixed.Create(ctx, fixedID{Key: "k1"})
	require.NoError(t, err)
	assert.Equal(t, "k1", got.Key)
	back, err := fixed.Get(ctx, "k1")
	require.NoError(t, err)
	assert.Equal(t, got, back)
}

func caseGetNotFound(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Get(ctx, "nobody")
	require.ErrorIs(t, err, repo.ErrNotFound)
	assert.Contains(t, err.Error(), "nobody")
}

func casePutCreatesAndReplaces(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	put, err := h.users.Put(ctx, user{ID: "7", Name: "Bob", Age: 40, Tags: []string{"x"}})
	require.NoError(t, err)
	assert.Equal(t, user{ID: "7", Name: "Bob", Age: 40, Tags: []string{"x"}}, put)
	back, err := h.users.Get(ctx, "7")
	require.NoError(t, err)
	assert.Equal(t, user{ID: "7", Name: "Bob", Age: 40, Tags: []string{"x"}}, back)
	// Put replaces the whole entity: attributes it leaves out are gone.
	_, err = h.users.Put(ctx, user{ID: "7", Name: "Robert"})
	require.NoError(t, err)
	back, err = h.users.Get(ctx, "7")
	require.NoError(t, err)
	assert.Equal(t, user{ID: "7", Name: "Robert"}, back)
}

func casePutNeedsID(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	h.unchanged(t, func() {
		require.ErrorIs(t, second(h.users.Put(ctx, user{Name: "nameless"})), repo.ErrInvalidID)
	})
}

func caseUpdateChangesOnlyNamedAttributes(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "1", Name: "Alice", Email: "alice@example.com", Age: 30, Tags: []string{"t"}})
	require.NoError(t, err)
	got, err := h.users.Update(ctx, user{ID: "1", Email: "alice@new.example"}, []string{"user_email"})
	require.NoError(t, err)
	want := user{ID: "1", Name: "Alice", Email: "alice@new.example", Age: 30, Tags: []string{"t"}}
	assert.Equal(t, want, got, "update returns the whole new entity")
	back, err := h.users.Get(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, want, back)
}

func caseUpdateEmptyOmittedValueRemoves(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "1", Name: "Alice", Age: 30, Tags: []string{"t"}})
	require.NoError(t, err)
	got, err := h.users.Update(ctx, user{ID: "1", Name: "Al"}, []string{"user_age", "user_tags", "user_name"})
	require.NoError(t, err)
	assert.Equal(t, user{ID: "1", Name: "Al"}, got)
}

func caseUpdateNeverCreates(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	h.unchanged(t, func() {
		_, err := h.users.Update(ctx, user{ID: "ghost", Name: "Casper"}, []string{"user_name"})
		require.ErrorIs(t, err, repo.ErrNotFound)
	})
	_, err := h.users.Get(ctx, "ghost")
	require.ErrorIs(t, err, repo.ErrNotFound)
}

func caseUpdateBadAttributeNames(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "1", Name: "Alice"})
	require.NoError(t, err)
	for _, names := range [][]string{nil, {"user_nmae"}, {"PK"}, {"SK"}, {"user_name", "user_name"}, {""}} {
		h.unchanged(t, func() {
			_, err := h.users.Update(ctx, user{ID: "1", Name: "Eve"}, names)
			require.ErrorIs(t, err, repo.ErrInvalidArgument, "names %q", names)
		})
	}
}

func caseDeleteRemovesAndIsIdempotent(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "1", Name: "Alice"})
	require.NoError(t, err)
	require.NoError(t, h.users.Delete(ctx, "1"))
	_, err = h.users.Get(ctx, "1")
	require.ErrorIs(t, err, repo.ErrNotFound)
	require.NoError(t, h.users.Delete(ctx, "1"), "deleting a missing entity is not an error")
	// A deleted ID can be created again.
	_, err = h.users.Create(ctx, user{ID: "1", Name: "Alice again"})
	require.NoError(t, err)
}

func caseInvalidIDs(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "ok", Name: "kept"})
	require.NoError(t, err)
	bad := []string{"a#b", "#", strings.Repeat("x", 1024-len("user#")+1), string([]byte{0xff, 0xfe})}
	for _, id := range bad {
		h.unchanged(t, func() {
			_, err := h.users.Create(ctx, user{ID: id})
			assert.ErrorIs(t, err, repo.ErrInvalidID, "create %q", id)
			assert.ErrorIs(t, second(h.users.Put(ctx, user{ID: id})), repo.ErrInvalidID, "put %q", id)
			_, err = h.users.Get(ctx, id)
			assert.ErrorIs(t, err, repo.ErrInvalidID, "get %q", id)
			_, err = h.users.Update(ctx, user{ID: id, Name: "x"}, []string{"user_name"})
			assert.ErrorIs(t, err, repo.ErrInvalidID, "update %q", id)
			assert.ErrorIs(t, h.users.Delete(ctx, id), repo.ErrInvalidID, "delete %q", id)
		})
	}
	for _, op := range []func() error{
		func() error { _, err := h.users.Get(ctx, ""); return err },
		func() error { return h.users.Delete(ctx, "") },
		func() error { _, err := h.users.Update(ctx, user{Name: "x"}, []string{"user_name"}); return err },
	} {
		assert.ErrorIs(t, op(), repo.ErrInvalidID, "empty ID")
	}
	// The longest ID that fits the 1024-byte sort key works.
	longest := strings.Repeat("y", 1024-len("user#"))
	_, err = h.users.Create(ctx, user{ID: longest, Name: "long"})
	require.NoError(t, err)
	back, err := h.users.Get(ctx, longest)
	require.NoError(t, err)
	assert.Equal(t, "long", back.Name)
}

func caseItemSizeLimit(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	// blob "big": attribute names PK, SK, id, data plus their values.
	overhead := len("PK") + len("tenant#acme") + len("SK") + len("blob#big") + len("id") + len("big") + len("data")
	exact := blob{ID: "big", Data: bytes.Repeat([]byte{7}, backend.MaxItemBytes-overhead)}
	got, err := h.blobs.Create(ctx, exact)
	require.NoError(t, err, "an item of exactly 400 KB fits")
	back, err := h.blobs.Get(ctx, "big")
	require.NoError(t, err)
	assert.Equal(t, got, back)
	over := blob{ID: "big", Data: append(bytes.Clone(exact.Data), 7)}
	h.unchanged(t, func() {
		require.ErrorIs(t, second(h.blobs.Put(ctx, over)), repo.ErrItemTooLarge)
		over.ID = "other"
		over.Data = append(over.Data, 7, 7) // "other" is 2 bytes longer than "big"
		_, err := h.blobs.Create(ctx, over)
		require.ErrorIs(t, err, repo.ErrItemTooLarge)
	})
}

func caseUpdateBeyondItemSizeLimit(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "1", Name: strings.Repeat("n", 300*1024)})
	require.NoError(t, err)
	h.unchanged(t, func() {
		// Each attribute fits alone; together they do not.
		_, err := h.users.Update(ctx, user{ID: "1", Email: strings.Repeat("e", 200*1024)}, []string{"user_email"})
		require.ErrorIs(t, err, repo.ErrItemTooLarge)
	})
}

func caseNoTenant(t *testing.T, h *harness) {
	h.ctx(t, "acme") // snapshot this tenant's (empty) partition
	ctx := context.Background()
	h.unchanged(t, func() {
		_, err := h.users.Create(ctx, user{ID: "1"})
		assert.ErrorIs(t, err, repo.ErrNoTenant)
		assert.ErrorIs(t, second(h.users.Put(ctx, user{ID: "1"})), repo.ErrNoTenant)
		_, err = h.users.Get(ctx, "1")
		assert.ErrorIs(t, err, repo.ErrNoTenant)
		_, err = h.users.Update(ctx, user{ID: "1"}, []string{"user_name"})
		assert.ErrorIs(t, err, repo.ErrNoTenant)
		assert.ErrorIs(t, h.users.Delete(ctx, "1"), repo.ErrNoTenant)
		_, err = h.users.List(ctx)
		assert.ErrorIs(t, err, repo.ErrNoTenant)
		_, err = h.users.Query(ctx, repo.BeginsWith("1"))
		assert.ErrorIs(t, err, repo.ErrNoTenant)
		for _, err := range h.users.All(ctx) {
			assert.ErrorIs(t, err, repo.ErrNoTenant)
		}
	})
}

func caseInvalidTenants(t *testing.T, h *harness) {
	for _, id := range []string{"", "a#b", "#", "tab\there", "nul\x00", string([]byte{0xc3}), strings.Repeat("t", 2048-len("tenant#")+1)} {
		ctx, err := tenantctx.WithTenant(context.Background(), id)
		require.ErrorIs(t, err, repo.ErrInvalidTenant, "tenant %q", id)
		_, err = tenantctx.FromContext(ctx)
		require.ErrorIs(t, err, repo.ErrNoTenant, "an invalid tenant must not enter the context")
	}
}

func caseCancelledContext(t *testing.T, h *harness) {
	ctx, cancel := context.WithCancel(h.ctx(t, "acme"))
	cancel()
	h.unchanged(t, func() {
		_, err := h.users.Create(ctx, user{ID: "1"})
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, second(h.users.Put(ctx, user{ID: "1"})), context.Canceled)
		_, err = h.users.List(ctx)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func caseCallerNeverSharesMemory(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	in := user{ID: "1", Tags: []string{"a"}, Attrs: map[string]string{"k": "v"}}
	_, err := h.users.Create(ctx, in)
	require.NoError(t, err)
	in.Tags[0] = "changed"
	in.Attrs["k"] = "changed"
	got, err := h.users.Get(ctx, "1")
	require.NoError(t, err)
	got.Tags[0] = "changed again"
	got.Attrs["k"] = "changed again"
	page, err := h.users.List(ctx)
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	page.Items[0].Tags[0] = "and again"
	back, err := h.users.Get(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, back.Tags)
	assert.Equal(t, map[string]string{"k": "v"}, back.Attrs)
}

func caseUnusableTypes(t *testing.T, h *harness) {
	_, err := repo.New[userImpostor](h.b)
	require.ErrorIs(t, err, repo.ErrDuplicatePrefix, "a second type with the prefix user")
	_, err = repo.New[user](h.b)
	require.NoError(t, err, "the same type may have more than one repository")
	_, err = repo.New[badPrefix](h.b)
	require.ErrorIs(t, err, repo.ErrInvalidArgument)
	ctx := h.ctx(t, "acme")
	clash, err := repo.New[keyClash](h.b)
	require.NoError(t, err)
	_, err = repo.New[unsupported](h.b)
	require.ErrorIs(t, err, repo.ErrInvalidArgument, "attributevalue would drop a func field")
	h.unchanged(t, func() {
		_, err = clash.Create(ctx, keyClash{ID: "x"})
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "an entity may not declare PK")
	})
}

// second returns the error of a call that also returns a value.
func second[V any](_ V, err error) error { return err }
