package ops_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// This file holds the fixtures of the attack tests (attack_test.go):
// tests written from outside the package, through its public API only,
// that try to make an operation read or write across tenants, panic, or
// change something stored on bad input. Names start with at.

// atEach runs f on a fresh memory backend and on a fresh DynamoDB Local
// table (skipped without DYNAMODB_ENDPOINT).
func atEach(t *testing.T, f func(t *testing.T, b backend.Backend)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { f(t, memory.New()) })
	t.Run("dynamodb", func(t *testing.T) { f(t, dynamotest.NewTable(t)) })
}

// atCtx returns a context of tenant id.
func atCtx(t testing.TB, id string) context.Context {
	t.Helper()
	ctx, err := tenantctx.WithTenant(context.Background(), id)
	require.NoError(t, err)
	return ctx
}

// atOperator returns an operator's context.
func atOperator(t testing.TB) context.Context {
	t.Helper()
	ctx, err := tenantctx.AsOperator(context.Background(), "attack tests")
	require.NoError(t, err)
	return ctx
}

func atS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// atPut writes items, retrying unprocessed writes.
func atPut(t testing.TB, b backend.Backend, items ...backend.Item) {
	t.Helper()
	for lo := 0; lo < len(items); lo += backend.MaxBatchWrite {
		var writes []backend.WriteRequest
		for _, it := range items[lo:min(lo+backend.MaxBatchWrite, len(items))] {
			writes = append(writes, backend.WriteRequest{Put: it})
		}
		for len(writes) > 0 {
			out, err := b.BatchWrite(context.Background(), backend.BatchWriteInput{Writes: writes})
			require.NoError(t, err)
			writes = out.Unprocessed
		}
	}
}

// atPartition returns the items of partition pk as DynamoDB JSON lines, in
// sort-key order: a snapshot that compares by bytes.
func atPartition(t testing.TB, b backend.Backend, pk string) string {
	t.Helper()
	var buf []byte
	in := backend.QueryInput{PK: pk, Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 1000, ConsistentRead: true}
	for {
		out, err := b.Query(context.Background(), in)
		require.NoError(t, err)
		for _, it := range out.Items {
			buf, err = ddbjson.AppendLine(buf, it)
			require.NoError(t, err)
		}
		if out.LastKey == nil {
			return string(buf)
		}
		in.StartKey = &backend.Key{PK: pk, SK: out.LastKey.SK}
	}
}

// atSnapshot returns the snapshots of the partitions pks.
func atSnapshot(t testing.TB, b backend.Backend, pks ...string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, pk := range pks {
		m[pk] = atPartition(t, b, pk)
	}
	return m
}

// atUnchanged asserts that the partitions of before hold what they held.
func atUnchanged(t testing.TB, b backend.Backend, before map[string]string) {
	t.Helper()
	for pk, want := range before {
		require.Equal(t, want, atPartition(t, b, pk), "partition %q changed", pk)
	}
}

// atNeighbours are partition keys that nearly collide with tenant acme's:
// other tenants whose IDs start like it, and raw keys no tenant has.
var atNeighbours = []string{
	"tenant#acme-corp", "tenant#acm", "tenant#acme2", "tenant#Acme", "tenant#acme ",
	"tenant#acme#x", "tenant#acme#user#byEmail#a", "tenantacme", "Tenant#acme",
}

// atSeedNeighbours writes a few items, with index keys, into every
// neighbour partition, and returns their snapshot.
func atSeedNeighbours(t testing.TB, b backend.Backend) map[string]string {
	t.Helper()
	var items []backend.Item
	for _, pk := range atNeighbours {
		items = append(items,
			backend.Item{"PK": atS(pk), "SK": atS("user#1"), "email": atS("a@x"), "GSI1PK": atS(pk + "#user#byEmail#a@x"), "GSI1SK": atS("1")},
			backend.Item{"PK": atS(pk), "SK": atS("user#2"), "email": atS("b@x")},
			backend.Item{"PK": atS(pk), "SK": atS("secret#1"), "v": atS("s")},
		)
	}
	atPut(t, b, items...)
	return atSnapshot(t, b, atNeighbours...)
}

// atCheckpoint forges a checkpoint from a JSON value, as the package
// encodes them (base64url of JSON), so that tests can craft positions.
func atCheckpoint(t testing.TB, v any) string {
	t.Helper()
	j, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(j)
}

// atDecode returns the JSON a checkpoint holds.
func atDecode(t testing.TB, cp string) map[string]any {
	t.Helper()
	j, err := base64.RawURLEncoding.DecodeString(cp)
	require.NoError(t, err)
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	require.NoError(t, d.Decode(&m))
	return m
}
