package tenanthttp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/tenanthttp"
)

// TestAttack14TypedNilThrottle: an error holding a nil
// *backend.ThrottledError (a custom backend's mistake) is a throttle that
// does not say how long to wait: 429 with the default Retry-After, no
// panic.
func TestAttack14TypedNilThrottle(t *testing.T) {
	var e *backend.ThrottledError
	for _, err := range []error{e, fmt.Errorf("repo: get: %w", e)} {
		require.NotPanics(t, func() {
			v, ok := tenanthttp.RetryAfter(err)
			assert.True(t, ok)
			assert.Equal(t, "1", v)
			w := httptest.NewRecorder()
			assert.True(t, tenanthttp.WriteThrottled(w, err))
			assert.Equal(t, http.StatusTooManyRequests, w.Code)
			assert.Equal(t, "1", w.Header().Get("Retry-After"))
		})
	}
}
