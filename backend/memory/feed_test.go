package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
)

func feedItem(pk, sk string, attrs ...string) backend.Item {
	it := backend.Item{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}
	for i := 0; i+1 < len(attrs); i += 2 {
		it[attrs[i]] = &types.AttributeValueMemberS{Value: attrs[i+1]}
	}
	return it
}

// readAll reads the feed from from until a read returns nothing.
func readAll(t *testing.T, s *memory.Store, from string, limit int) ([]backend.Change, string) {
	t.Helper()
	var all []backend.Change
	for {
		out, err := s.ReadChanges(context.Background(), backend.ReadChangesInput{From: from, Limit: limit})
		require.NoError(t, err)
		from = out.Next
		if len(out.Changes) == 0 {
			return all, from
		}
		all = append(all, out.Changes...)
	}
}

func kinds(cs []backend.Change) []string {
	var out []string
	for _, c := range cs {
		s := c.Kind.String() + " " + c.Key.SK
		if c.Expired {
			s += " expired"
		}
		out = append(out, s)
	}
	return out
}

// TestFeedRecords: writes that change an item are recorded with their
// images; writes that change nothing or fail are not, as in DynamoDB
// Streams.
func TestFeedRecords(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	const pk = "tenant#acme"
	k := func(sk string) backend.Key { return backend.Key{PK: pk, SK: sk} }
	require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem(pk, "a#1", "v", "1")}))
	require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem(pk, "a#1", "v", "1")})) // the same
	_, err := s.Update(ctx, backend.UpdateInput{Key: k("a#1"), Expr: backend.Expressions{
		Update: "SET #v = :v", Names: map[string]string{"#v": "v"},
		Values: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "1"}},
	}}) // writes what is there
	require.NoError(t, err)
	require.NoError(t, s.Delete(ctx, backend.DeleteInput{Key: k("a#9")})) // missing
	err = s.Put(ctx, backend.PutInput{Item: feedItem(pk, "a#1", "v", "2"), Expr: backend.Expressions{
		Condition: "attribute_not_exists(#p)", Names: map[string]string{"#p": "PK"},
	}})
	require.ErrorIs(t, err, backend.ErrConditionFailed)
	require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem(pk, "a#1", "v", "2")}))
	_, err = s.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
		{Put: feedItem(pk, "a#2")}, {Delete: &backend.Key{PK: pk, SK: "a#1"}},
	}})
	require.NoError(t, err)
	err = s.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		{Kind: backend.TxPut, Item: feedItem(pk, "a#3")},
		{Kind: backend.TxCheck, Key: k("a#1"), Expr: backend.Expressions{Condition: "attribute_exists(#p)", Names: map[string]string{"#p": "PK"}}},
	}})
	require.ErrorIs(t, err, backend.ErrTxCanceled)

	cs, _ := readAll(t, s, "", 0)
	assert.Equal(t, []string{"INSERT a#1", "MODIFY a#1", "INSERT a#2", "REMOVE a#1"}, kinds(cs))
	assert.Nil(t, cs[0].Old)
	assert.Equal(t, feedItem(pk, "a#1", "v", "1"), cs[0].New)
	assert.Equal(t, feedItem(pk, "a#1", "v", "1"), cs[1].Old)
	assert.Equal(t, feedItem(pk, "a#1", "v", "2"), cs[1].New)
	assert.Equal(t, feedItem(pk, "a#1", "v", "2"), cs[3].Old)
	assert.Nil(t, cs[3].New)

	// The images are copies.
	cs[1].New["v"] = &types.AttributeValueMemberS{Value: "changed"}
	again, _ := readAll(t, s, "", 0)
	assert.Equal(t, feedItem(pk, "a#1", "v", "2"), again[1].New)

	off := memory.New()
	_, err = off.ReadChanges(ctx, backend.ReadChangesInput{})
	assert.ErrorIs(t, err, backend.ErrNoChangeFeed)
	_, err = off.ChangeHead(ctx)
	assert.ErrorIs(t, err, backend.ErrNoChangeFeed)
	_, err = s.ReadChanges(ctx, backend.ReadChangesInput{Limit: -1})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument)
}

// TestFeedLineage: shards that roll over into children are read parent
// first, so one item's changes come in order across shards, one change at
// a time or many.
func TestFeedLineage(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.WithChangeFeed(memory.FeedOptions{Shards: 2, Rollover: 3}))
	var want []string
	for i := range 20 {
		pk := fmt.Sprintf("tenant#t%d", i%3)
		require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem(pk, "a#1", "v", fmt.Sprint(i))}))
		want = append(want, fmt.Sprintf("%s %d", pk, i))
	}
	for _, limit := range []int{1, 2, 7, 0} {
		cs, _ := readAll(t, s, "", limit)
		require.Len(t, cs, 20, "limit %d", limit)
		perItem := map[string][]string{}
		shards := map[string]bool{}
		for _, c := range cs {
			perItem[c.Key.PK] = append(perItem[c.Key.PK], c.Key.PK+" "+c.New["v"].(*types.AttributeValueMemberS).Value)
			shards[c.Shard] = true
		}
		assert.Greater(t, len(shards), 2, "the shards rolled over")
		for pk, got := range perItem {
			var w []string
			for _, x := range want {
				if x[:len(pk)+1] == pk+" " {
					w = append(w, x)
				}
			}
			assert.Equal(t, w, got, "limit %d: the changes of %s in order", limit, pk)
		}
	}
	// A head taken now reads nothing older.
	head, err := s.ChangeHead(ctx)
	require.NoError(t, err)
	cs, _ := readAll(t, s, head, 0)
	assert.Empty(t, cs)
	require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem("tenant#t0", "a#1", "v", "new")}))
	cs, _ = readAll(t, s, head, 0)
	assert.Equal(t, []string{"MODIFY a#1"}, kinds(cs))
}

