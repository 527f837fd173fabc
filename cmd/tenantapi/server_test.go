package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenanthttp/jwtauth"
)

var testKey = []byte("tenantapi test key, 32 bytes....")

// stores are the backends every end-to-end test runs on; DynamoDB Local's
// is skipped without DYNAMODB_ENDPOINT. Its client has the service's
// clientOptions, the tenant guard among them, so every request the
// service sends is checked as in production.
var stores = map[string]func(t *testing.T) backend.Backend{
	"memory":   func(*testing.T) backend.Backend { return memory.New() },
	"dynamodb": guardedTable,
}

// guardedTable returns a DynamoDB backend on a new table of its own,
// through a client built with clientOptions, created as the service
// creates it (as an operator) and deleted when the test ends.
func guardedTable(t *testing.T) backend.Backend {
	plain := dynamotest.Client(t)
	name := dynamotest.TableName(t)
	client := dynamodb.New(plain.Options(), clientOptions...)
	b, err := dynamodbbackend.New(client, name)
	require.NoError(t, err)
	opCtx, err := tenantctx.AsOperator(t.Context(), "tenantapi tests: create the table")
	require.NoError(t, err)
	require.NoError(t, b.EnsureTable(opCtx))
	dynamotest.DeleteTableOnCleanup(t, plain, name)
	return b
}

func onEveryStore(t *testing.T, f func(t *testing.T, b backend.Backend)) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) { f(t, open(t)) })
	}
}

// env is a running service with its HTTP client.
type env struct {
	t      *testing.T
	url    string
	client *http.Client
}

func newEnv(t *testing.T, b backend.Backend) *env {
	verify, err := jwtauth.New(jwtauth.HMAC(testKey), jwtauth.Options{
		Algorithms: []string{"HS256"}, Issuer: "tenantapi", Audience: "tenantapi",
	})
	require.NoError(t, err)
	h, err := newHandler(b, verify, nil)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL, client: srv.Client()}
}

// claimsFor are the claims of a valid token of tenant.
func claimsFor(tenant string) jwt.MapClaims {
	return jwt.MapClaims{"tenant_id": tenant, "iss": "tenantapi", "aud": "tenantapi", "exp": time.Now().Add(time.Hour).Unix()}
}

func tokenOf(t *testing.T, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	require.NoError(t, err)
	return s
}

func token(t *testing.T, tenant string) string {
	return tokenOf(t, jwt.SigningMethodHS256, testKey, claimsFor(tenant))
}

// resp is an answer.
type resp struct {
	status int
	header http.Header
	body   string
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.body), &m), r.body)
	return m
}

