package jwtauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/tenanthttp"
	"github.com/tenantrepo/tenantrepo/tenanthttp/jwtauth"
)

var (
	now             = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	secret          = []byte("0123456789abcdef0123456789abcdef")
	rsaKey          = mustRSA()
	rsaKey2         = mustRSA()
	ecKey           = mustEC(elliptic.P256())
	edPub, edKey, _ = ed25519.GenerateKey(rand.Reader)
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func mustEC(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

// claims are valid claims for tenant acme, which tests change.
func claims() jwt.MapClaims {
	return jwt.MapClaims{
		"tenant_id": "acme", "iss": "issuer", "aud": "api",
		"exp": now.Add(time.Hour).Unix(), "nbf": now.Add(-time.Minute).Unix(),
	}
}

func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.MapClaims, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func opts(algs ...string) jwtauth.Options {
	return jwtauth.Options{Algorithms: algs, Issuer: "issuer", Audience: "api", Now: func() time.Time { return now }}
}

func verifyWith(t *testing.T, v tenanthttp.Verifier, token string) (string, error) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return v(r)
}

func TestHMAC(t *testing.T) {
	v, err := jwtauth.New(jwtauth.HMAC(secret), opts("HS256"))
	require.NoError(t, err)
	id, err := verifyWith(t, v, sign(t, jwt.SigningMethodHS256, secret, claims(), ""))
	require.NoError(t, err)
	assert.Equal(t, "acme", id)

	mod := func(f func(jwt.MapClaims)) jwt.MapClaims { c := claims(); f(c); return c }
	refused := map[string]string{
		"expired":           sign(t, jwt.SigningMethodHS256, secret, mod(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() }), ""),
		"no exp":            sign(t, jwt.SigningMethodHS256, secret, mod(func(c jwt.MapClaims) { delete(c, "exp") }), ""),
		"not yet valid":     sign(t, jwt.SigningMethodHS256, secret, mod(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() }), ""),
		"other issuer":      sign(t, jwt.SigningMethodHS256, secret, mod(func(c jwt.MapClaims) { c["iss"] = "evil" }), ""),
		"other audience":    sign(t, jwt.SigningMethodHS256, secret, mod(func(c jwt.MapClaims) { c["aud"] = []string{"other"} }), ""),
		"no tenant":         sign(t, jwt.SigningMethodHS256, secret, mod(func(c jwt.MapClaims) { delete(c, "tenant_id") }), ""),
		"tenant number":     sign(t, jwt.SigningMethodHS256, secret, mod(func(c jwt.MapClaims) { c["tenant_id"] = 42 }), ""),
		"tenant empty":      sign(t, jwt.SigningMethodHS256, secret, mod(func(c jwt.MapClaims) { c["tenant_id"] = "" }), ""),
		"tenant list":       sign(t, jwt.SigningMethodHS256, secret, mod(func(c jwt.MapClaims) { c["tenant_id"] = []string{"acme", "globex"} }), ""),
		"wrong secret":      sign(t, jwt.SigningMethodHS256, []byte("another secret of 32 bytes......"), claims(), ""),
		"HS512 not allowed": sign(t, jwt.SigningMethodHS512, secret, claims(), ""),
		"alg none":          sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(), ""),
		"garbage":           "not.a.token",
		"tampered":          tamper(sign(t, jwt.SigningMethodHS256, secret, claims(), "")),
	}
	for name, tok := range refused {
		t.Run(name, func(t *testing.T) {
			id, err := verifyWith(t, v, tok)
			require.ErrorIs(t, err, jwtauth.ErrInvalidToken)
			assert.Empty(t, id)
		})
	}
	_, err = verifyWith(t, v, "")
	assert.ErrorIs(t, err, tenanthttp.ErrNoCredentials)
	for _, h := range []string{"Basic abc", "Bearer", "Bearer ", "token"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", h)
		_, err := v(r)
		assert.ErrorIs(t, err, jwtauth.ErrInvalidToken, h)
	}
	r := httptest.NewRequest("GET", "/", nil)
	good := sign(t, jwt.SigningMethodHS256, secret, claims(), "")
	r.Header.Add("Authorization", "Bearer "+good)
	r.Header.Add("Authorization", "Bearer "+good)
	_, err = v(r)
	assert.ErrorIs(t, err, jwtauth.ErrInvalidToken, "two Authorization headers")
}

