package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// globex's data, made distinctive so that any of it in a response to acme
// is found by a substring search.
const (
	bUser   = "globex-user-1"
	bName   = "GLOBEX-SECRET-NAME"
	bEmail  = "secret@globex.example"
	bOrder  = "globex-order-1"
	bAmount = "987654321"
)

// seedIsolation gives globex a user and two orders, and acme a user "same"
// whose ID globex uses too; it returns a cursor from globex's list.
func seedIsolation(t *testing.T, e *env) (cursor string) {
	globex, acme := token(t, "globex"), token(t, "acme")
	for _, c := range []struct{ tok, path, body string }{
		{globex, "/users", `{"id":"` + bUser + `","name":"` + bName + `","email":"` + bEmail + `"}`},
		{globex, "/users", `{"id":"same","name":"` + bName + `","email":"` + bEmail + `"}`},
		{globex, "/orders", `{"id":"` + bOrder + `","user_id":"` + bUser + `","amount":` + bAmount + `}`},
		{globex, "/orders", `{"id":"` + bOrder + `-2","user_id":"same","amount":` + bAmount + `}`},
		{acme, "/users", `{"id":"same","name":"Alice","email":"alice@acme.example"}`},
		{acme, "/orders", `{"id":"acme-order","user_id":"same","amount":5}`},
	} {
		r := e.do("POST", c.path, c.tok, c.body)
		require.Equal(t, http.StatusCreated, r.status, r.body)
	}
	r := e.do("GET", "/orders?limit=1", globex, "")
	require.Equal(t, http.StatusOK, r.status)
	cursor = r.json(t)["next"].(string)
	require.NotEmpty(t, cursor)
	return cursor
}

// noGlobex fails if a response to acme holds anything of globex's that
// acme never sends itself: the name, email and amount only globex's data
// holds (IDs acme names come back in its own error messages).
func noGlobex(t *testing.T, what string, r resp) {
	t.Helper()
	for _, secret := range []string{bName, bEmail, bAmount} {
		assert.NotContains(t, r.body, secret, "%s: answer %d leaks %q", what, r.status, secret)
		for k, vs := range r.header {
			for _, v := range vs {
				assert.NotContains(t, v, secret, "%s: header %s", what, k)
			}
		}
	}
}

