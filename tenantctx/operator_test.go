package tenantctx_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/tenantctx"
)

func TestAsOperator(t *testing.T) {
	ctx, err := tenantctx.AsOperator(context.Background(), "nightly reindex")
	require.NoError(t, err)
	reason, err := tenantctx.Operator(ctx)
	require.NoError(t, err)
	assert.Equal(t, "nightly reindex", reason)

	// An operator context carries no tenant.
	_, err = tenantctx.FromContext(ctx)
	assert.ErrorIs(t, err, tenantctx.ErrNoTenant)
}

func TestOperatorRefusals(t *testing.T) {
	bg := context.Background()
	_, err := tenantctx.Operator(bg)
	assert.ErrorIs(t, err, tenantctx.ErrNoOperator)

	for _, reason := range []string{"", "a\nb", "\xff", strings.Repeat("r", tenantctx.MaxOperatorReasonBytes+1), "tab\there"} {
		_, err := tenantctx.AsOperator(bg, reason)
		assert.ErrorIs(t, err, tenantctx.ErrInvalidOperator, "reason %q", reason)
	}
	_, err = tenantctx.AsOperator(bg, strings.Repeat("r", tenantctx.MaxOperatorReasonBytes))
	assert.NoError(t, err)

	// A tenant's context cannot become an operator's.
	tctx := tenantctx.MustWithTenant(bg, "acme")
	_, err = tenantctx.AsOperator(tctx, "escalate")
	assert.ErrorIs(t, err, tenantctx.ErrInvalidOperator)

	// A tenant added after the marker voids it.
	octx, err := tenantctx.AsOperator(bg, "ops")
	require.NoError(t, err)
	_, err = tenantctx.Operator(tenantctx.MustWithTenant(octx, "acme"))
	assert.ErrorIs(t, err, tenantctx.ErrInvalidOperator)

	// No other package can store the marker: a look-alike value under a
	// look-alike key is not it.
	type operatorKey struct{}
	_, err = tenantctx.Operator(context.WithValue(bg, operatorKey{}, "ops"))
	assert.ErrorIs(t, err, tenantctx.ErrNoOperator)

	// A context that answers every key answers the marker's key too, with
	// a value it was never given: refused, whatever the value.
	_, err = tenantctx.Operator(answersAll{octx})
	assert.True(t, errors.Is(err, tenantctx.ErrInvalidOperator) || errors.Is(err, tenantctx.ErrNoOperator), "%v", err)
	assert.Error(t, err)
	_, err = tenantctx.AsOperator(answersAll{bg}, "ops")
	assert.Error(t, err)
	_, err = tenantctx.Operator(nil) //nolint:staticcheck // a nil context is refused, not dereferenced
	assert.ErrorIs(t, err, tenantctx.ErrNoOperator)
}

// answersAll answers every key with a string.
type answersAll struct{ context.Context }

func (answersAll) Value(any) any { return "ops" }