// TestFeedTrim: changes past their retention or over MaxChanges are
// dropped, and a checkpoint before them is ErrTrimmed; a fresh read
// starts at the oldest change kept.
func TestFeedTrim(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := memory.New(memory.WithChangeFeed(memory.FeedOptions{Shards: 1, Retention: time.Hour, Clock: clock}))
	start, err := s.ChangeHead(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem("tenant#a", "a#1")}))
	_, mid := readAll(t, s, start, 0)
	now = now.Add(2 * time.Hour)
	require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem("tenant#a", "a#2")}))

	_, err = s.ReadChanges(ctx, backend.ReadChangesInput{From: start})
	assert.ErrorIs(t, err, backend.ErrTrimmed, "a#1 is gone")
	cs, _ := readAll(t, s, mid, 0)
	assert.Equal(t, []string{"INSERT a#2"}, kinds(cs), "nothing was lost after mid")
	cs, _ = readAll(t, s, "", 0)
	assert.Equal(t, []string{"INSERT a#2"}, kinds(cs))

	// MaxChanges.
	s = memory.New(memory.WithChangeFeed(memory.FeedOptions{Shards: 1, MaxChanges: 2}))
	start, err = s.ChangeHead(ctx)
	require.NoError(t, err)
	for i := range 5 {
		require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem("tenant#a", fmt.Sprintf("a#%d", i))}))
	}
	_, err = s.ReadChanges(ctx, backend.ReadChangesInput{From: start})
	assert.ErrorIs(t, err, backend.ErrTrimmed)
	cs, _ = readAll(t, s, "", 0)
	assert.Equal(t, []string{"INSERT a#3", "INSERT a#4"}, kinds(cs))

	// A closed shard whose changes are all gone is dropped whole; a
	// checkpoint that had not read it to its end is ErrTrimmed.
	s = memory.New(memory.WithChangeFeed(memory.FeedOptions{Shards: 1, Rollover: 2, Retention: time.Hour, Clock: clock}))
	start, err = s.ChangeHead(ctx)
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem("tenant#a", fmt.Sprintf("a#%d", i))}))
	}
	_, done := readAll(t, s, start, 0)
	now = now.Add(2 * time.Hour)
	require.NoError(t, s.Put(ctx, backend.PutInput{Item: feedItem("tenant#a", "a#9")}))
	_, err = s.ReadChanges(ctx, backend.ReadChangesInput{From: start})
	assert.ErrorIs(t, err, backend.ErrTrimmed)
	cs, _ = readAll(t, s, done, 0)
	assert.Equal(t, []string{"INSERT a#9"}, kinds(cs), "a checkpoint past the dropped shard reads on")
}

// TestFeedCheckpoints: a checkpoint of another store, or changed, is
// refused; AdvanceCheckpoint resumes in the middle of a read.
func TestFeedCheckpoints(t *testing.T) {
	ctx := context.Background()
	a := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	b := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	for i := range 5 {
		require.NoError(t, a.Put(ctx, backend.PutInput{Item: feedItem("tenant#a", fmt.Sprintf("a#%d", i))}))
	}
	out, err := a.ReadChanges(ctx, backend.ReadChangesInput{})
	require.NoError(t, err)
	require.Len(t, out.Changes, 5)
	_, err = b.ReadChanges(ctx, backend.ReadChangesInput{From: out.Next})
	assert.ErrorIs(t, err, backend.ErrInvalidCheckpoint)
	bad := []byte(out.Next)
	bad[3] ^= 2
	_, err = a.ReadChanges(ctx, backend.ReadChangesInput{From: string(bad)})
	assert.ErrorIs(t, err, backend.ErrInvalidCheckpoint)

	mid, err := a.AdvanceCheckpoint("", out.Changes[:2])
	require.NoError(t, err)
	rest, _ := readAll(t, a, mid, 0)
	assert.Equal(t, []string{"INSERT a#2", "INSERT a#3", "INSERT a#4"}, kinds(rest))
}

// TestExpireItems: ExpireItems removes the items whose expiry passed, and
// the feed marks the removals as the time to live's.
func TestExpireItems(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	now := time.Unix(1_000_000, 0)
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	for sk, exp := range map[string]types.AttributeValue{
		"a#past": n("999999"), "a#now": n("1000000"), "a#future": n("1000001"),
		"a#zero": n("0"), "a#string": &types.AttributeValueMemberS{Value: "1"},
	} {
		it := feedItem("tenant#a", sk)
		it["ttl"] = exp
		require.NoError(t, s.Put(ctx, backend.PutInput{Item: it}))
	}
	start, err := s.ChangeHead(ctx)
	require.NoError(t, err)
	got, err := s.ExpireItems(ctx, "ttl", now)
	require.NoError(t, err)
	assert.Equal(t, 2, got)
	assert.Equal(t, 3, s.Len())
	cs, _ := readAll(t, s, start, 0)
	assert.Equal(t, []string{"REMOVE a#now expired", "REMOVE a#past expired"}, kinds(cs))
	_, err = s.ExpireItems(ctx, "", now)
	assert.ErrorIs(t, err, backend.ErrInvalidArgument)
}
