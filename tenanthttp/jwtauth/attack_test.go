package jwtauth_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenanthttp"
	"github.com/tenantrepo/tenantrepo/tenanthttp/jwtauth"
)

// serveWith runs the tenant middleware with v and returns the status and
// whether the next handler ran (and with which tenant).
func serveWith(t *testing.T, v tenanthttp.Verifier, header string) (int, string, bool) {
	t.Helper()
	var reached bool
	var tenant string
	h := tenanthttp.Middleware(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		tenant, _ = tenantctx.FromContext(r.Context())
	}))
	r := httptest.NewRequest("GET", "/", nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, tenant, reached
}

// TestAttackTenantClaims: a validly signed token whose tenant claim is
// not a usable tenant ID is refused (400 for an ID that breaks the key
// rules, 401 for a claim that is no string), and nothing reaches the handler.
func TestAttackTenantClaims(t *testing.T) {
	v, err := jwtauth.New(jwtauth.HMAC(secret), opts("HS256"))
	require.NoError(t, err)
	for _, tc := range []struct {
		claim any
		want  int
	}{
		{"acme#x", 400}, {"acme#", 400}, {"#acme", 400}, {"acme\x00", 400}, {"acme\n", 400},
		{"acme\u007f", 400}, {strings.Repeat("a", 10000), 400},
		{"", 401}, {1, 401}, {1.5, 401}, {true, 401}, {nil, 401}, {[]any{"acme"}, 401},
		{[]any{"acme", "acme-corp"}, 401}, {map[string]any{"id": "acme"}, 401},
	} {
		c := claims()
		c["tenant_id"] = tc.claim
		code, _, reached := serveWith(t, v, "Bearer "+sign(t, jwt.SigningMethodHS256, secret, c, ""))
		assert.Equal(t, tc.want, code, "claim %#v", tc.claim)
		assert.False(t, reached, "claim %#v reached the handler", tc.claim)
	}
	// The control: acme passes, as acme.
	code, tenant, reached := serveWith(t, v, "Bearer "+sign(t, jwt.SigningMethodHS256, secret, claims(), ""))
	assert.Equal(t, 200, code)
	assert.True(t, reached)
	assert.Equal(t, "acme", tenant)
}

// TestAttackTokenForgeries: alg none, unsigned or re-signed tokens, header
// tricks, and claims smuggled around the signature.
func TestAttackTokenForgeries(t *testing.T) {
	v, err := jwtauth.New(jwtauth.HMAC(secret), opts("HS256"))
	require.NoError(t, err)
	good := sign(t, jwt.SigningMethodHS256, secret, claims(), "")
	parts := strings.Split(good, ".")
	enc := func(m map[string]any) string { b, _ := json.Marshal(m); return base64.RawURLEncoding.EncodeToString(b) }
	corp := claims()
	corp["tenant_id"] = "acme-corp"
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, corp).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	for name, h := range map[string]string{
		"alg none":              "Bearer " + none,
		"alg none, acme header": "Bearer " + enc(map[string]any{"alg": "none", "typ": "JWT"}) + "." + parts[1] + ".",
		"swapped payload":       "Bearer " + parts[0] + "." + enc(corp) + "." + parts[2],
		"padded signature":      "Bearer " + good + "=",
		"signature stripped":    "Bearer " + parts[0] + "." + parts[1] + ".",
		"other secret":          "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("another secret, 32 bytes long!!!"), corp, ""),
		"HS512 not allowed":     "Bearer " + sign(t, jwt.SigningMethodHS512, secret, corp, ""),
		"kid number":            "Bearer " + signHeader(t, secret, corp, map[string]any{"kid": 7}),
		"kid empty":             "Bearer " + signHeader(t, secret, corp, map[string]any{"kid": ""}),
		"two tokens":            "Bearer " + good + " " + good,
		"Basic scheme":          "Basic " + good,
		"no scheme":             good,
	} {
		code, _, reached := serveWith(t, v, h)
		assert.Equal(t, 401, code, name)
		assert.False(t, reached, name)
	}
	// Two Authorization headers, the second acme-corp's: refused.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("Authorization", "Bearer "+good)
	r.Header.Add("Authorization", "Bearer "+sign(t, jwt.SigningMethodHS256, secret, corp, ""))
	_, err = v(r)
	assert.ErrorIs(t, err, jwtauth.ErrInvalidToken)
}

func signHeader(t *testing.T, key []byte, c jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

// TestAttackJWKSKidConfusion: a token names the kid of one key while
// signed with another, or an alg the named key is not for.
func TestAttackJWKSKidConfusion(t *testing.T) {
	s := newJWKSServer(t, rsaJWK("r1", &rsaKey.PublicKey), ecJWK("e1", &ecKey.PublicKey))
	v, err := jwtauth.New(jwtauth.NewJWKS(s.srv.URL), opts("RS256", "ES256", "HS256"))
	require.NoError(t, err)
	corp := claims()
	corp["tenant_id"] = "acme-corp"
	n, err := jwtauth.NewJWKS(s.srv.URL).Key(t.Context(), "r1", "RS256")
	require.NoError(t, err)
	require.NotNil(t, n)
	for name, tok := range map[string]string{
		"RSA-signed, EC kid":     sign(t, jwt.SigningMethodRS256, rsaKey, corp, "e1"),
		"EC-signed, RSA kid":     sign(t, jwt.SigningMethodES256, ecKey, corp, "r1"),
		"other RSA key, r1 kid":  sign(t, jwt.SigningMethodRS256, rsaKey2, corp, "r1"),
		"HS256 with the modulus": sign(t, jwt.SigningMethodHS256, rsaKey.PublicKey.N.Bytes(), corp, "r1"),
		"no kid, two keys":       sign(t, jwt.SigningMethodRS256, rsaKey, corp, ""),
		"kid path":               sign(t, jwt.SigningMethodRS256, rsaKey, corp, "../r1"),
		"kid case":               sign(t, jwt.SigningMethodRS256, rsaKey, corp, "R1"),
	} {
		code, _, reached := serveWith(t, v, "Bearer "+tok)
		assert.Equal(t, 401, code, name)
		assert.False(t, reached, name)
	}
	code, tenant, _ := serveWith(t, v, "Bearer "+sign(t, jwt.SigningMethodRS256, rsaKey, corp, "r1"))
	assert.Equal(t, 200, code, "control")
	assert.Equal(t, "acme-corp", tenant, "control")
}
