package dynamodb_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
)

// The tests of this file talk to a fake DynamoDB that answers with canned
// JSON, for what DynamoDB Local does not do on demand (leave keys
// unprocessed) and to see the requests as they are sent.

const fakeTable = "table"

func fakeBackend(t *testing.T, answer func(op string, body map[string]any) (int, string)) (*dynamodbbackend.Backend, func() []fakeRequest) {
	t.Helper()
	client, reqs := fakeServer(t, answer)
	b, err := dynamodbbackend.New(client, fakeTable)
	require.NoError(t, err)
	return b, reqs
}

// TestBatchGetUnprocessed checks that UnprocessedKeys come back as
// Unprocessed, after one request: the backend does not retry them.
func TestBatchGetUnprocessed(t *testing.T) {
	t.Parallel()
	b, reqs := fakeBackend(t, func(op string, _ map[string]any) (int, string) {
		return http.StatusOK, `{
			"Responses": {"table": [{"PK": {"S": "tenant#acme"}, "SK": {"S": "a#1"}, "v": {"N": "1"}}]},
			"UnprocessedKeys": {"table": {"Keys": [
				{"PK": {"S": "tenant#acme"}, "SK": {"S": "a#2"}},
				{"PK": {"S": "tenant#acme"}, "SK": {"S": "a#3"}}
			], "ConsistentRead": true}}
		}`
	})
	keys := []backend.Key{key(pk, "a#1"), key(pk, "a#2"), key(pk, "a#3"), key(pk, "a#4")}
	out, err := b.BatchGet(t.Context(), backend.BatchGetInput{Keys: keys, ConsistentRead: true})
	require.NoError(t, err)
	assert.Equal(t, []backend.Item{item(pk, "a#1", "v", n("1"))}, out.Items)
	assert.Equal(t, []backend.Key{key(pk, "a#2"), key(pk, "a#3")}, out.Unprocessed)

	sent := reqs()
	require.Len(t, sent, 1, "one request, no retry")
	assert.Equal(t, "BatchGetItem", sent[0].Op)
	ri := sent[0].Body["RequestItems"].(map[string]any)[fakeTable].(map[string]any)
	assert.Equal(t, true, ri["ConsistentRead"])
	assert.Len(t, ri["Keys"], 4)
}

// TestBatchWriteUnprocessed checks that UnprocessedItems come back as
// Unprocessed puts and deletes, after one request.
func TestBatchWriteUnprocessed(t *testing.T) {
	t.Parallel()
	b, reqs := fakeBackend(t, func(op string, _ map[string]any) (int, string) {
		return http.StatusOK, `{"UnprocessedItems": {"table": [
			{"PutRequest": {"Item": {"PK": {"S": "tenant#acme"}, "SK": {"S": "a#2"}, "v": {"S": "2"}}}},
			{"DeleteRequest": {"Key": {"PK": {"S": "tenant#acme"}, "SK": {"S": "a#3"}}}}
		]}}`
	})
	del3, del4 := key(pk, "a#3"), key(pk, "a#4")
	writes := []backend.WriteRequest{
		{Put: item(pk, "a#1", "v", s("1"))},
		{Put: item(pk, "a#2", "v", s("2"))},
		{Delete: &del3},
		{Delete: &del4},
	}
	out, err := b.BatchWrite(t.Context(), backend.BatchWriteInput{Writes: writes})
	require.NoError(t, err)
	assert.Equal(t, []backend.WriteRequest{writes[1], writes[2]}, out.Unprocessed)

	sent := reqs()
	require.Len(t, sent, 1, "one request, no retry")
	assert.Equal(t, "BatchWriteItem", sent[0].Op)
	assert.Len(t, sent[0].Body["RequestItems"].(map[string]any)[fakeTable], 4)
}

