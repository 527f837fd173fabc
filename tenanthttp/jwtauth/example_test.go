package jwtauth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenanthttp"
	"github.com/tenantrepo/tenantrepo/tenanthttp/jwtauth"
)

// An HS256 verifier in front of a handler: the tenant is the token's
// tenant_id claim.
func ExampleNew() {
	key := []byte("a secret of at least 32 bytes!!!")
	verify, err := jwtauth.New(jwtauth.HMAC(key), jwtauth.Options{
		Algorithms: []string{"HS256"}, Issuer: "auth.example", Audience: "orders",
	})
	if err != nil {
		panic(err)
	}
	h := tenanthttp.Middleware(verify)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, _ := tenantctx.FromContext(r.Context())
		fmt.Fprintln(w, "tenant", tenant)
	}))

	token, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"tenant_id": "acme", "iss": "auth.example", "aud": "orders",
		"exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(key)
	for _, auth := range []string{"Bearer " + token, "Bearer " + token + "x", ""} {
		req := httptest.NewRequest("GET", "/", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 tenant acme
	// 401 Unauthorized
	// 401 Unauthorized
}
