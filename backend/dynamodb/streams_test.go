package dynamodb_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	st "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// fakeStreams is a DynamoDB Streams of a few shards, in memory, for what
// DynamoDB Local does not do on demand: reshard, page DescribeStream,
// expire iterators, trim, and delete by time to live.
type fakeStreams struct {
	mu      sync.Mutex
	shards  []*fakeShard // in the order DescribeStream lists them
	iters   map[string]fakeIter
	n       int
	expireN int // the next expireN GetRecords calls fail with an expired iterator
	calls   map[string]int
	// trickle, when set, is given a record after each GetRecords of
	// an open shard: a table written to as fast as a page is read.
	trickle func() st.Record
}

type fakeShard struct {
	id, parent string
	recs       []st.Record
	closed     bool
}

type fakeIter struct {
	shard string
	after string // the sequence number of the record before; "" for the start
}

// next returns the index of the record after it, or false when that
// record is trimmed.
func (it fakeIter) next(sh *fakeShard) (int, bool) {
	if it.after == "" {
		return 0, true
	}
	for i, r := range sh.recs {
		if *r.Dynamodb.SequenceNumber == it.after {
			return i + 1, true
		}
	}
	return 0, false
}

func (f *fakeStreams) shard(id string) *fakeShard {
	for _, sh := range f.shards {
		if sh.id == id {
			return sh
		}
	}
	return nil
}

func (f *fakeStreams) DescribeStream(_ context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["DescribeStream"]++
	// One shard a page, to exercise paging.
	i := 0
	if in.ExclusiveStartShardId != nil {
		for j, sh := range f.shards {
			if sh.id == *in.ExclusiveStartShardId {
				i = j + 1
			}
		}
	}
	d := &st.StreamDescription{StreamArn: in.StreamArn}
	if i < len(f.shards) {
		sh := f.shards[i]
		r := &st.SequenceNumberRange{StartingSequenceNumber: aws.String(fmt.Sprintf("%021d", 100*(i+1)))}
		if len(sh.recs) > 0 {
			r.StartingSequenceNumber = sh.recs[0].Dynamodb.SequenceNumber
		}
		if sh.closed {
			r.EndingSequenceNumber = aws.String("999999999999999999999")
		}
		var parent *string
		if sh.parent != "" {
			parent = aws.String(sh.parent)
		}
		d.Shards = []st.Shard{{ShardId: aws.String(sh.id), ParentShardId: parent, SequenceNumberRange: r}}
		if i+1 < len(f.shards) {
			d.LastEvaluatedShardId = aws.String(sh.id)
		}
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: d}, nil
}

func (f *fakeStreams) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["GetShardIterator"]++
	sh := f.shard(aws.ToString(in.ShardId))
	if sh == nil {
		return nil, &st.ResourceNotFoundException{Message: aws.String("no shard")}
	}
	it := fakeIter{shard: sh.id}
	switch in.ShardIteratorType {
	case st.ShardIteratorTypeTrimHorizon:
	case st.ShardIteratorTypeAfterSequenceNumber:
		it.after = aws.ToString(in.SequenceNumber)
		if _, ok := it.next(sh); !ok {
			return nil, &st.TrimmedDataAccessException{Message: aws.String("trimmed")}
		}
	default:
		return nil, fmt.Errorf("unexpected iterator type %s", in.ShardIteratorType)
	}
	f.n++
	id := "iter-" + strconv.Itoa(f.n)
	f.iters[id] = it
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(id)}, nil
}

