package ops_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/ops"
)

// atTagged is a backend value that cannot be compared (it holds a slice),
// as a third-party backend or wrapper may be.
type atTagged struct {
	backend.Backend
	tags []string
}

// atWrap is a wrapper that embeds a backend, as logging and metrics
// wrappers do: its type is comparable, the value it holds may not be.
type atWrap struct{ backend.Backend }

// Copy compares its two backends to refuse a copy of a tenant onto itself:
// backends whose values cannot be compared (a wrapper holding a value
// with a slice) must not make it panic.
func TestAttackCopyUncomparableBackends(t *testing.T) {
	atEach(t, func(t *testing.T, dst backend.Backend) {
		src := memory.New()
		atPut(t, src, backend.Item{"PK": atS("tenant#acme"), "SK": atS("user#1"), "v": atS("x")})
		a := atWrap{atTagged{Backend: src, tags: []string{"src"}}}
		b := atWrap{atTagged{Backend: dst, tags: []string{"dst"}}}
		var err error
		require.NotPanics(t, func() { _, err = ops.Copy(atCtx(t, "acme"), a, atCtx(t, "acme"), b) })
		require.NoError(t, err)
		require.Equal(t, atPartition(t, src, "tenant#acme"), atPartition(t, dst, "tenant#acme"))
		// The same wrapper value on both sides cannot be told from two
		// backends: the copy is refused or, run onto itself, changes
		// nothing; it never panics.
		before := atPartition(t, src, "tenant#acme")
		require.NotPanics(t, func() { _, err = ops.Copy(atCtx(t, "acme"), a, atCtx(t, "acme"), a) })
		if err != nil {
			require.ErrorIs(t, err, ops.ErrInvalidArgument)
		}
		require.Equal(t, before, atPartition(t, src, "tenant#acme"))
	})
}
