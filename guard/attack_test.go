package guard_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/guard"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// TestAttackKeyConditionTricks: key conditions written to make the
// guard read acme's partition key while DynamoDB reads another (aliasing,
// repeated conditions, begins_with, case variants, unicode, legacy
// KeyConditions, unknown indexes, foreign start keys). Every one must be
// refused for tenant acme.
func TestAttackKeyConditionTricks(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	vals := map[string]types.AttributeValue{":a": s(acme), ":c": s(acmeCorp), ":ci": s(acmeCorpIx), ":ai": s(acmeIx),
		":s": s("user#1"), ":n": &types.AttributeValueMemberN{Value: "1"}, ":x": s("tenant#acme#x"),
		":b": &types.AttributeValueMemberB{Value: []byte(acme)}, ":cp": s("tenant#acme-")}
	names := map[string]string{"#p": "PK", "#q": "PK", "#k": "SK", "#ip": "GSI1PK", "#lc": "pk", "#sp": "PK "}
	q := func(index, expr string) *dynamodb.QueryInput {
		in := &dynamodb.QueryInput{TableName: aws.String("t"), KeyConditionExpression: aws.String(expr),
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals}
		if index != "" {
			in.IndexName = aws.String(index)
		}
		return in
	}
	cases := map[string]*dynamodb.QueryInput{
		"two aliases of PK":                q("", "#p = :a AND #q = :c"),
		"two aliases of PK, reversed":      q("", "#q = :c AND #p = :a"),
		"PK twice, same alias":             q("", "#p = :a AND #p = :c"),
		"PK bare and aliased":              q("", "PK = :a AND #p = :c"),
		"begins_with on PK":                q("", "begins_with(#p, :cp)"),
		"begins_with on PK with eq":        q("", "#p = :a AND begins_with(#p, :cp)"),
		"PK between":                       q("", "#p BETWEEN :a AND :c"),
		"PK >=":                            q("", "#p >= :a"),
		"PK <> (not a key operator)":       q("", "#p <> :c"),
		"lower-case pk alias":              q("", "#lc = :c AND #k = :s"),
		"lower-case pk bare":               q("", "pk = :c"),
		"alias with trailing space":        q("", "#sp = :c"),
		"PK compared with PK":              q("", "#p = #q"),
		"PK is a number value":             q("", "#p = :n"),
		"PK is a binary value":             q("", "#p = :b"),
		"value missing":                    q("", "#p = :zz"),
		"name missing":                     q("", "#zz = :a"),
		"size() of PK":                     q("", "size(#p) = :n"),
		"OR":                               q("", "#p = :a OR #p = :c"),
		"NOT":                              q("", "NOT #p = :c"),
		"three conditions":                 q("", "#p = :a AND #k = :s AND #k = :s"),
		"unicode full-width equals":        q("", "#p \uff1d :c"),
		"non-breaking space":               q("", "#p\u00a0= :a"),
		"NUL byte":                         q("", "#p = :a\x00"),
		"trailing junk":                    q("", "#p = :a )"),
		"unclosed paren":                   q("", "((#p = :a)"),
		"index key of acme-corp":           q("GSI1", "#ip = :ci"),
		"index key equal to the table key": q("GSI1", "#ip = :a"),
		"index key tenant#acme-":           q("GSI1", "#ip = :cp"),
		"index, but PK condition":          q("GSI1", "#p = :a"),
		"index and PK both":                q("GSI1", "#p = :a AND #ip = :ci"),
		"unknown index, PK condition":      q("LSI1", "#p = :a"),
		"lower-case index name":            q("gsi1", "#ip = :ai"),
		"index 0":                          q("GSI0", "#ip = :ai"),
		"empty index name":                 q("", "#p = :a"),
	}
	empty := ""
	cases["empty index name"].IndexName = &empty
	legacy := q("", "#p = :a")
	legacy.KeyConditions = map[string]types.Condition{"PK": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s(acmeCorp)}}}
	cases["legacy KeyConditions with an expression"] = legacy
	legacyOnly := &dynamodb.QueryInput{TableName: aws.String("t"), KeyConditions: legacy.KeyConditions}
	cases["legacy KeyConditions alone"] = legacyOnly
	start := q("", "#p = :a")
	start.ExclusiveStartKey = key(acmeCorp, "user#1")
	cases["table start key of acme-corp"] = start
	startIx := q("", "#p = :a")
	startIx.ExclusiveStartKey = map[string]types.AttributeValue{"PK": s(acme), "SK": s("user#1"), "GSI1PK": s(acmeCorpIx)}
	cases["table start key with acme-corp's index key"] = startIx
	ixStart := q("GSI1", "#ip = :ai")
	ixStart.ExclusiveStartKey = map[string]types.AttributeValue{"PK": s(acme), "SK": s("user#1"), "GSI1PK": s(acmeCorpIx), "GSI1SK": s("a")}
	cases["index start key of acme-corp"] = ixStart
	ixStartN := q("GSI1", "#ip = :ai")
	ixStartN.ExclusiveStartKey = map[string]types.AttributeValue{"PK": s(acme), "SK": s("user#1"), "GSI1PK": &types.AttributeValueMemberN{Value: "1"}}
	cases["index start key, numeric index PK"] = ixStartN
	for name, in := range cases {
		if err := guard.Check(ctx, in); !errors.Is(err, guard.ErrRefused) {
			t.Errorf("%s: Check = %v; want guard.ErrRefused", name, err)
		}
	}
	// The same shapes with acme's own values pass: the refusals above are
	// the tricks', not the parser refusing everything.
	for name, in := range map[string]*dynamodb.QueryInput{
		"alias":        q("", "#p = :a"),
		"alias and sk": q("", "#q = :a AND #k = :s"),
		"index":        q("GSI1", "#ip = :ai"),
	} {
		if err := guard.Check(ctx, in); err != nil {
			t.Errorf("%s: Check = %v; want nil", name, err)
		}
	}
}

