package tenantctx_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/tenantctx"
)

func TestRoundTrip(t *testing.T) {
	ctx, err := tenantctx.WithTenant(context.Background(), "acme")
	require.NoError(t, err)
	got, err := tenantctx.FromContext(ctx)
	require.NoError(t, err)
	assert.Equal(t, "acme", got)

	// A nested context replaces the tenant.
	inner, err := tenantctx.WithTenant(ctx, "globex")
	require.NoError(t, err)
	got, _ = tenantctx.FromContext(inner)
	assert.Equal(t, "globex", got)
}

func TestMissingTenant(t *testing.T) {
	id, err := tenantctx.FromContext(context.Background())
	require.ErrorIs(t, err, tenantctx.ErrNoTenant)
	assert.Empty(t, id)
	_, err = tenantctx.FromContext(nil) //nolint:staticcheck // a nil context is the case tested
	require.ErrorIs(t, err, tenantctx.ErrNoTenant)
	// A value under another key with the same string is not a tenant.
	type otherKey struct{}
	ctx := context.WithValue(context.Background(), otherKey{}, "acme")
	_, err = tenantctx.FromContext(ctx)
	require.ErrorIs(t, err, tenantctx.ErrNoTenant)
}

func TestInvalidTenantNeverEnters(t *testing.T) {
	parent, _ := tenantctx.WithTenant(context.Background(), "acme")
	for _, id := range []string{"", "a#b", "line\nbreak", string([]byte{0xff}), strings.Repeat("x", 2042)} {
		ctx, err := tenantctx.WithTenant(parent, id)
		require.ErrorIs(t, err, tenantctx.ErrInvalidTenant, "%q", id)
		assert.True(t, strings.HasPrefix(err.Error(), "tenantctx: "), err.Error())
		got, err := tenantctx.FromContext(ctx)
		require.NoError(t, err)
		assert.Equal(t, "acme", got, "a failed WithTenant returns the parent unchanged")
	}
	assert.Panics(t, func() { tenantctx.MustWithTenant(context.Background(), "") })
}