// tamper changes the payload of a signed token: the tenant becomes globex.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), `"acme"`, `"globex"`, 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

func TestClaimName(t *testing.T) {
	o := opts("HS256")
	o.Claim = "org"
	v, err := jwtauth.New(jwtauth.HMAC(secret), o)
	require.NoError(t, err)
	c := claims()
	c["org"] = "globex"
	id, err := verifyWith(t, v, sign(t, jwt.SigningMethodHS256, secret, c, ""))
	require.NoError(t, err)
	assert.Equal(t, "globex", id, "the named claim, not tenant_id")
}

func TestPublicKeys(t *testing.T) {
	cases := []struct {
		alg  string
		m    jwt.SigningMethod
		priv any
		pub  any
	}{
		{"RS256", jwt.SigningMethodRS256, rsaKey, &rsaKey.PublicKey},
		{"PS256", jwt.SigningMethodPS256, rsaKey, &rsaKey.PublicKey},
		{"ES256", jwt.SigningMethodES256, ecKey, &ecKey.PublicKey},
		{"EdDSA", jwt.SigningMethodEdDSA, edKey, edPub},
	}
	for _, c := range cases {
		t.Run(c.alg, func(t *testing.T) {
			v, err := jwtauth.New(jwtauth.PublicKey(c.pub), opts(c.alg))
			require.NoError(t, err)
			id, err := verifyWith(t, v, sign(t, c.m, c.priv, claims(), ""))
			require.NoError(t, err)
			assert.Equal(t, "acme", id)
		})
	}
	t.Run("wrong RSA key", func(t *testing.T) {
		v, err := jwtauth.New(jwtauth.PublicKey(&rsaKey.PublicKey), opts("RS256"))
		require.NoError(t, err)
		_, err = verifyWith(t, v, sign(t, jwt.SigningMethodRS256, rsaKey2, claims(), ""))
		assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
	})
}

// Alg confusion: the RSA public key, known to all, used as an HMAC secret.
// The verifier is configured for RS256 only, and even a configuration that
// allowed HS256 too is refused at New.
func TestAlgConfusion(t *testing.T) {
	der, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	v, err := jwtauth.New(jwtauth.PublicKey(&rsaKey.PublicKey), opts("RS256"))
	require.NoError(t, err)
	for _, secret := range [][]byte{pemKey, der} {
		_, err = verifyWith(t, v, sign(t, jwt.SigningMethodHS256, secret, claims(), ""))
		assert.ErrorIs(t, err, jwtauth.ErrInvalidToken)
	}
	_, err = jwtauth.New(jwtauth.PublicKey(&rsaKey.PublicKey), opts("RS256", "HS256"))
	assert.ErrorIs(t, err, jwtauth.ErrConfig)
}

func TestConfigErrors(t *testing.T) {
	for name, c := range map[string]struct {
		keys jwtauth.Keys
		o    jwtauth.Options
	}{
		"no keys":        {nil, opts("HS256")},
		"no algorithms":  {jwtauth.HMAC(secret), opts()},
		"none":           {jwtauth.HMAC(secret), opts("none")},
		"unknown":        {jwtauth.HMAC(secret), opts("HS1")},
		"RS256 on HMAC":  {jwtauth.HMAC(secret), opts("RS256")},
		"empty secret":   {jwtauth.HMAC(nil), opts("HS256")},
		"ES384 on P-256": {jwtauth.PublicKey(&ecKey.PublicKey), opts("ES384")},
		"private key":    {jwtauth.PublicKey(rsaKey), opts("RS256")},
		"string key":     {jwtauth.PublicKey("secret"), opts("HS256")},
	} {
		_, err := jwtauth.New(c.keys, c.o)
		assert.ErrorIs(t, err, jwtauth.ErrConfig, name)
	}
}