// TestAttackItemKeys: item operations whose keys are another tenant's, not
// strings, missing, or hidden among several tables and actions.
func TestAttackItemKeys(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	corp := key(acmeCorp, "user#1")
	own := key(acme, "user#1")
	numPK := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberN{Value: "1"}, "SK": s("user#1")}
	binPK := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberB{Value: []byte(acme)}, "SK": s("user#1")}
	noPK := map[string]types.AttributeValue{"SK": s("user#1")}
	lowerPK := map[string]types.AttributeValue{"pk": s(acme), "PK ": s(acme), "SK": s("user#1")}
	unknownPK := map[string]types.AttributeValue{"PK": &types.UnknownUnionMember{Tag: "S", Value: []byte(acme)}, "SK": s("user#1")}
	prefixed := key("tenant#acme#x", "user#1")
	for i, bad := range []map[string]types.AttributeValue{corp, numPK, binPK, noPK, lowerPK, unknownPK, prefixed, key("tenant#acm", "u"), key("tenant#ACME", "u"), key(" tenant#acme", "u")} {
		for _, in := range []any{
			&dynamodb.GetItemInput{Key: bad},
			&dynamodb.PutItemInput{Item: bad},
			&dynamodb.UpdateItemInput{Key: bad},
			&dynamodb.DeleteItemInput{Key: bad},
			&dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: []map[string]types.AttributeValue{own}}, "other": {Keys: []map[string]types.AttributeValue{own, bad}}}},
			&dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": {{PutRequest: &types.PutRequest{Item: own}}}, "u": {{DeleteRequest: &types.DeleteRequest{Key: bad}}}}},
			&dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": {{PutRequest: &types.PutRequest{Item: own}}, {PutRequest: &types.PutRequest{Item: bad}}}}},
			&dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{{Get: &types.Get{Key: own}}, {Get: &types.Get{Key: bad}}}},
			&dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Put: &types.Put{Item: own}}, {Update: &types.Update{Key: bad}}}},
			&dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{ConditionCheck: &types.ConditionCheck{Key: bad}}, {Put: &types.Put{Item: own}}}},
			&dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Delete: &types.Delete{Key: bad}}}},
		} {
			if err := guard.Check(ctx, in); !errors.Is(err, guard.ErrRefused) {
				t.Errorf("key %d, %T: Check = %v; want guard.ErrRefused", i, in, err)
			}
		}
	}
}

// TestAttackNilInputs: Check is public; typed nil inputs (what a caller
// holding a nil *dynamodb.QueryInput passes) must be refused, never panic.
func TestAttackNilInputs(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	for _, in := range []any{
		(*dynamodb.GetItemInput)(nil), (*dynamodb.PutItemInput)(nil), (*dynamodb.UpdateItemInput)(nil),
		(*dynamodb.DeleteItemInput)(nil), (*dynamodb.QueryInput)(nil), (*dynamodb.BatchGetItemInput)(nil),
		(*dynamodb.BatchWriteItemInput)(nil), (*dynamodb.TransactGetItemsInput)(nil), (*dynamodb.TransactWriteItemsInput)(nil),
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("Check(%T(nil)) panicked: %v", in, r)
				}
			}()
			if err := guard.Check(ctx, in); !errors.Is(err, guard.ErrRefused) {
				t.Errorf("Check(%T(nil)) = %v; want guard.ErrRefused", in, err)
			}
		}()
	}
	// A nil context: no tenant, no marker.
	var nilCtx context.Context
	if err := guard.Check(nilCtx, &dynamodb.ScanInput{}); !errors.Is(err, guard.ErrRefused) {
		t.Errorf("Check(nil context, Scan) = %v; want guard.ErrRefused", err)
	}
}