func (f *fakeStreams) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["GetRecords"]++
	if f.expireN > 0 {
		f.expireN--
		return nil, &st.ExpiredIteratorException{Message: aws.String("expired")}
	}
	it, ok := f.iters[aws.ToString(in.ShardIterator)]
	if !ok {
		return nil, fmt.Errorf("unknown iterator")
	}
	sh := f.shard(it.shard)
	i, ok := it.next(sh)
	if !ok {
		return nil, &st.TrimmedDataAccessException{Message: aws.String("trimmed")}
	}
	end := min(i+int(aws.ToInt32(in.Limit)), len(sh.recs), i+2) // pages of 2 at most
	out := &dynamodbstreams.GetRecordsOutput{Records: slices.Clone(sh.recs[i:end])}
	if f.trickle != nil && !sh.closed {
		defer func() { sh.recs = append(sh.recs, f.trickle()) }()
	}
	if end == len(sh.recs) && sh.closed {
		return out, nil // the shard's end: no next iterator
	}
	next := fakeIter{shard: sh.id, after: it.after}
	if end > 0 {
		next.after = *sh.recs[end-1].Dynamodb.SequenceNumber
	}
	f.n++
	id := "iter-" + strconv.Itoa(f.n)
	f.iters[id] = next
	out.NextShardIterator = aws.String(id)
	return out, nil
}

var fakeSeq int

// rec returns a record of a change of item a#<sk> to value v.
func rec(kind st.OperationType, sk, v string, ttl bool) st.Record {
	fakeSeq++
	s := func(x string) st.AttributeValue { return &st.AttributeValueMemberS{Value: x} }
	keys := map[string]st.AttributeValue{"PK": s("tenant#acme"), "SK": s("a#" + sk)}
	img := map[string]st.AttributeValue{"PK": s("tenant#acme"), "SK": s("a#" + sk), "v": s(v),
		"n": &st.AttributeValueMemberM{Value: map[string]st.AttributeValue{"l": &st.AttributeValueMemberL{Value: []st.AttributeValue{&st.AttributeValueMemberN{Value: "1"}}}}}}
	r := st.Record{EventName: kind, Dynamodb: &st.StreamRecord{
		SequenceNumber:              aws.String(fmt.Sprintf("%021d", fakeSeq)),
		Keys:                        keys,
		ApproximateCreationDateTime: aws.Time(time.Unix(1_700_000_000, 0)),
	}}
	if kind != st.OperationTypeRemove {
		r.Dynamodb.NewImage = img
	}
	if kind != st.OperationTypeInsert {
		r.Dynamodb.OldImage = img
	}
	if ttl {
		r.UserIdentity = &st.Identity{Type: aws.String("Service"), PrincipalId: aws.String("dynamodb.amazonaws.com")}
	}
	return r
}

// streamBackend returns a backend on a fake table with a stream, reading
// it through f.
func streamBackend(t *testing.T, f *fakeStreams) *dynamodbbackend.Backend {
	t.Helper()
	client, _ := fakeServer(t, func(op string, _ map[string]any) (int, string) {
		if op != "DescribeTable" {
			return http.StatusBadRequest, `{"__type": "com.amazon.coral.validate#ValidationException", "message": "unexpected"}`
		}
		return http.StatusOK, `{"Table": {"TableName": "table", "TableStatus": "ACTIVE",
			"StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
			"LatestStreamArn": "arn:aws:dynamodb:us-east-1:1:table/table/stream/1"}}`
	})
	b, err := dynamodbbackend.New(client, fakeTable, func(o *dynamodbbackend.Options) { o.Streams = f })
	require.NoError(t, err)
	return b
}

func readStream(t *testing.T, b *dynamodbbackend.Backend, from string, limit int) ([]backend.Change, string) {
	t.Helper()
	var all []backend.Change
	for {
		out, err := b.ReadChanges(t.Context(), backend.ReadChangesInput{From: from, Limit: limit})
		require.NoError(t, err)
		from = out.Next
		if len(out.Changes) == 0 {
			return all, from
		}
		all = append(all, out.Changes...)
	}
}

