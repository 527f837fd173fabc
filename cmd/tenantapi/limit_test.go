package main

import (
	"bytes"
	"context"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/limit"
)

// TestTenantLimit: a tenant over its limit gets 429 with the limiter's
// wait as Retry-After, in seconds rounded up; another tenant is served.
func TestTenantLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lb, err := limit.New(memory.New(), limit.WithClock(func() time.Time { return now }),
		limit.WithLimits(func(string) limit.Limits { return limit.Limits{RequestsPerSecond: 0.4, RequestBurst: 2} }))
	require.NoError(t, err)
	e := newEnv(t, lb)
	acme, globex := token(t, "acme"), token(t, "globex")
	for range 2 {
		r := e.do("POST", "/users", acme, `{"name":"A"}`)
		require.Equal(t, http.StatusCreated, r.status, r.body)
	}
	r := e.do("POST", "/users", acme, `{"name":"A"}`)
	assert.Equal(t, http.StatusTooManyRequests, r.status, r.body)
	assert.Equal(t, "3", r.header.Get("Retry-After"), "1 token at 0.4/s: 2.5 s, rounded up")
	assert.Contains(t, r.body, "acme")

	r = e.do("POST", "/users", globex, `{"name":"G"}`)
	assert.Equal(t, http.StatusCreated, r.status, r.body)
}

// TestSetupTenantLimitFlags: -tenant-rps and -tenant-units wrap the store
// in a limiter; bad values are refused at start-up.
func TestSetupTenantLimitFlags(t *testing.T) {
	var out bytes.Buffer
	logger := log.New(&out, "", 0)
	h, err := setup(context.Background(), config{hmacKey: "k", issuer: "tenantapi", audience: "tenantapi", claim: "tenant_id", tenantRPS: 1}, &out, logger)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "limits per tenant: 1 requests/s")
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, client: srv.Client()}
	tok := tokenOf(t, jwt.SigningMethodHS256, []byte("k"), claimsFor("acme"))
	statuses := []int{}
	for range 3 {
		statuses = append(statuses, e.do("GET", "/users/u1", tok, "").status)
	}
	assert.Equal(t, []int{404, 429, 429}, statuses)

	for _, c := range []config{{tenantRPS: -1}, {tenantUnits: -2}} {
		c.hmacKey = "k"
		_, err := setup(context.Background(), c, &out, logger)
		require.ErrorIs(t, err, limit.ErrInvalidLimits)
		assert.True(t, strings.HasPrefix(err.Error(), "-tenant-rps"), err.Error())
	}
}
