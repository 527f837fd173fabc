package backend_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestAttack14TypedNilThrottle: the methods of a nil *ThrottledError (one a
// custom backend returns in an error interface by mistake) answer as for a
// throttle of unknown reason, without a panic.
func TestAttack14TypedNilThrottle(t *testing.T) {
	var e *backend.ThrottledError
	var err error = e
	require.NotPanics(t, func() {
		assert.Equal(t, backend.ErrThrottled.Error()+": unknown", err.Error())
		assert.True(t, errors.Is(err, backend.ErrThrottled))
		assert.Equal(t, backend.KindThrottled, backend.KindOf(err))
	})
}