// TestStreamLineage: shards listed children first, over pages, are read
// parent first, to their ends; records page; an expired iterator is
// acquired again; a TTL removal is marked Expired; images convert to
// DynamoDB's values, nested ones too.
func TestStreamLineage(t *testing.T) {
	f := &fakeStreams{iters: map[string]fakeIter{}, calls: map[string]int{}}
	root := &fakeShard{id: "shard-root", closed: true, recs: []st.Record{
		rec(st.OperationTypeInsert, "1", "v1", false),
		rec(st.OperationTypeModify, "1", "v2", false),
		rec(st.OperationTypeInsert, "2", "w1", false),
	}}
	left := &fakeShard{id: "shard-left", parent: "shard-root", closed: true, recs: []st.Record{
		rec(st.OperationTypeModify, "1", "v3", false),
	}}
	right := &fakeShard{id: "shard-right", parent: "shard-root", recs: []st.Record{
		rec(st.OperationTypeModify, "2", "w2", false),
		rec(st.OperationTypeRemove, "2", "w2", true),
	}}
	grandchild := &fakeShard{id: "shard-left-child", parent: "shard-left", recs: []st.Record{
		rec(st.OperationTypeRemove, "1", "v3", false),
	}}
	f.shards = []*fakeShard{grandchild, right, left, root} // children first
	b := streamBackend(t, f)

	for _, limit := range []int{1, 2, 0} {
		cs, _ := readStream(t, b, "", limit)
		got := map[string][]string{}
		for _, c := range cs {
			got[c.Key.SK] = append(got[c.Key.SK], fmt.Sprintf("%s %v %s", c.Kind, c.Expired, imageValue(c)))
		}
		assert.Equal(t, map[string][]string{
			"a#1": {"INSERT false v1", "MODIFY false v2", "MODIFY false v3", "REMOVE false v3"},
			"a#2": {"INSERT false w1", "MODIFY false w2", "REMOVE true w2"},
		}, got, "limit %d", limit)
		require.Len(t, cs, 7)
		assert.Equal(t, "shard-root", cs[0].Shard)
		assert.Equal(t, time.Unix(1_700_000_000, 0), cs[0].At)
		assert.Equal(t, backend.Key{PK: "tenant#acme", SK: "a#1"}, cs[0].Key)
		assert.Equal(t, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberN{Value: "1"}}},
		}}, cs[0].New["n"])
	}

	// Resume after the first three, with an iterator expiring.
	out, err := b.ReadChanges(t.Context(), backend.ReadChangesInput{Limit: 3})
	require.NoError(t, err)
	require.Len(t, out.Changes, 3)
	f.mu.Lock()
	f.expireN = 1
	f.mu.Unlock()
	rest, next := readStream(t, b, out.Next, 0)
	assert.Len(t, rest, 4)
	// New records of an open shard come after the checkpoint.
	f.mu.Lock()
	right.recs = append(right.recs, rec(st.OperationTypeInsert, "3", "x", false))
	f.mu.Unlock()
	more, _ := readStream(t, b, next, 0)
	require.Len(t, more, 1)
	assert.Equal(t, "a#3", more[0].Key.SK)

	// A checkpoint of a shard no longer listed, not read to its end, or of
	// a shard whose start is trimmed, is ErrTrimmed.
	f.mu.Lock()
	f.shards = []*fakeShard{grandchild, right}
	f.mu.Unlock()
	_, err = b.ReadChanges(t.Context(), backend.ReadChangesInput{From: out.Next})
	assert.ErrorIs(t, err, backend.ErrTrimmed)
	f.mu.Lock()
	f.shards = []*fakeShard{root, left, right, grandchild}
	f.mu.Unlock()
	head, err := b.ReadChanges(t.Context(), backend.ReadChangesInput{Limit: 1})
	require.NoError(t, err)
	f.mu.Lock()
	root.recs = root.recs[2:] // the first two records of root are trimmed
	f.mu.Unlock()
	_, err = b.ReadChanges(t.Context(), backend.ReadChangesInput{From: head.Next, Limit: 100})
	assert.ErrorIs(t, err, backend.ErrTrimmed, "the record after the checkpoint's position is gone")
}

