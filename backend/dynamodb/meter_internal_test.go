package dynamodb

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// putAnswer is a PutItem response with the capacity DynamoDB reports to
// ReturnConsumedCapacity INDEXES, putTotal the one to TOTAL.
const (
	putAnswer = `{"ConsumedCapacity":{"TableName":"table","CapacityUnits":1.0,"Table":{"CapacityUnits":1.0}}}`
	putTotal  = `{"ConsumedCapacity":{"TableName":"table","CapacityUnits":1.0}}`
)

// inProcess answers every request with putAnswer (putTotal to a request
// that asks for TOTAL), in the caller's goroutine, and keeps the metered
// context each request was made in (nil for none) and whether it asked
// for TOTAL. It reads the request into a buffer of its own, so that it
// allocates alike whatever the request asks.
type inProcess struct {
	seen  []*metered
	total []bool
	buf   [8192]byte
}

func (p *inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		n, _ := io.ReadFull(r.Body, p.buf[:])
		_ = r.Body.Close()
		body = p.buf[:n]
	}
	m, _ := r.Context().Value(meteredKey{}).(*metered)
	p.seen = append(p.seen, m)
	answer := putAnswer
	total := bytes.Contains(body, []byte(`"ReturnConsumedCapacity":"TOTAL"`))
	p.total = append(p.total, total)
	if total {
		answer = putTotal
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "Content-Length": {strconv.Itoa(len(answer))}},
		Body:          io.NopCloser(strings.NewReader(answer)),
		ContentLength: int64(len(answer)),
		Request:       r,
	}, nil
}

func inProcessBackend(t *testing.T) (*Backend, *inProcess) {
	t.Helper()
	p := &inProcess{}
	client := ddb.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("fake", "fake", ""),
		BaseEndpoint: aws.String("http://dynamodb.test.invalid"),
		HTTPClient:   &http.Client{Transport: p},
	})
	b, err := New(client, "table")
	require.NoError(t, err)
	return b, p
}

func putIn(ctx context.Context, b *Backend) error {
	return b.Put(ctx, backend.PutInput{Item: backend.Item{
		"PK": &types.AttributeValueMemberS{Value: "tenant#acme"},
		"SK": &types.AttributeValueMemberS{Value: "a#1"},
	}})
}

// TestMeteredOnlyWhenAsked: a request whose context carries no meter is
// made in the caller's context, without the attempt counter; one whose
// context does is made in a metered context of its own, which counts its
// attempts and charges them with the reported capacity.
func TestMeteredOnlyWhenAsked(t *testing.T) {
	b, p := inProcessBackend(t)
	require.NoError(t, putIn(t.Context(), b))
	ctx, m := backend.WithMeter(t.Context())
	require.NoError(t, putIn(ctx, b))
	require.NoError(t, putIn(ctx, b))

	require.Len(t, p.seen, 3)
	assert.Nil(t, p.seen[0], "an unmetered request is not metered")
	require.NotNil(t, p.seen[1])
	require.NotNil(t, p.seen[2])
	assert.NotSame(t, p.seen[1], p.seen[2], "each request counts its own attempts")
	assert.Equal(t, 1, p.seen[1].sent)
	want := backend.Usage{Requests: 2}
	want.Capacity.Table.Write = 2
	assert.Equal(t, want, m.Usage())
}

// TestMeteredRequestAllocations: metering a request (its context being
// metered already) costs at most four allocations: the metered context,
// the SDK's copy of its middleware options and of its stack's order with
// the counter in them, and asking for the consumed capacity, which an
// unmetered request does not (metered.ask). The counter and the option
// are the same for every request.
func TestMeteredRequestAllocations(t *testing.T) {
	b, _ := inProcessBackend(t)
	ctx, _ := backend.WithMeter(t.Context())
	plain := minAllocs(func() { _ = putIn(t.Context(), b) })
	metered := minAllocs(func() { _ = putIn(ctx, b) })
	t.Logf("Put: %d allocations, %d metered", plain, metered)
	if metered > plain+4 {
		t.Errorf("a metered Put allocates %d times, an unmetered one %d: more than 4 more", metered, plain)
	}
}

// minAllocs returns the fewest heap allocations one call of f made, over
// 50 calls: sync.Pool misses (which the race detector makes at random)
// only add.
func minAllocs(f func()) uint64 {
	var a, b runtime.MemStats
	least := ^uint64(0)
	for range 50 {
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		least = min(least, b.Mallocs-a.Mallocs)
	}
	return least
}

// TestCapacityAskedWhenMetered: a request asks DynamoDB for its consumed
// capacity exactly when its context is metered: INDEXES when a meter wants
// every figure, TOTAL when its meters read only the total.
func TestCapacityAskedWhenMetered(t *testing.T) {
	returnCapacity := func(ctx context.Context) types.ReturnConsumedCapacity {
		_, m, _ := meter(ctx)
		return m.ask()
	}
	assert.Equal(t, types.ReturnConsumedCapacity(""), returnCapacity(t.Context()))
	ctx, _ := backend.WithMeter(t.Context())
	assert.Equal(t, types.ReturnConsumedCapacityIndexes, returnCapacity(ctx))
	assert.Equal(t, types.ReturnConsumedCapacity(""), returnCapacity(backend.WithoutMeter(ctx)))
	units, _ := backend.WithUnitsMeter(t.Context())
	assert.Equal(t, types.ReturnConsumedCapacityTotal, returnCapacity(units))
	both, _ := backend.WithUnitsMeter(ctx)
	assert.Equal(t, types.ReturnConsumedCapacityIndexes, returnCapacity(both))
}

// TestUnitsMeteredRequest: a request whose meters read only totals is made
// in the caller's context, without a metered context of its own or the
// attempt counter (so without the SDK's two copies for it: at least three
// allocations fewer than a fully metered one), asks for TOTAL, and charges
// the total as the table's, as one request.
func TestUnitsMeteredRequest(t *testing.T) {
	b, p := inProcessBackend(t)
	ctx, m := backend.WithUnitsMeter(t.Context())
	require.NoError(t, putIn(ctx, b))
	require.Len(t, p.seen, 1)
	assert.Nil(t, p.seen[0], "not counted")
	assert.True(t, p.total[0], "asks for TOTAL")
	want := backend.Usage{Requests: 1}
	want.Capacity.Table.Write = 1
	assert.Equal(t, want, m.Usage())

	full, _ := backend.WithMeter(t.Context())
	units := minAllocs(func() { _ = putIn(ctx, b) })
	fully := minAllocs(func() { _ = putIn(full, b) })
	t.Logf("Put: %d allocations metered for units, %d fully", units, fully)
	if units+3 > fully {
		t.Errorf("a Put metered for units allocates %d times, a fully metered one %d: not 3 fewer", units, fully)
	}
}
