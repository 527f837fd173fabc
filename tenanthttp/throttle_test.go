package tenanthttp_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/tenanthttp"
)

func TestRetryAfter(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
		ok   bool
	}{
		{backend.ErrThrottled, "1", true},
		{&backend.ThrottledError{Reason: backend.ThrottleKeyRange}, "1", true},
		{&backend.ThrottledError{Reason: backend.ThrottleTenantLimit, RetryAfter: time.Millisecond}, "1", true},
		{&backend.ThrottledError{Reason: backend.ThrottleTenantLimit, RetryAfter: time.Second}, "1", true},
		{&backend.ThrottledError{Reason: backend.ThrottleTenantLimit, RetryAfter: 1001 * time.Millisecond}, "2", true},
		{fmt.Errorf("repo: get: %w", &backend.ThrottledError{RetryAfter: 4 * time.Second}), "4", true},
		{&backend.ThrottledError{RetryAfter: 1 << 62}, "86400", true},
		{&backend.ThrottledError{RetryAfter: -time.Second}, "1", true},
		{errors.New("boom"), "", false},
		{backend.ErrNotFound, "", false},
		{nil, "", false},
	} {
		got, ok := tenanthttp.RetryAfter(c.err)
		assert.Equal(t, c.want, got, "%v", c.err)
		assert.Equal(t, c.ok, ok, "%v", c.err)

		w := httptest.NewRecorder()
		assert.Equal(t, c.ok, tenanthttp.WriteThrottled(w, c.err))
		if c.ok {
			assert.Equal(t, http.StatusTooManyRequests, w.Code)
			assert.Equal(t, c.want, w.Header().Get("Retry-After"))
		} else {
			assert.Equal(t, http.StatusOK, w.Code)
			assert.Empty(t, w.Body.String())
		}
	}
}

func ExampleWriteThrottled() {
	err := fmt.Errorf("repo: get user: %w", &backend.ThrottledError{
		Reason: backend.ThrottleTenantLimit, Tenant: "acme", RetryAfter: 1500 * time.Millisecond,
	})
	w := httptest.NewRecorder()
	if tenanthttp.WriteThrottled(w, err) {
		fmt.Println(w.Code, w.Header().Get("Retry-After"))
	}
	// Output: 429 2
}
