package bench

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	req.Body = io.NopCloser(http.NoBody)
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
