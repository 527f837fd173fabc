package tenanthttp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenanthttp"
)

// A Verifier of the application's own (here a fixed API key per tenant)
// and a handler that finds the tenant in its context.
func ExampleMiddleware() {
	apiKeys := map[string]string{"key-of-acme": "acme"}
	verify := func(r *http.Request) (string, error) {
		tenant, ok := apiKeys[r.Header.Get("X-API-Key")]
		if !ok {
			return "", tenanthttp.ErrNoCredentials
		}
		return tenant, nil
	}
	h := tenanthttp.Middleware(verify)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, _ := tenantctx.FromContext(r.Context())
		fmt.Fprintln(w, "hello", tenant)
	}))

	for _, key := range []string{"key-of-acme", "stolen?"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-API-Key", key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 hello acme
	// 401 Unauthorized
}