// TestRequestsSent checks the requests the backend makes of the caller's
// expressions: expression fields only when there are expressions, no empty
// maps, ALL_OLD with every condition, and the transaction's token.
func TestRequestsSent(t *testing.T) {
	t.Parallel()
	b, reqs := fakeBackend(t, func(op string, _ map[string]any) (int, string) {
		if op == "UpdateItem" {
			return http.StatusOK, `{"Attributes": {"PK": {"S": "tenant#acme"}, "SK": {"S": "a#1"}}}`
		}
		return http.StatusOK, `{}`
	})
	ctx := t.Context()
	empty := backend.Expressions{Names: map[string]string{}, Values: map[string]types.AttributeValue{}}
	condition := backend.Expressions{
		Condition: "#v = :v",
		Names:     map[string]string{"#v": "v"},
		Values:    map[string]types.AttributeValue{":v": s("1")},
	}
	require.NoError(t, b.Put(ctx, backend.PutInput{Item: item(pk, "a#1"), Expr: empty}))
	require.NoError(t, b.Put(ctx, backend.PutInput{Item: item(pk, "a#1"), Expr: condition}))
	_, err := b.Update(ctx, backend.UpdateInput{Key: key(pk, "a#1"), Expr: backend.Expressions{
		Update: "REMOVE v", Names: map[string]string{}}})
	require.NoError(t, err)
	require.NoError(t, b.Delete(ctx, backend.DeleteInput{Key: key(pk, "a#1"), Expr: condition}))
	_, err = b.Query(ctx, backend.QueryInput{PK: pk, Limit: 1, Expr: empty})
	require.NoError(t, err)
	require.NoError(t, b.TransactWrite(ctx, backend.TransactInput{Token: "token-1", Actions: []backend.TxAction{
		{Kind: backend.TxPut, Item: item(pk, "a#1"), Expr: empty},
		{Kind: backend.TxCheck, Key: key(pk, "a#2"), Expr: condition},
	}}))

	sent := reqs()
	require.Len(t, sent, 6)
	absent := func(body map[string]any, fields ...string) {
		t.Helper()
		for _, f := range fields {
			assert.NotContains(t, body, f)
		}
	}
	exprFields := []string{"ConditionExpression", "UpdateExpression", "FilterExpression",
		"ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure"}

	absent(sent[0].Body, exprFields...) // put, no expressions

	assert.Equal(t, "#v = :v", sent[1].Body["ConditionExpression"]) // put, a condition
	assert.Equal(t, map[string]any{"#v": "v"}, sent[1].Body["ExpressionAttributeNames"])
	assert.Equal(t, map[string]any{":v": map[string]any{"S": "1"}}, sent[1].Body["ExpressionAttributeValues"])
	assert.Equal(t, "ALL_OLD", sent[1].Body["ReturnValuesOnConditionCheckFailure"])

	assert.Equal(t, "REMOVE v", sent[2].Body["UpdateExpression"]) // update
	assert.Equal(t, "ALL_NEW", sent[2].Body["ReturnValues"])
	absent(sent[2].Body, "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues",
		"ReturnValuesOnConditionCheckFailure")

	assert.Equal(t, "#v = :v", sent[3].Body["ConditionExpression"]) // delete
	assert.Equal(t, "ALL_OLD", sent[3].Body["ReturnValuesOnConditionCheckFailure"])

	assert.Equal(t, "#k0 = :k0", sent[4].Body["KeyConditionExpression"]) // query
	absent(sent[4].Body, "FilterExpression")
	assert.Equal(t, map[string]any{"#k0": "PK"}, sent[4].Body["ExpressionAttributeNames"])

	assert.Equal(t, "TransactWriteItems", sent[5].Op)
	assert.Equal(t, "token-1", sent[5].Body["ClientRequestToken"])
	items := sent[5].Body["TransactItems"].([]any)
	require.Len(t, items, 2)
	absent(items[0].(map[string]any)["Put"].(map[string]any), exprFields...)
	check := items[1].(map[string]any)["ConditionCheck"].(map[string]any)
	assert.Equal(t, "#v = :v", check["ConditionExpression"])
	assert.Equal(t, "ALL_OLD", check["ReturnValuesOnConditionCheckFailure"])
	assert.Equal(t, fakeTable, check["TableName"])
}

// TestTxCanceledMapping checks the mapping of a TransactionCanceledException
// with reasons DynamoDB Local does not produce on demand.
func TestTxCanceledMapping(t *testing.T) {
	t.Parallel()
	b, _ := fakeBackend(t, func(op string, _ map[string]any) (int, string) {
		return http.StatusBadRequest, `{"__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
			"Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, ConditionalCheckFailed]",
			"CancellationReasons": [
				{"Code": "None"},
				{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"},
				{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
				 "Item": {"PK": {"S": "tenant#acme"}, "SK": {"S": "a#3"}, "v": {"N": "3"}}}
			]}`
	})
	actions := []backend.TxAction{
		{Kind: backend.TxPut, Item: item(pk, "a#1")},
		{Kind: backend.TxPut, Item: item(pk, "a#2")},
		{Kind: backend.TxDelete, Key: key(pk, "a#3"), Expr: backend.Expressions{Condition: "attribute_not_exists(PK)"}},
	}
	err := b.TransactWrite(t.Context(), backend.TransactInput{Actions: actions})
	require.ErrorIs(t, err, backend.ErrTxCanceled)
	assert.NotErrorIs(t, err, backend.ErrThrottled)
	assert.NotErrorIs(t, err, backend.ErrConditionFailed)
	var tce *backend.TxCanceledError
	require.ErrorAs(t, err, &tce)
	assert.Equal(t, []backend.TxReason{
		{Kind: backend.KindNone, Code: "None"},
		{Kind: backend.KindConflict, Code: "TransactionConflict", Message: "Transaction is ongoing for the item"},
		{Kind: backend.KindConditionFailed, Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: item(pk, "a#3", "v", n("3"))},
	}, tce.Reasons)
	assert.Contains(t, err.Error(), "action 1: TransactionConflict, action 2: ConditionalCheckFailed")
	t.Log(err)
}