// do sends a request with the path as written (not cleaned, not escaped
// again) and the given headers; tok "" sends no Authorization.
func (e *env) do(method, path, tok, body string, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	require.NoError(e.t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := e.client.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

func TestEndpoints(t *testing.T) {
	onEveryStore(t, func(t *testing.T, b backend.Backend) {
		e := newEnv(t, b)
		acme := token(t, "acme")

		r := e.do("POST", "/users", acme, `{"name":"Alice","email":"alice@example.com"}`)
		require.Equal(t, http.StatusCreated, r.status, r.body)
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		alice := r.json(t)
		assert.Equal(t, "Alice", alice["name"])
		assert.Len(t, alice["id"], 36, "a generated UUID")

		r = e.do("POST", "/users", acme, `{"id":"u1","name":"Bob","email":"bob@example.com"}`)
		require.Equal(t, http.StatusCreated, r.status, r.body)
		assert.Equal(t, map[string]any{"id": "u1", "name": "Bob", "email": "bob@example.com"}, r.json(t))
		r = e.do("POST", "/users", acme, `{"id":"u1","name":"Bob again"}`)
		assert.Equal(t, http.StatusConflict, r.status, r.body)
		assert.Contains(t, r.json(t)["error"], "already exists")

		r = e.do("GET", "/users/u1", acme, "")
		require.Equal(t, http.StatusOK, r.status, r.body)
		assert.Equal(t, map[string]any{"id": "u1", "name": "Bob", "email": "bob@example.com"}, r.json(t))
		assert.Equal(t, http.StatusNotFound, e.do("GET", "/users/nobody", acme, "").status)

		var orderIDs []string
		for i, amount := range []string{"150", "200", "250"} {
			body := `{"user_id":"u1","amount":` + amount + `}`
			if i == 0 {
				body = `{"id":"o1","user_id":"u1","amount":` + amount + `}`
			}
			r = e.do("POST", "/orders", acme, body)
			require.Equal(t, http.StatusCreated, r.status, r.body)
			o := r.json(t)
			assert.Equal(t, "u1", o["user_id"])
			assert.NotEmpty(t, o["created_at"])
			orderIDs = append(orderIDs, o["id"].(string))
			time.Sleep(2 * time.Millisecond) // distinct creation times
		}
		assert.Equal(t, "o1", orderIDs[0])
		assert.Equal(t, http.StatusConflict, e.do("POST", "/orders", acme, `{"id":"o1","user_id":"u1","amount":1}`).status)
		r = e.do("POST", "/orders", acme, `{"user_id":"nobody","amount":1}`)
		assert.Equal(t, http.StatusBadRequest, r.status, "an order for a user the tenant lacks")
		assert.Contains(t, r.json(t)["error"], "no such user")

		// The tenant's orders, a page at a time.
		var listed []string
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 5)
			path := "/orders?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			r = e.do("GET", path, acme, "")
			require.Equal(t, http.StatusOK, r.status, r.body)
			var p pageJSON[orderJSON]
			require.NoError(t, json.Unmarshal([]byte(r.body), &p))
			assert.LessOrEqual(t, len(p.Items), 2)
			for _, o := range p.Items {
				listed = append(listed, o.ID)
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		assert.ElementsMatch(t, orderIDs, listed)

		// Orders of a user, newest first.
		r = e.do("GET", "/users/u1/orders", acme, "")
		require.Equal(t, http.StatusOK, r.status, r.body)
		var p pageJSON[orderJSON]
		require.NoError(t, json.Unmarshal([]byte(r.body), &p))
		require.Len(t, p.Items, 3)
		assert.Equal(t, []string{orderIDs[2], orderIDs[1], orderIDs[0]}, []string{p.Items[0].ID, p.Items[1].ID, p.Items[2].ID})
		assert.Equal(t, int64(250), p.Items[0].Amount)
		r = e.do("GET", "/users/"+alice["id"].(string)+"/orders", acme, "")
		require.Equal(t, http.StatusOK, r.status)
		assert.JSONEq(t, `{"items":[]}`, r.body)
		assert.Equal(t, http.StatusNotFound, e.do("GET", "/users/nobody/orders", acme, "").status)
	})
}

func TestBadInput(t *testing.T) {
	onEveryStore(t, func(t *testing.T, b backend.Backend) {
		e := newEnv(t, b)
		acme := token(t, "acme")
		require.Equal(t, http.StatusCreated, e.do("POST", "/users", acme, `{"id":"u1","name":"A"}`).status)
		cases := []struct{ method, path, body string }{
			{"POST", "/users", `{"name":`},
			{"POST", "/users", ``},
			{"POST", "/users", `[]`},
			{"POST", "/users", `{"name":"A"} {"name":"B"}`},
			{"POST", "/users", `{"name":"A","tenant":"globex"}`},
			{"POST", "/users", `{"id":"a#b","name":"A"}`},
			{"POST", "/users", `{"id":"` + strings.Repeat("x", 2000) + `","name":"A"}`},
			{"POST", "/users", `{"name":"` + strings.Repeat("x", maxBody) + `"}`},
			{"POST", "/users?tenant=globex", `{"name":"A"}`},
			{"POST", "/orders", `{"user_id":"u1","amount":"12"}`},
			{"POST", "/orders", `{"user_id":"u1","amount":1,"created_at":"2020-01-01T00:00:00.000000000Z"}`},
			{"POST", "/orders", `{"id":"a#b","user_id":"u1","amount":1}`},
			{"POST", "/orders", `{"user_id":"u#1","amount":1}`},
			{"GET", "/users/a%23b", ""},
			{"GET", "/users/u1?x=1", ""},
			{"GET", "/users/a%23b/orders", ""},
			{"GET", "/orders?limit=0", ""},
			{"GET", "/orders?limit=1001", ""},
			{"GET", "/orders?limit=abc", ""},
			{"GET", "/orders?limit=1&limit=2", ""},
			{"GET", "/orders?cursor=garbage", ""},
			{"GET", "/orders?tenant=globex", ""},
			{"GET", "/users/u1/orders?cursor=garbage", ""},
		}
		for _, c := range cases {
			r := e.do(c.method, c.path, acme, c.body)
			assert.Equal(t, http.StatusBadRequest, r.status, "%s %s %.80s: %s", c.method, c.path, c.body, r.body)
			if r.status == http.StatusBadRequest {
				assert.NotEmpty(t, r.json(t)["error"])
			}
		}
	})
}

// Refusals of the middleware, through the service: nothing reaches a
// repository (the throttling store would answer 429 if it did).
func TestAuthStatuses(t *testing.T) {
	e := newEnv(t, faulty{Backend: memory.New(), err: backend.ErrThrottled})
	expired := claimsFor("acme")
	expired["exp"] = time.Now().Add(-time.Minute).Unix()
	for name, c := range map[string]struct {
		tok       string
		status    int
		challenge string
	}{
		"no token":        {"", 401, `Bearer realm="tenantapi"`},
		"garbage":         {"abc", 401, `Bearer realm="tenantapi", error="invalid_token"`},
		"expired":         {tokenOf(t, jwt.SigningMethodHS256, testKey, expired), 401, `Bearer realm="tenantapi", error="invalid_token"`},
		"tenant with '#'": {token(t, "acme#globex"), 400, ""},
		"empty tenant":    {token(t, ""), 401, `Bearer realm="tenantapi", error="invalid_token"`},
	} {
		for _, path := range []string{"/users/u1", "/orders", "/users/u1/orders"} {
			r := e.do("GET", path, c.tok, "")
			assert.Equal(t, c.status, r.status, "%s %s", name, path)
			assert.Equal(t, c.challenge, r.header.Get("WWW-Authenticate"), name)
		}
		r := e.do("POST", "/users", c.tok, `{"name":"A"}`)
		assert.Equal(t, c.status, r.status, name)
	}
	// And the store really is reached with a good token.
	r := e.do("GET", "/users/u1", token(t, "acme"), "")
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "1", r.header.Get("Retry-After"))
}

// faulty is a store whose reads and writes fail with err.
type faulty struct {
	backend.Backend
	err error
}

func (f faulty) Get(context.Context, backend.GetInput) (backend.Item, error) { return nil, f.err }
func (f faulty) Put(context.Context, backend.PutInput) error                 { return f.err }
func (f faulty) Query(context.Context, backend.QueryInput) (backend.QueryOutput, error) {
	return backend.QueryOutput{}, f.err
}

func TestStoreErrors(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
	}{
		{backend.ErrThrottled, http.StatusTooManyRequests},
		{backend.ErrItemTooLarge, http.StatusRequestEntityTooLarge},
		{errors.New("boom: secret detail"), http.StatusInternalServerError},
		{backend.ErrConflict, http.StatusConflict},
		{backend.ErrConditionFailed, http.StatusPreconditionFailed},
		{backend.ErrInvalidArgument, http.StatusBadRequest},
	} {
		e := newEnv(t, faulty{Backend: memory.New(), err: c.err})
		acme := token(t, "acme")
		for _, r := range []resp{
			e.do("GET", "/users/u1", acme, ""),
			e.do("GET", "/orders", acme, ""),
			e.do("POST", "/users", acme, `{"name":"A"}`),
		} {
			assert.Equal(t, c.status, r.status, "%v: %s", c.err, r.body)
			assert.NotContains(t, r.body, "secret detail")
			if c.status == http.StatusTooManyRequests {
				assert.Equal(t, "1", r.header.Get("Retry-After"))
			} else {
				assert.Empty(t, r.header.Get("Retry-After"))
			}
		}
	}
}

