package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
)

// recorder is a canned transport that keeps the request bodies.
type recorder struct {
	canned
	bodies []map[string]any
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
	r.bodies = append(r.bodies, body)
	req.Body = io.NopCloser(bytes.NewReader(data))
	return r.canned.RoundTrip(req)
}

// TestCannedSameWork checks that the two sides of BenchmarkCanned ask
// DynamoDB for the same things: the same key, the same item, the same
// page size (Limit 100: the repository fetches no more than the page
// needs), and that the canned answers decode alike.
func TestCannedSameWork(t *testing.T) {
	rec := &recorder{canned: canned{bodies: cannedResponses(benchTenant)}}
	c := client(rec, "http://dynamodb.canned.invalid")
	s := newSides(t, c, raw{c: c, table: benchTable}, benchTenant)
	last := func() map[string]any { return rec.bodies[len(rec.bodies)-1] }

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
// the requests that ask for it, as DynamoDB does: the repository's (since
// issue #14), which a Meter then reads, and not the hand-written side's.
func TestCannedCapacity(t *testing.T) {
	rec := &recorder{canned: canned{bodies: cannedResponses(benchTenant)}}
	c := client(rec, "http://dynamodb.canned.invalid")
	s := newSides(t, c, raw{c: c, table: benchTable}, benchTenant)
	last := func() map[string]any { return rec.bodies[len(rec.bodies)-1] }

	_, err := s.raw.get(s.ctx, s.tenant, id(42))
	require.NoError(t, err)
	assert.NotContains(t, last(), "ReturnConsumedCapacity")

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
