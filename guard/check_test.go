package guard_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/guard"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// TestCheckKeyConditions holds the key condition parser to what it
// accepts and refuses, without DynamoDB: tenant acme, values :a (acme's
// partition key), :c (acme-corp's), :ai (an index key of acme), :ci (an
// index key of acme-corp) and :s (a sort key).
func TestCheckKeyConditions(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	vals := map[string]types.AttributeValue{":a": s(acme), ":c": s(acmeCorp), ":ai": s(acmeIx), ":ci": s(acmeCorpIx), ":s": s("user#1"), ":t": s("user#9"),
		":n": &types.AttributeValueMemberN{Value: "1"}, ":acme_": s("tenant#acme#")}
	names := map[string]string{"#p": "PK", "#k": "SK", "#ip": "GSI1PK", "#ik": "GSI1SK", "#P": "pk"}
	for _, tc := range []struct {
		index string // "" for the table
		expr  string
		ok    bool
	}{
		{"", "#p = :a", true},
		{"", "PK = :a", true},
		{"", ":a = #p", true},
		{"", "#p=:a AND #k = :s", true},
		{"", "#p = :a and begins_with(#k, :s)", true},
		{"", "((#p = :a)) AND (#k BETWEEN :s AND :t)", true},
		{"", "#p = :a AND #k >= :s", true},
		{"", "#k < :s AND #p = :a", true},
		{"", "#p = :c", false},
		{"", "#p = :ai", false},    // the table key must be the tenant's exactly
		{"", "#p = :acme_", false}, // likewise
		{"", "#p = :n", false},
		{"", "#p = :missing", false},
		{"", "#missing = :a", false},
		{"", "#P = :a", false}, // names are case-sensitive: pk is not PK
		{"", "pk = :a", false},
		{"", "#k = :s", false},
		{"", "#p = :a OR #p = :c", false},
		{"", "#p = :a AND #p = :c", false},
		{"", "#p = :a AND #k = :s AND #k = :t", false},
		{"", "#p >= :a", false},
		{"", "#p BETWEEN :a AND :c", false},
		{"", "begins_with(#p, :a)", false},
		{"", "#p <> :c", false},
		{"", "#p = #k", false},
		{"", "NOT #p = :c", false},
		{"", "#p = :a AND", false},
		{"", "(#p = :a", false},
		{"", "#p = :a)", false},
		{"", "#p = 'tenant#acme'", false},
		{"", "#p = :a;", false},
		{"", "", false},
		{"", "#p.x = :a", false},
		{"", "#p = :a" + strings.Repeat(" ", 4096), false}, // over DynamoDB's limit
		{"", "#p = :a" + strings.Repeat(" ", 4000), true},
		{"GSI1", "#ip = :ai", true},
		{"GSI1", "GSI1PK = :ai AND GSI1SK BETWEEN :s AND :t", true},
		{"GSI1", "#ip = :ci", false},
		{"GSI1", "#ip = :a", false},
		{"GSI1", "#ip = :acme_", false}, // nothing after the separator
		{"GSI1", "#p = :ai", false},     // the table's key is not the index's
		{"GSI2", "#ip = :ai", false},    // GSI1PK is not GSI2's key
		{"GSI6", "#ip = :ai", false},
		{"gsi1", "#ip = :ai", false},
	} {
		in := &dynamodb.QueryInput{TableName: aws.String("t"), KeyConditionExpression: aws.String(tc.expr),
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals}
		if tc.index != "" {
			in.IndexName = aws.String(tc.index)
		}
		err := guard.Check(ctx, in)
		if tc.ok && err != nil {
			t.Errorf("index %q, %q: %v; want it to pass", tc.index, tc.expr, err)
		}
		if !tc.ok && !errors.Is(err, guard.ErrRefused) {
			t.Errorf("index %q, %q: %v; want guard.ErrRefused", tc.index, tc.expr, err)
		}
	}
}

// TestCheckMalformedInputs: inputs with nothing to check, or an action of
// no kind, are refused, never passed and never a panic.
func TestCheckMalformedInputs(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	for _, in := range []any{
		nil,
		&dynamodb.GetItemInput{},
		&dynamodb.GetItemInput{Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberB{Value: []byte(acme)}}},
		&dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": {{}}}},
		&dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": {{
			PutRequest: &types.PutRequest{Item: key(acme, "a#1")}, DeleteRequest: &types.DeleteRequest{Key: key(acmeCorp, "a#1")}}}}},
		&dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{}}},
		&dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{
			Put: &types.Put{Item: key(acme, "a#1")}, Delete: &types.Delete{Key: key(acmeCorp, "a#1")}}}},
		&dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{{}}},
		&dynamodb.QueryInput{},
		&dynamodb.QueryInput{KeyConditionExpression: aws.String(strings.Repeat("(", 4000))},
		&dynamodb.ListTablesInput{},
		&dynamodb.DescribeTimeToLiveInput{},
		struct{}{},
	} {
		if err := guard.Check(ctx, in); !errors.Is(err, guard.ErrRefused) {
			t.Errorf("Check(%#v) = %v; want guard.ErrRefused", in, err)
		}
	}
	// DescribeTable, read-only metadata, passes for a tenant.
	if err := guard.Check(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("t")}); err != nil {
		t.Errorf("DescribeTable: %v", err)
	}
}

// FuzzCheckQuery: whatever the key condition, Check does not panic, and
// it passes only queries whose condition names acme's partition key.
func FuzzCheckQuery(f *testing.F) {
	for _, e := range []string{"#p = :a", "#p = :a AND begins_with(#k, :s)", "(#p = :c) AND (#k BETWEEN :s AND :s)", "#p = :a OR #p = :c", ":a = PK", "begins_with("} {
		f.Add(e, "")
		f.Add(e, "GSI1")
	}
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	vals := map[string]types.AttributeValue{":a": s(acme), ":c": s(acmeCorp), ":s": s("user#1"), ":ai": s(acmeIx), ":ci": s(acmeCorpIx)}
	names := map[string]string{"#p": "PK", "#k": "SK", "#ip": "GSI1PK"}
	f.Fuzz(func(t *testing.T, expr, index string) {
		in := &dynamodb.QueryInput{KeyConditionExpression: &expr, ExpressionAttributeNames: names, ExpressionAttributeValues: vals}
		if index != "" {
			in.IndexName = &index
		}
		err := guard.Check(ctx, in)
		if err == nil && !strings.Contains(expr, ":a") {
			t.Errorf("index %q, %q passed without acme's key", index, expr)
		}
		if err != nil && !errors.Is(err, guard.ErrRefused) {
			t.Errorf("%q: %v is not a refusal", expr, err)
		}
	})
}