// jwksServer serves a key set that tests change, counting fetches.
type jwksServer struct {
	mu      sync.Mutex
	body    []byte
	fetches atomic.Int32
	srv     *httptest.Server
}

func newJWKSServer(t *testing.T, keys ...map[string]any) *jwksServer {
	s := &jwksServer{}
	s.set(keys...)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		_, _ = w.Write(s.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) set(keys ...map[string]any) {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	s.mu.Lock()
	s.body = b
	s.mu.Unlock()
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
}

func ecJWK(kid string, k *ecdsa.PublicKey) map[string]any {
	pad := func(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }
	return map[string]any{"kty": "EC", "kid": kid, "crv": "P-256", "x": b64(pad(k.X.Bytes())), "y": b64(pad(k.Y.Bytes()))}
}

func TestJWKS(t *testing.T) {
	clock := now
	srv := newJWKSServer(t, rsaJWK("r1", &rsaKey.PublicKey), ecJWK("e1", &ecKey.PublicKey),
		map[string]any{"kty": "oct", "kid": "sym", "k": b64(secret)}, // skipped: never a shared secret from a URL
		map[string]any{"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"})
	keys := jwtauth.NewJWKS(srv.srv.URL, func(o *jwtauth.JWKSOptions) {
		o.Now = func() time.Time { return clock }
		o.MinRefresh = time.Minute
		o.MaxAge = 10 * time.Minute
	})
	o := opts("RS256", "ES256")
	v, err := jwtauth.New(keys, o)
	require.NoError(t, err)

	id, err := verifyWith(t, v, sign(t, jwt.SigningMethodRS256, rsaKey, claims(), "r1"))
	require.NoError(t, err)
	assert.Equal(t, "acme", id)
	_, err = verifyWith(t, v, sign(t, jwt.SigningMethodES256, ecKey, claims(), "e1"))
	require.NoError(t, err)
	assert.EqualValues(t, 1, srv.fetches.Load(), "the set is cached")

	// Unknown kid: one refetch, then refused without fetching until
	// MinRefresh has passed.
	for range 5 {
		_, err = verifyWith(t, v, sign(t, jwt.SigningMethodRS256, rsaKey2, claims(), "r2"))
		assert.ErrorIs(t, err, jwtauth.ErrUnknownKey)
		assert.ErrorIs(t, err, jwtauth.ErrInvalidToken)
	}
	assert.EqualValues(t, 1, srv.fetches.Load(), "made-up kids do not refetch within MinRefresh")

	// A key of the set used with another kid's algorithm, or a token
	// without kid when the set has several keys, is refused.
	_, err = verifyWith(t, v, sign(t, jwt.SigningMethodES256, ecKey, claims(), "r1"))
	assert.ErrorIs(t, err, jwtauth.ErrInvalidToken)
	_, err = verifyWith(t, v, sign(t, jwt.SigningMethodRS256, rsaKey, claims(), ""))
	assert.ErrorIs(t, err, jwtauth.ErrUnknownKey)
	// HS256 signed with the oct key's secret: not allowed, and the set's
	// oct key is never a key.
	_, err = verifyWith(t, v, sign(t, jwt.SigningMethodHS256, secret, claims(), "sym"))
	assert.ErrorIs(t, err, jwtauth.ErrInvalidToken)

	// Rotation: the issuer adds r2; after MinRefresh the unknown kid
	// refetches and passes.
	srv.set(rsaJWK("r1", &rsaKey.PublicKey), rsaJWK("r2", &rsaKey2.PublicKey))
	clock = clock.Add(2 * time.Minute)
	id, err = verifyWith(t, v, sign(t, jwt.SigningMethodRS256, rsaKey2, claims(), "r2"))
	require.NoError(t, err)
	assert.Equal(t, "acme", id)
	assert.EqualValues(t, 2, srv.fetches.Load())

	// After MaxAge the set is fetched again; a removed key stops working.
	srv.set(rsaJWK("r2", &rsaKey2.PublicKey))
	clock = clock.Add(11 * time.Minute)
	_, err = verifyWith(t, v, sign(t, jwt.SigningMethodRS256, rsaKey, claims(), "r1"))
	assert.ErrorIs(t, err, jwtauth.ErrUnknownKey)
	assert.EqualValues(t, 3, srv.fetches.Load())
}

func TestJWKSUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	v, err := jwtauth.New(jwtauth.NewJWKS(srv.URL), opts("RS256"))
	require.NoError(t, err)
	_, err = verifyWith(t, v, sign(t, jwt.SigningMethodRS256, rsaKey, claims(), "r1"))
	assert.ErrorIs(t, err, jwtauth.ErrJWKS)
	assert.ErrorIs(t, err, jwtauth.ErrInvalidToken)
}