// TestAttackOperatorForgery: an operator marker can't be combined with a
// tenant, and a tenant context never passes as an operator.
func TestAttackOperatorForgery(t *testing.T) {
	op, err := tenantctx.AsOperator(context.Background(), "attack")
	if err != nil {
		t.Fatal(err)
	}
	scan := &dynamodb.ScanInput{TableName: aws.String("t")}
	if err := guard.Check(op, scan); err != nil {
		t.Fatalf("operator scan: %v (the control must pass)", err)
	}
	// A tenant set on top of the operator context: the tenant rules apply.
	both := tenantctx.MustWithTenant(op, "acme")
	if err := guard.Check(both, scan); !errors.Is(err, guard.ErrRefused) {
		t.Errorf("tenant over operator: Scan = %v; want refused", err)
	}
	if err := guard.Check(both, &dynamodb.GetItemInput{Key: key(acmeCorp, "user#1")}); !errors.Is(err, guard.ErrRefused) {
		t.Errorf("tenant over operator: GetItem of acme-corp = %v; want refused", err)
	}
	if _, err := tenantctx.AsOperator(tenantctx.MustWithTenant(context.Background(), "acme"), "x"); err == nil {
		t.Error("AsOperator over a tenant context succeeded")
	}
	// Raw context values under look-alike keys are not the marker.
	for _, k := range []any{"operator", struct{}{}, "tenantrepo.operator"} {
		ctx := context.WithValue(context.Background(), k, "attack")
		if err := guard.Check(ctx, scan); !errors.Is(err, guard.ErrRefused) {
			t.Errorf("context value under %#v: Scan = %v; want refused", k, err)
		}
	}
}

// TestAttackOnDynamoDBLocal sends crafted cross-tenant calls through a
// guarded client: each is refused and nothing reaches DynamoDB Local, and
// acme-corp's item is unchanged afterwards.
func TestAttackOnDynamoDBLocal(t *testing.T) {
	table := dynamotest.NewTable(t).Table()
	c, rec := guardedClient(t)
	op := operatorCtx(t)
	if _, err := c.PutItem(op, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item(acmeCorp, "user#1", acmeCorpIx)}); err != nil {
		t.Fatal(err)
	}
	acmeCtx := tenantctx.MustWithTenant(t.Context(), "acme")
	tbl := aws.String(table)
	calls := map[string]func() error{
		"query two aliases": func() error {
			_, err := c.Query(acmeCtx, &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("#p = :a AND #q = :c"),
				ExpressionAttributeNames: map[string]string{"#p": "PK", "#q": "PK"}, ExpressionAttributeValues: map[string]types.AttributeValue{":a": s(acme), ":c": s(acmeCorp)}})
			return err
		},
		"query legacy KeyConditions": func() error {
			_, err := c.Query(acmeCtx, &dynamodb.QueryInput{TableName: tbl, KeyConditions: map[string]types.Condition{"PK": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s(acmeCorp)}}}})
			return err
		},
		"query index acme-corp": func() error {
			_, err := c.Query(acmeCtx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String("GSI1PK = :c"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":c": s(acmeCorpIx)}})
			return err
		},
		"transact update acme-corp": func() error {
			_, err := c.TransactWriteItems(acmeCtx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl, Item: item(acme, "user#2", acmeIx)}},
				{Update: &types.Update{TableName: tbl, Key: key(acmeCorp, "user#1"), UpdateExpression: aws.String("SET v = :p"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("pwned")}}}}})
			return err
		},
		"batch write second table": func() error {
			_, err := c.BatchWriteItem(acmeCtx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				table: {{PutRequest: &types.PutRequest{Item: item(acme, "user#3", acmeIx)}}, {DeleteRequest: &types.DeleteRequest{Key: key(acmeCorp, "user#1")}}}}})
			return err
		},
		"put numeric PK": func() error {
			_, err := c.PutItem(acmeCtx, &dynamodb.PutItemInput{TableName: tbl, Item: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberN{Value: "1"}, "SK": s("x")}})
			return err
		},
		"per-call guard.Install twice still guards": func() error {
			_, err := c.DeleteItem(acmeCtx, &dynamodb.DeleteItemInput{TableName: tbl, Key: key(acmeCorp, "user#1")}, guard.Install)
			return err
		},
	}
	for name, do := range calls {
		before := rec.n.Load()
		if err := do(); !errors.Is(err, guard.ErrRefused) {
			t.Errorf("%s: %v; want guard.ErrRefused", name, err)
		}
		if n := rec.n.Load() - before; n != 0 {
			t.Errorf("%s: %d requests sent; want none", name, n)
		}
	}
	out, err := c.GetItem(op, &dynamodb.GetItemInput{TableName: tbl, Key: key(acmeCorp, "user#1"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := out.Item["v"].(*types.AttributeValueMemberS); v == nil || v.Value != "x" {
		t.Errorf("acme-corp's item changed: %v", fmt.Sprint(out.Item))
	}
}
