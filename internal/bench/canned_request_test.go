package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/repo"
)

// recorder is a canned transport that keeps the request bodies in log,
// which the recorders of both sides share. With asked set it answers each
// request with the capacity at the level the request asks for (its
// capacity field is then ignored).
type recorder struct {
	canned
	log   *[]map[string]any
	asked bool
}

// recordedClients are cannedClients whose transports record the request
// bodies, and the function that returns the last one.
func recordedClients() (repoClient, rawClient *ddb.Client, last func() map[string]any) {
	var log []map[string]any
	bodies := cannedResponses(benchTenant)
	repoClient = client(&recorder{canned: canned{bodies: bodies, capacity: types.ReturnConsumedCapacityIndexes}, log: &log}, cannedEndpoint)
	rawClient = client(&recorder{canned: canned{bodies: bodies}, log: &log}, cannedEndpoint)
	return repoClient, rawClient, func() map[string]any { return log[len(log)-1] }
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	data, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, err
	}
	*r.log = append(*r.log, body)
	req.Body = io.NopCloser(bytes.NewReader(data))
	if r.asked {
		level, _ := body["ReturnConsumedCapacity"].(string)
		c := canned{bodies: r.bodies, capacity: types.ReturnConsumedCapacity(level)}
		return c.RoundTrip(req)
	}
	return r.canned.RoundTrip(req)
}

// TestCannedSameWork checks that the two sides of BenchmarkCanned ask
// DynamoDB for the same things: the same key, the same item, the same
// page size (Limit 100: the repository fetches no more than the page
// needs), and that the canned answers decode alike.
func TestCannedSameWork(t *testing.T) {
	rc, wc, last := recordedClients()
	s := newSides(t, rc, raw{c: wc, table: benchTable}, benchTenant)

	want, err := s.raw.get(s.ctx, s.tenant, id(42))
	require.NoError(t, err)
	rawGet := last()
	got, err := s.repo.Get(s.ctx, id(42))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, rawGet["Key"], last()["Key"])
	assert.Equal(t, rawGet["TableName"], last()["TableName"])

	require.NoError(t, s.raw.put(s.ctx, s.tenant, profile(7)))
	rawPut := last()
	stored, err := s.repo.Put(s.ctx, profile(7))
	require.NoError(t, err)
	assert.Equal(t, profile(7), stored)
	assert.Equal(t, rawPut["Item"], last()["Item"])
	assert.NotContains(t, last(), "ConditionExpression")

	ps, _, err := s.raw.query(s.ctx, s.tenant, pageSize, nil)
	require.NoError(t, err)
	rawQuery := last()
	page, err := s.repo.List(s.ctx, repo.WithLimit(pageSize))
	require.NoError(t, err)
	assert.Equal(t, ps, page.Items)
	assert.NotEmpty(t, page.Next)
	assert.EqualValues(t, pageSize, rawQuery["Limit"])
	assert.EqualValues(t, pageSize, last()["Limit"], "the repository asks for its page size")
	assert.Equal(t, rawQuery["TableName"], last()["TableName"])
}

// TestCannedCapacity checks that the canned transport reports capacity to
// the side whose requests ask for it, as DynamoDB does: the repository's
// (since issue #14), which a Meter then reads, and not the hand-written
// side's, whose requests do not ask.
func TestCannedCapacity(t *testing.T) {
	rc, wc, last := recordedClients()
	s := newSides(t, rc, raw{c: wc, table: benchTable}, benchTenant)

	_, err := s.raw.get(s.ctx, s.tenant, id(42))
	require.NoError(t, err)
	assert.NotContains(t, last(), "ReturnConsumedCapacity")
	_, err = s.repo.Get(s.ctx, id(42))
	require.NoError(t, err)
	assert.NotContains(t, last(), "ReturnConsumedCapacity", "an unmetered repository call does not ask")

	for _, tc := range []struct {
		name        string
		call        func(ctx context.Context) error
		read, write float64
	}{
		{"Get", func(ctx context.Context) error { _, err := s.repo.Get(ctx, id(42)); return err }, 0.5, 0},
		{"Put", func(ctx context.Context) error { _, err := s.repo.Put(ctx, profile(7)); return err }, 0, 1},
		{"Query", func(ctx context.Context) error { _, err := s.repo.List(ctx, repo.WithLimit(pageSize)); return err }, 2, 0},
	} {
		ctx, m := repo.WithMeter(s.ctx)
		require.NoError(t, tc.call(ctx), tc.name)
		assert.Equal(t, "INDEXES", last()["ReturnConsumedCapacity"], tc.name)
		u := m.Usage()
		assert.Equal(t, 1, u.Requests, tc.name)
		assert.Equal(t, backend.Units{Read: tc.read, Write: tc.write}, u.Capacity.Table, tc.name)
	}
}

// TestCannedCapacityLimiter checks what BenchmarkIssue14's with=limit
// relies on: a Get, Put or List page that only a limiter meters asks for
// the totals alone (TOTAL), whose answer charges the tenant's units bucket,
// and one that an observer's meter also meters asks for INDEXES, whose
// table figures the observer gets. The transport answers each request at
// the level it asks for.
func TestCannedCapacityLimiter(t *testing.T) {
	var log []map[string]any
	c := client(&recorder{canned: canned{bodies: cannedResponses(benchTenant)}, log: &log, asked: true}, cannedEndpoint)
	store, err := dynamodbbackend.New(c, benchTable)
	require.NoError(t, err)
	now := time.Unix(1e9, 0)
	lb, err := limit.New(store, limit.WithClock(func() time.Time { return now }),
		limit.WithLimits(func(string) limit.Limits { return limit.Limits{UnitsPerSecond: 1, UnitBurst: 1} }))
	require.NoError(t, err)
	r, err := repo.New[Profile](lb)
	require.NoError(t, err)
	ctx := tenantCtx(t, benchTenant)
	asked := func() any { return log[len(log)-1]["ReturnConsumedCapacity"] }

	// A Put costs one write unit: the bucket of one unit is empty after it,
	// and the next call is refused until a unit has come back.
	_, err = r.Put(ctx, profile(7))
	require.NoError(t, err)
	assert.Equal(t, "TOTAL", asked(), "Put")
	_, err = r.Get(ctx, id(42))
	assert.ErrorIs(t, err, repo.ErrThrottled, "the Put's unit was charged")
	now = now.Add(time.Second)
	_, err = r.Get(ctx, id(42))
	require.NoError(t, err)
	assert.Equal(t, "TOTAL", asked(), "Get")
	now = now.Add(time.Second)
	_, err = r.List(ctx, repo.WithLimit(pageSize))
	require.NoError(t, err)
	assert.Equal(t, "TOTAL", asked(), "List")
	_, err = r.Get(ctx, id(42))
	assert.ErrorIs(t, err, repo.ErrThrottled, "the page's 2 units were charged")
	n := len(log)
	now = now.Add(2 * time.Second)

	mctx, m := repo.WithMeter(ctx)
	_, err = r.Get(mctx, id(42))
	require.NoError(t, err)
	require.Len(t, log, n+1)
	assert.Equal(t, "INDEXES", asked(), "an observer's meter wants the table's figures")
	assert.Equal(t, backend.Units{Read: 0.5}, m.Usage().Capacity.Table)
	assert.Equal(t, 1, m.Usage().Requests)
}