// statusOf for the kinds no route of the service can cause with the shop's
// entities (they are not versioned and the routes set no conditions).
func TestStatusOf(t *testing.T) {
	for err, want := range map[error]int{
		repo.ErrNotFound: 404, repo.ErrAlreadyExists: 409, repo.ErrConflict: 409,
		repo.ErrConditionFailed: 412, repo.ErrItemTooLarge: 413, repo.ErrThrottled: 429,
		repo.ErrInvalidArgument: 400, repo.ErrUnknownIndex: 400, repo.ErrMissingIndex: 400,
		repo.ErrInvalidID: 400, repo.ErrInvalidCursor: 400, repo.ErrInvalidTenant: 400,
		tenantctx.ErrNoTenant: 401, repo.ErrDecode: 500, repo.ErrTxCanceled: 500,
		errBadRequest: 400, errUnknownUser: 400, errors.New("x"): 500,
	} {
		assert.Equal(t, want, statusOf(errors.Join(errors.New("op"), err)), "%v", err)
	}
	rec := httptest.NewRecorder()
	(&api{log: log.New(io.Discard, "", 0)}).fail(rec, httptest.NewRequest("GET", "/", nil), repo.ErrConditionFailed)
	assert.Equal(t, 412, rec.Code)
	assert.JSONEq(t, `{"error":"repo: condition failed"}`, rec.Body.String())
}
