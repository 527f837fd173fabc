package dynamodb_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
)

// TestScanRequest checks the Scan request as it is sent: segments, limit,
// consistency, start key, and for KeysOnly a projection of PK and SK
// through placeholders; and the LastEvaluatedKey read back.
func TestScanRequest(t *testing.T) {
	t.Parallel()
	b, reqs := fakeBackend(t, func(op string, _ map[string]any) (int, string) {
		return http.StatusOK, `{
			"Items": [{"PK": {"S": "tenant#acme"}, "SK": {"S": "a#2"}}],
			"LastEvaluatedKey": {"PK": {"S": "tenant#acme"}, "SK": {"S": "a#2"}}
		}`
	})
	start := key(pk, "a#1")
	out, err := b.Scan(t.Context(), backend.ScanInput{Segment: 2, TotalSegments: 7, Limit: 1, StartKey: &start, KeysOnly: true, ConsistentRead: true})
	require.NoError(t, err)
	assert.Equal(t, []backend.Item{item(pk, "a#2")}, out.Items)
	assert.Equal(t, &backend.Key{PK: pk, SK: "a#2"}, out.LastKey)

	sent := reqs()
	require.Len(t, sent, 1)
	body := sent[0].Body
	assert.Equal(t, "Scan", sent[0].Op)
	assert.Equal(t, float64(2), body["Segment"])
	assert.Equal(t, float64(7), body["TotalSegments"])
	assert.Equal(t, float64(1), body["Limit"])
	assert.Equal(t, true, body["ConsistentRead"])
	assert.Equal(t, map[string]any{"PK": map[string]any{"S": pk}, "SK": map[string]any{"S": "a#1"}}, body["ExclusiveStartKey"])
	names := body["ExpressionAttributeNames"].(map[string]any)
	assert.ElementsMatch(t, []any{"PK", "SK"}, []any{names["#0"], names["#1"]})
	assert.Equal(t, "#0, #1", body["ProjectionExpression"])
}

// TestScanRefusedWithoutRequest checks that an input ScanInput.Check
// refuses never reaches DynamoDB.
func TestScanRefusedWithoutRequest(t *testing.T) {
	t.Parallel()
	b, reqs := fakeBackend(t, func(string, map[string]any) (int, string) { return http.StatusOK, `{}` })
	_, err := b.Scan(t.Context(), backend.ScanInput{Segment: 1, TotalSegments: 1, Limit: 1})
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	_, err = b.Scan(t.Context(), backend.ScanInput{TotalSegments: 1, Limit: 1, StartKey: &backend.Key{PK: pk, SK: "a", IndexPK: "x"}})
	require.ErrorIs(t, err, backend.ErrInvalidStartKey)
	assert.Empty(t, reqs())
}

// noScan is a client that implements API but not ScanAPI.
type noScan struct{ dynamodbbackend.API }

// TestScanUnsupportedClient: a client wrapper without Scan still makes a
// backend, whose Scan says it is unsupported.
func TestScanUnsupportedClient(t *testing.T) {
	t.Parallel()
	client, _ := fakeServer(t, func(string, map[string]any) (int, string) { return http.StatusOK, `{}` })
	b, err := dynamodbbackend.New(noScan{client}, fakeTable)
	require.NoError(t, err)
	_, err = b.Scan(t.Context(), backend.ScanInput{TotalSegments: 1, Limit: 1})
	require.ErrorIs(t, err, backend.ErrUnsupported)
}
