package tenanthttp_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenanthttp"
)

func TestMiddleware(t *testing.T) {
	cases := []struct {
		name      string
		tenant    string
		err       error
		status    int
		challenge string
	}{
		{"verified", "acme", nil, http.StatusOK, ""},
		{"no credentials", "", tenanthttp.ErrNoCredentials, http.StatusUnauthorized, `Bearer realm="tenantrepo"`},
		{"bad token", "", errors.New("signature invalid"), http.StatusUnauthorized, `Bearer realm="tenantrepo", error="invalid_token"`},
		{"error with a tenant", "acme", errors.New("expired"), http.StatusUnauthorized, `Bearer realm="tenantrepo", error="invalid_token"`},
		{"no tenant", "", nil, http.StatusUnauthorized, `Bearer realm="tenantrepo", error="invalid_token"`},
		{"tenant with separator", "acme#x", nil, http.StatusBadRequest, ""},
		{"tenant with control", "acme\n", nil, http.StatusBadRequest, ""},
		{"tenant not UTF-8", "\xff", nil, http.StatusBadRequest, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var seen string
			called := false
			var logged []int
			h := tenanthttp.Middleware(func(*http.Request) (string, error) { return c.tenant, c.err },
				func(o *tenanthttp.Options) {
					o.OnError = func(_ http.ResponseWriter, _ *http.Request, status int, _ error) { logged = append(logged, status) }
				})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				id, err := tenantctx.FromContext(r.Context())
				require.NoError(t, err)
				seen = id
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
			assert.Equal(t, c.status, rec.Code)
			assert.Equal(t, c.challenge, rec.Header().Get("WWW-Authenticate"))
			if c.status == http.StatusOK {
				assert.True(t, called)
				assert.Equal(t, c.tenant, seen)
				assert.Empty(t, logged)
			} else {
				assert.False(t, called, "the handler must not run")
				assert.Equal(t, []int{c.status}, logged)
				assert.NotContains(t, rec.Body.String(), "signature", "the reason is not shown")
			}
		})
	}
}

func TestMiddlewareNilVerifierPanics(t *testing.T) {
	assert.Panics(t, func() { tenanthttp.Middleware(nil) })
}