func TestJWKSBadSets(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":         `{`,
		"short RSA":        `{"keys":[{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB"}]}`,
		"EC off curve":     `{"keys":[{"kty":"EC","kid":"a","crv":"P-256","x":"` + b64(make([]byte, 32)) + `","y":"` + b64(make([]byte, 32)) + `"}]}`,
		"duplicate kid":    `{"keys":[` + mustJSON(ecJWK("a", &ecKey.PublicKey)) + `,` + mustJSON(ecJWK("a", &ecKey.PublicKey)) + `]}`,
		"alg of RSA on EC": `{"keys":[` + strings.Replace(mustJSON(ecJWK("a", &ecKey.PublicKey)), `"kid"`, `"alg":"RS256","kid"`, 1) + `]}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) }))
			defer srv.Close()
			v, err := jwtauth.New(jwtauth.NewJWKS(srv.URL), opts("ES256"))
			require.NoError(t, err)
			_, err = verifyWith(t, v, sign(t, jwt.SigningMethodES256, ecKey, claims(), "a"))
			assert.ErrorIs(t, err, jwtauth.ErrJWKS)
		})
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// Concurrent first use fetches the set once; a caller that has gone away
// does not fail the fetch for the others.
func TestJWKSConcurrentFirstUse(t *testing.T) {
	srv := newJWKSServer(t, rsaJWK("r1", &rsaKey.PublicKey))
	v, err := jwtauth.New(jwtauth.NewJWKS(srv.srv.URL), opts("RS256"))
	require.NoError(t, err)
	tok := sign(t, jwt.SigningMethodRS256, rsaKey, claims(), "r1")

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := verifyWith(t, v, tok)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.EqualValues(t, 1, srv.fetches.Load())

	v, err = jwtauth.New(jwtauth.NewJWKS(srv.srv.URL), opts("RS256"))
	require.NoError(t, err)
	canceled := httptest.NewRequest("GET", "/", nil)
	ctx, cancel := context.WithCancel(canceled.Context())
	cancel()
	canceled = canceled.WithContext(ctx)
	canceled.Header.Set("Authorization", "Bearer "+tok)
	_, err = v(canceled)
	require.NoError(t, err, "the set is fetched even though the caller is gone")

	assert.EqualValues(t, 2, srv.fetches.Load())
}

func TestLeeway(t *testing.T) {
	o := opts("HS256")
	o.Leeway = 30 * time.Second
	v, err := jwtauth.New(jwtauth.HMAC(secret), o)
	require.NoError(t, err)
	for _, c := range []struct {
		exp, nbf time.Duration
		ok       bool
	}{
		{-10 * time.Second, -time.Hour, true},
		{-time.Minute, -time.Hour, false},
		{time.Hour, 10 * time.Second, true},
		{time.Hour, time.Minute, false},
	} {
		cl := claims()
		cl["exp"], cl["nbf"] = now.Add(c.exp).Unix(), now.Add(c.nbf).Unix()
		_, err := verifyWith(t, v, sign(t, jwt.SigningMethodHS256, secret, cl, ""))
		if c.ok {
			assert.NoError(t, err, "exp %v nbf %v", c.exp, c.nbf)
		} else {
			assert.ErrorIs(t, err, jwtauth.ErrInvalidToken, "exp %v nbf %v", c.exp, c.nbf)
		}
	}
}