func TestTenantIsolation(t *testing.T) {
	onEveryStore(t, func(t *testing.T, b backend.Backend) {
		e := newEnv(t, b)
		bCursor := seedIsolation(t, e)
		acme := token(t, "acme")
		globex := token(t, "globex")

		// acme's own view: only its own data.
		r := e.do("GET", "/users/same", acme, "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "Alice", r.json(t)["name"], "the ID both tenants use is acme's user for acme")
		noGlobex(t, "own user", r)
		r = e.do("GET", "/users/same/orders", acme, "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Contains(t, r.body, "acme-order")
		noGlobex(t, "own user's orders", r)

		// Requests acme can craft, each with the status it must get (0:
		// any status but 2xx... checked below) and never globex's data.
		type attempt struct {
			method, path, body string
			hdr                []string
			status             int
		}
		tenantHeaders := []string{"X-Tenant", "globex", "X-Tenant-ID", "globex", "Tenant", "globex",
			"X-Amz-Tenant", "globex", "X-Forwarded-User", "globex", "Cookie", "tenant=globex"}
		attempts := []attempt{
			// Other tenant's IDs.
			{"GET", "/users/" + bUser, "", nil, 404},
			{"GET", "/users/" + bUser + "/orders", "", nil, 404},
			{"POST", "/orders", `{"user_id":"` + bUser + `","amount":1}`, nil, 400},
			{"POST", "/orders", `{"id":"` + bOrder + `","user_id":"same","amount":1}`, nil, 201},
			// Tenant headers are ignored: the lists are acme's.
			{"GET", "/orders", "", tenantHeaders, 200},
			{"GET", "/users/same/orders", "", tenantHeaders, 200},
			{"GET", "/users/" + bUser, "", tenantHeaders, 404},
			// Tenant fields in bodies and queries are refused.
			{"POST", "/users", `{"name":"x","tenant":"globex"}`, nil, 400},
			{"POST", "/users", `{"name":"x","tenant_id":"globex"}`, nil, 400},
			{"POST", "/users", `{"name":"x","PK":"tenant#globex"}`, nil, 400},
			{"POST", "/orders", `{"user_id":"same","amount":1,"tenant_id":"globex"}`, nil, 400},
			{"GET", "/orders?tenant=globex", "", nil, 400},
			{"GET", "/orders?tenant_id=globex", "", nil, 400},
			{"GET", "/users/" + bUser + "?tenant=globex", "", nil, 400},
			// Keys spelled into IDs: '#' is refused, raw or encoded.
			{"GET", "/users/tenant%23globex%23user%23" + bUser, "", nil, 400},
			{"GET", "/users/user%23" + bUser, "", nil, 400},
			{"GET", "/users/%23", "", nil, 400},
			{"GET", "/users/" + bUser + "%23", "", nil, 400},
			{"POST", "/users", `{"id":"globex#user#x","name":"x"}`, nil, 400},
			{"POST", "/orders", `{"user_id":"globex#` + bUser + `","amount":1}`, nil, 400},
			// Traversal: cleaned by the router (a redirect, which the
			// client follows with acme's token) or a plain unknown ID.
			{"GET", "/users/../users/" + bUser, "", nil, 404},
			{"GET", "/users/%2e%2e/users/" + bUser, "", nil, 404},
			{"GET", "/users/..%2Fusers%2F" + bUser, "", nil, 404},
			{"GET", "/users/" + bUser + "%2F..%2F..%2Fglobex", "", nil, 404},
			{"GET", "/orders/../users/" + bUser, "", nil, 404},
			{"GET", "//globex/users/" + bUser, "", nil, 404},
			{"GET", "/globex/users/" + bUser, "", nil, 404},
			{"GET", "/users/" + bUser + "%00", "", nil, 404},
			// Globex's cursor replayed with acme's token.
			{"GET", "/orders?cursor=" + bCursor, "", nil, 400},
			{"GET", "/users/same/orders?cursor=" + bCursor, "", nil, 400},
			{"GET", "/orders?limit=1&cursor=" + bCursor, "", nil, 400},
		}
		for _, a := range attempts {
			r := e.do(a.method, a.path, acme, a.body, a.hdr...)
			what := a.method + " " + a.path + " " + a.body
			assert.Equal(t, a.status, r.status, "%s: %s", what, r.body)
			noGlobex(t, what, r)
		}

		// Two Authorization headers (acme's and globex's) are refused.
		r = e.do("GET", "/orders", "", "", "Authorization", "Bearer "+acme, "Authorization", "Bearer "+globex)
		assert.Equal(t, http.StatusUnauthorized, r.status)
		noGlobex(t, "two tokens", r)

		// Tokens acme can make that claim globex: none gets in.
		forged := tamperTenant(acme, "globex")
		none := tokenOf(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsFor("globex"))
		expired := claimsFor("globex")
		expired["exp"] = time.Now().Add(-time.Minute).Unix()
		notYet := claimsFor("globex")
		notYet["nbf"] = time.Now().Add(time.Hour).Unix()
		noExp := claimsFor("globex")
		delete(noExp, "exp")
		otherIss, otherAud := claimsFor("globex"), claimsFor("globex")
		otherIss["iss"], otherAud["aud"] = "someone-else", "another-api"
		twoClaims := claimsFor("acme")
		twoClaims["tenant"] = "globex"
		twoClaims["sub"] = "globex"
		for name, tok := range map[string]string{
			"forged payload":    forged,
			"alg none":          none,
			"expired":           tokenOf(t, jwt.SigningMethodHS256, testKey, expired),
			"not yet valid":     tokenOf(t, jwt.SigningMethodHS256, testKey, notYet),
			"no exp":            tokenOf(t, jwt.SigningMethodHS256, testKey, noExp),
			"other issuer":      tokenOf(t, jwt.SigningMethodHS256, testKey, otherIss),
			"other audience":    tokenOf(t, jwt.SigningMethodHS256, testKey, otherAud),
			"wrong key":         tokenOf(t, jwt.SigningMethodHS256, []byte("wrong key, 32 bytes............."), claimsFor("globex")),
			"HS512 same key":    tokenOf(t, jwt.SigningMethodHS512, testKey, claimsFor("globex")),
			"signature of acme": strings.Join(append(strings.Split(token(t, "globex"), ".")[:2], strings.Split(acme, ".")[2]), "."),
		} {
			for _, path := range []string{"/users/" + bUser, "/orders", "/users/" + bUser + "/orders"} {
				r := e.do("GET", path, tok, "")
				assert.Equal(t, http.StatusUnauthorized, r.status, "%s %s", name, path)
				noGlobex(t, name, r)
			}
		}
		// Claims beside tenant_id do not choose the tenant.
		r = e.do("GET", "/orders", tokenOf(t, jwt.SigningMethodHS256, testKey, twoClaims), "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Contains(t, r.body, "acme-order")
		noGlobex(t, "tenant and sub claims", r)

		// Near-collision tenants see nothing of acme's or globex's.
		for _, near := range []string{"acme-corp", "acm", "globex2", "Globex", "globex "} {
			tok := token(t, near)
			for _, path := range []string{"/users/same", "/users/" + bUser, "/users/same/orders"} {
				r := e.do("GET", path, tok, "")
				assert.Equal(t, http.StatusNotFound, r.status, "%s %s", near, path)
				noGlobex(t, near+" "+path, r)
			}
			r := e.do("GET", "/orders", tok, "")
			require.Equal(t, http.StatusOK, r.status)
			assert.JSONEq(t, `{"items":[]}`, r.body, near)
		}

		// Globex's data is untouched and still its own.
		r = e.do("GET", "/users/"+bUser, globex, "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, bName, r.json(t)["name"])
		r = e.do("GET", "/orders", globex, "")
		require.Equal(t, http.StatusOK, r.status)
		var p pageJSON[orderJSON]
		require.NoError(t, json.Unmarshal([]byte(r.body), &p))
		assert.Len(t, p.Items, 2, "acme's order with globex's order ID is acme's")
		for _, o := range p.Items {
			assert.Equal(t, int64(987654321), o.Amount)
		}
	})
}

// tamperTenant rewrites the tenant of a signed token, keeping its
// signature.
func tamperTenant(tok, tenant string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	_ = json.Unmarshal(payload, &c)
	c["tenant_id"] = tenant
	payload, _ = json.Marshal(c)
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

// The service as main starts it with -jwks-url: RS256 tokens of the set's
// keys pass; an unknown kid, a key not in the set, and an HS256 token
// signed with the public key (alg confusion) are 401.
func TestJWKSService(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	set, _ := json.Marshal(map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(set) }))
	defer jwks.Close()

	var out strings.Builder
	h, err := setup(t.Context(), config{jwksURL: jwks.URL, issuer: "tenantapi", audience: "tenantapi", claim: "tenant_id"}, &out, nil)
	require.NoError(t, err)
	assert.NotContains(t, out.String(), "token for tenant", "no demo tokens with a JWKS")
	srv := httptest.NewServer(h)
	defer srv.Close()
	e := &env{t: t, url: srv.URL, client: srv.Client()}

	rs := func(k *rsa.PrivateKey, kid, tenant string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claimsFor(tenant))
		tok.Header["kid"] = kid
		s, err := tok.SignedString(k)
		require.NoError(t, err)
		return s
	}
	r := e.do("POST", "/users", rs(key, "k1", "acme"), `{"id":"u1","name":"A"}`)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	assert.Equal(t, http.StatusOK, e.do("GET", "/users/u1", rs(key, "k1", "acme"), "").status)
	assert.Equal(t, http.StatusNotFound, e.do("GET", "/users/u1", rs(key, "k1", "globex"), "").status)
	for name, tok := range map[string]string{
		"unknown kid":    rs(key, "k2", "acme"),
		"key not in set": rs(other, "k1", "acme"),
		"no kid, other":  rs(other, "", "acme"),
		"alg confusion":  tokenOf(t, jwt.SigningMethodHS256, key.N.Bytes(), claimsFor("acme")),
	} {
		assert.Equal(t, http.StatusUnauthorized, e.do("GET", "/users/u1", tok, "").status, name)
	}
}

// setup in memory mode prints working demo tokens for acme and globex.
func TestSetupDemoTokens(t *testing.T) {
	var out strings.Builder
	h, err := setup(t.Context(), config{addr: "127.0.0.1:0", issuer: "tenantapi", audience: "tenantapi", claim: "tenant_id"}, &out, nil)
	require.NoError(t, err)
	lines := strings.Split(out.String(), "\n")
	toks := map[string]string{}
	for i, l := range lines {
		for _, tenant := range []string{"acme", "globex"} {
			if strings.HasPrefix(l, "token for tenant "+tenant) {
				toks[tenant] = strings.TrimSpace(lines[i+1])
			}
		}
	}
	require.Len(t, toks, 2, out.String())
	srv := httptest.NewServer(h)
	defer srv.Close()
	e := &env{t: t, url: srv.URL, client: srv.Client()}
	require.Equal(t, http.StatusCreated, e.do("POST", "/users", toks["acme"], `{"id":"u1","name":"A"}`).status)
	assert.Equal(t, http.StatusOK, e.do("GET", "/users/u1", toks["acme"], "").status)
	assert.Equal(t, http.StatusNotFound, e.do("GET", "/users/u1", toks["globex"], "").status)

	_, err = setup(t.Context(), config{endpoint: "http://127.0.0.1:1"}, &out, nil)
	assert.ErrorContains(t, err, "-hmac-key or -jwks-url", "DynamoDB needs a real key")
	_, err = setup(t.Context(), config{hmacKey: "k", jwksURL: "http://x"}, &out, nil)
	assert.Error(t, err)
}

// setup with -endpoint: the table is made when missing (as an operator),
// and the service answers with tokens of the given key only.
func TestSetupDynamoDB(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	table := dynamotest.TableName(t)
	dynamotest.DeleteTableOnCleanup(t, dynamotest.Client(t), table)
	var out strings.Builder
	c := config{endpoint: endpoint, table: table, hmacKey: string(testKey), issuer: "tenantapi", audience: "tenantapi", claim: "tenant_id"}
	h, err := setup(t.Context(), c, &out, nil)
	require.NoError(t, err)
	assert.NotContains(t, out.String(), "token for tenant", "no demo tokens on DynamoDB")
	srv := httptest.NewServer(h)
	defer srv.Close()
	e := &env{t: t, url: srv.URL, client: srv.Client()}
	require.Equal(t, http.StatusCreated, e.do("POST", "/users", token(t, "acme"), `{"id":"u1","name":"A"}`).status)
	assert.Equal(t, http.StatusOK, e.do("GET", "/users/u1", token(t, "acme"), "").status)
	assert.Equal(t, http.StatusNotFound, e.do("GET", "/users/u1", token(t, "globex"), "").status)
	other := tokenOf(t, jwt.SigningMethodHS256, []byte("not the key, but 32 bytes long.."), claimsFor("acme"))
	assert.Equal(t, http.StatusUnauthorized, e.do("GET", "/users/u1", other, "").status)
}