// TestStreamTrickle: a read of a shard that gets a new record after each
// page it reads ends anyway, and the next read goes on after it.
func TestStreamTrickle(t *testing.T) {
	n := 0
	f := &fakeStreams{iters: map[string]fakeIter{}, calls: map[string]int{}, trickle: func() st.Record {
		n++
		return rec(st.OperationTypeInsert, strconv.Itoa(n), "t", false)
	}}
	f.shards = []*fakeShard{{id: "shard-open", recs: []st.Record{f.trickle()}}}
	b := streamBackend(t, f)
	var all []backend.Change
	from := ""
	for range 3 {
		out, err := b.ReadChanges(t.Context(), backend.ReadChangesInput{From: from})
		require.NoError(t, err)
		require.NotEmpty(t, out.Changes)
		require.Less(t, len(out.Changes), backend.DefaultChangeLimit, "the read ended before its limit")
		all = append(all, out.Changes...)
		from = out.Next
	}
	for i, c := range all {
		require.Equal(t, "a#"+strconv.Itoa(i+1), c.Key.SK, "each record once, in order")
	}
}

func imageValue(c backend.Change) string {
	img := c.New
	if img == nil {
		img = c.Old
	}
	if v, ok := img["v"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return "?"
}

// TestStreamOnDynamoDBLocal: EnsureTable with Options.ChangeFeed turns the
// stream on for a table made without it; a read from a checkpoint taken
// on an empty stream (a shard with no position) finds the changes after
// it; a backend without a Streams client, or a table without a stream, has
// no change feed.
func TestStreamOnDynamoDBLocal(t *testing.T) {
	t.Parallel()
	plain := dynamotest.NewTable(t, dynamodbbackend.WithIndexSlots())
	ctx := t.Context()
	_, err := plain.ReadChanges(ctx, backend.ReadChangesInput{})
	assert.ErrorIs(t, err, backend.ErrNoChangeFeed, "no Streams client")

	noStream, err := dynamodbbackend.New(dynamotest.Client(t), plain.Table(), dynamodbbackend.WithIndexSlots(),
		func(o *dynamodbbackend.Options) { o.Streams = dynamotest.StreamsClient(t) })
	require.NoError(t, err)
	_, err = noStream.ReadChanges(ctx, backend.ReadChangesInput{})
	assert.ErrorIs(t, err, backend.ErrNoChangeFeed, "no stream on the table")

	b, err := dynamodbbackend.New(dynamotest.Client(t), plain.Table(), dynamodbbackend.WithIndexSlots(),
		func(o *dynamodbbackend.Options) { o.ChangeFeed, o.Streams = true, dynamotest.StreamsClient(t) })
	require.NoError(t, err)
	require.NoError(t, b.EnsureTable(ctx))
	require.NoError(t, b.EnsureTable(ctx), "idempotent")

	empty, err := b.ReadChanges(ctx, backend.ReadChangesInput{})
	require.NoError(t, err)
	assert.Empty(t, empty.Changes)
	head, err := b.ChangeHead(ctx)
	require.NoError(t, err)
	require.NoError(t, b.Put(ctx, backend.PutInput{Item: item(pk, "a#1", "v", s("1"))}))
	require.NoError(t, b.Put(ctx, backend.PutInput{Item: item(pk, "a#1", "v", s("2"))}))
	for _, from := range []string{empty.Next, head} {
		var got []backend.Change
		for range 5 {
			out, err := b.ReadChanges(ctx, backend.ReadChangesInput{From: from})
			require.NoError(t, err)
			got, from = append(got, out.Changes...), out.Next
		}
		require.Len(t, got, 2)
		assert.Equal(t, backend.ChangeInsert, got[0].Kind)
		assert.Equal(t, backend.ChangeModify, got[1].Kind)
		assert.Equal(t, item(pk, "a#1", "v", s("1")), got[1].Old)
		assert.Equal(t, item(pk, "a#1", "v", s("2")), got[1].New)
		assert.False(t, got[1].Expired)
	}
	head2, err := b.ChangeHead(ctx)
	require.NoError(t, err)
	out, err := b.ReadChanges(ctx, backend.ReadChangesInput{From: head2})
	require.NoError(t, err)
	assert.Empty(t, out.Changes, "nothing after the head")
}
