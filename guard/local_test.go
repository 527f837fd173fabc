package guard_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/guard"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// recorder is an HTTP transport that counts the requests it carries.
type recorder struct{ n atomic.Int64 }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.n.Add(1)
	return http.DefaultTransport.RoundTrip(req)
}

// guardedClient returns a client of DynamoDB Local with the guard
// installed, whose requests rec counts. It builds aws.Config directly: no
// shared configuration, and its own transport.
func guardedClient(t *testing.T) (*dynamodb.Client, *recorder) {
	rec := &recorder{}
	cfg := aws.Config{
		Region:       dynamotest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(dynamotest.Endpoint(t)),
		HTTPClient:   &http.Client{Transport: rec},
	}
	return dynamodb.NewFromConfig(cfg, guard.Install), rec
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": s(pk), "SK": s(sk)}
}

func item(pk, sk, gsi1pk string) map[string]types.AttributeValue {
	m := key(pk, sk)
	m["GSI1PK"], m["GSI1SK"], m["v"] = s(gsi1pk), s("a"), s("x")
	return m
}

const (
	acme       = "tenant#acme"
	acmeCorp   = "tenant#acme-corp"
	acmeIx     = "tenant#acme#user#GSI1#x"
	acmeCorpIx = "tenant#acme-corp#user#GSI1#x"
)

func operatorCtx(t *testing.T) context.Context {
	ctx, err := tenantctx.AsOperator(t.Context(), "guard test seed")
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// call is one raw SDK call in a context.
type call struct {
	name string
	do   func(ctx context.Context, c *dynamodb.Client, table string) error
	// key is the offending key the refusal must name ("" to not check).
	key string
}

func crossTenantCalls() []call {
	tbl := func(table string) *string { return aws.String(table) }
	q := func(index *string, expr string, names map[string]string, vals map[string]types.AttributeValue) func(ctx context.Context, c *dynamodb.Client, table string) error {
		return func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl(table), IndexName: index, KeyConditionExpression: aws.String(expr),
				ExpressionAttributeNames: names, ExpressionAttributeValues: vals})
			return err
		}
	}
	pkNames := map[string]string{"#pk": "PK", "#sk": "SK"}
	ixNames := map[string]string{"#pk": "GSI1PK", "#sk": "GSI1SK"}
	return []call{
		{"GetItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl(table), Key: key(acmeCorp, "user#1")})
			return err
		}, acmeCorp},
		{"PutItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl(table), Item: item(acmeCorp, "user#9", acmeCorpIx)})
			return err
		}, acmeCorp},
		{"PutItem/NoPK", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl(table), Item: map[string]types.AttributeValue{"SK": s("user#9")}})
			return err
		}, ""},
		{"UpdateItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl(table), Key: key(acmeCorp, "user#1"),
				UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("y")}})
			return err
		}, acmeCorp},
		{"DeleteItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl(table), Key: key(acmeCorp, "user#1")})
			return err
		}, acmeCorp},
		{"BatchGetItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				table: {Keys: []map[string]types.AttributeValue{key(acme, "user#1"), key(acmeCorp, "user#1")}}}})
			return err
		}, acmeCorp},
		{"BatchWriteItem/Put", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {
				{PutRequest: &types.PutRequest{Item: item(acme, "user#8", acmeIx)}},
				{PutRequest: &types.PutRequest{Item: item(acmeCorp, "user#8", acmeCorpIx)}}}}})
			return err
		}, acmeCorp},
		{"BatchWriteItem/Delete", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {
				{DeleteRequest: &types.DeleteRequest{Key: key(acmeCorp, "user#1")}}}}})
			return err
		}, acmeCorp},
		{"TransactGetItems", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: tbl(table), Key: key(acme, "user#1")}},
				{Get: &types.Get{TableName: tbl(table), Key: key(acmeCorp, "user#1")}}}})
			return err
		}, acmeCorp},
		{"TransactWriteItems/Put", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl(table), Item: item(acmeCorp, "user#7", acmeCorpIx)}}}})
			return err
		}, acmeCorp},
		{"TransactWriteItems/Update", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Update: &types.Update{TableName: tbl(table), Key: key(acmeCorp, "user#1"), UpdateExpression: aws.String("SET v = :v"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("y")}}}}})
			return err
		}, acmeCorp},
		{"TransactWriteItems/Delete", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Delete: &types.Delete{TableName: tbl(table), Key: key(acmeCorp, "user#1")}}}})
			return err
		}, acmeCorp},
		{"TransactWriteItems/ConditionCheck", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl(table), Item: item(acme, "user#7", acmeIx)}},
				{ConditionCheck: &types.ConditionCheck{TableName: tbl(table), Key: key(acmeCorp, "user#1"),
					ConditionExpression: aws.String("attribute_exists(PK)")}}}})
			return err
		}, acmeCorp},
		{"Query/Table", q(nil, "#pk = :pk", pkNames, map[string]types.AttributeValue{":pk": s(acmeCorp)}), acmeCorp},
		{"Query/TableBareName", q(nil, "PK = :pk AND begins_with(SK, :sk)", nil, map[string]types.AttributeValue{":pk": s(acmeCorp), ":sk": s("user#")}), acmeCorp},
		{"Query/TableValueFirst", q(nil, ":pk = #pk", pkNames, map[string]types.AttributeValue{":pk": s(acmeCorp)}), acmeCorp},
		{"Query/TableIndexLikeKey", q(nil, "#pk = :pk", pkNames, map[string]types.AttributeValue{":pk": s(acmeIx)}), acmeIx},
		{"Query/Index", q(aws.String("GSI1"), "(#pk = :pk) AND (#sk BETWEEN :a AND :b)", ixNames,
			map[string]types.AttributeValue{":pk": s(acmeCorpIx), ":a": s("a"), ":b": s("z")}), acmeCorpIx},
		{"Query/IndexTenantKeyAlone", q(aws.String("GSI1"), "#pk = :pk", ixNames, map[string]types.AttributeValue{":pk": s(acme)}), acme},
		{"Query/IndexOnTableKeyName", q(aws.String("GSI1"), "#pk = :pk", pkNames, map[string]types.AttributeValue{":pk": s(acme)}), ""},
		{"Query/UnknownIndex", q(aws.String("GSI9"), "#pk = :pk", map[string]string{"#pk": "GSI9PK"}, map[string]types.AttributeValue{":pk": s(acmeIx)}), "GSI9"},
		{"Query/BeginsWithOnPK", q(nil, "begins_with(#pk, :pk)", pkNames, map[string]types.AttributeValue{":pk": s(acme)}), ""},
		{"Query/Or", q(nil, "#pk = :pk OR #pk = :other", pkNames, map[string]types.AttributeValue{":pk": s(acme), ":other": s(acmeCorp)}), ""},
		{"Query/TwoEqualities", q(nil, "#pk = :pk AND #pk = :other", pkNames, map[string]types.AttributeValue{":pk": s(acme), ":other": s(acmeCorp)}), ""},
		{"Query/NoPartitionKey", q(nil, "#sk = :sk", pkNames, map[string]types.AttributeValue{":sk": s("user#1")}), ""},
		{"Query/NumberValue", q(nil, "#pk = :pk", pkNames, map[string]types.AttributeValue{":pk": &types.AttributeValueMemberN{Value: "1"}}), ""},
		{"Query/MissingName", q(nil, "#x = :pk", pkNames, map[string]types.AttributeValue{":pk": s(acme)}), ""},
		{"Query/StartKeyOfOtherTenant", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl(table), KeyConditionExpression: aws.String("#pk = :pk"),
				ExpressionAttributeNames: pkNames, ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(acme)},
				ExclusiveStartKey: key(acmeCorp, "user#1")})
			return err
		}, acmeCorp},
		{"Query/IndexStartKeyOfOtherTenant", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl(table), IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String("#pk = :pk"),
				ExpressionAttributeNames: ixNames, ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(acmeIx)},
				ExclusiveStartKey: item(acme, "user#1", acmeCorpIx)})
			return err
		}, acmeCorpIx},
		{"Query/LegacyKeyConditions", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl(table), KeyConditions: map[string]types.Condition{
				"PK": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s(acmeCorp)}}}})
			return err
		}, ""},
		{"Scan", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl(table)})
			return err
		}, ""},
		{"ExecuteStatement", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM "` + table + `" WHERE PK = 'tenant#acme'`)})
			return err
		}, ""},
		{"BatchExecuteStatement", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
				{Statement: aws.String(`SELECT * FROM "` + table + `" WHERE PK = 'tenant#acme-corp' AND SK = 'user#1'`)}}})
			return err
		}, ""},
		{"ExecuteTransaction", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
				{Statement: aws.String(`DELETE FROM "` + table + `" WHERE PK = 'tenant#acme-corp' AND SK = 'user#1'`)}}})
			return err
		}, ""},
		{"CreateTable", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(table + "_x"), BillingMode: types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash}}})
			return err
		}, ""},
		{"UpdateTable", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: tbl(table), BillingMode: types.BillingModePayPerRequest})
			return err
		}, ""},
		{"DeleteTable", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: tbl(table)})
			return err
		}, ""},
		{"ListTables", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		}, ""},
		{"UpdateTimeToLive", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: tbl(table),
				TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)}})
			return err
		}, ""},
	}
}

// sameTenantCalls are calls of tenant acme within its own partition.
func sameTenantCalls() []call {
	tbl := func(table string) *string { return aws.String(table) }
	return []call{
		{"GetItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl(table), Key: key(acme, "user#1"), ConsistentRead: aws.Bool(true)})
			if err == nil && out.Item == nil {
				return errors.New("acme's user#1 not found")
			}
			return err
		}, ""},
		{"PutItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl(table), Item: item(acme, "user#2", acmeIx)})
			return err
		}, ""},
		{"UpdateItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl(table), Key: key(acme, "user#2"),
				UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("y")}})
			return err
		}, ""},
		{"BatchWriteItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {
				{PutRequest: &types.PutRequest{Item: item(acme, "user#3", acmeIx)}},
				{DeleteRequest: &types.DeleteRequest{Key: key(acme, "user#2")}}}}})
			return err
		}, ""},
		{"BatchGetItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				table: {Keys: []map[string]types.AttributeValue{key(acme, "user#1"), key(acme, "user#3")}}}})
			return err
		}, ""},
		{"TransactWriteItems", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl(table), Item: item(acme, "user#4", acmeIx)}},
				{ConditionCheck: &types.ConditionCheck{TableName: tbl(table), Key: key(acme, "user#1"), ConditionExpression: aws.String("attribute_exists(PK)")}},
				{Update: &types.Update{TableName: tbl(table), Key: key(acme, "user#3"), UpdateExpression: aws.String("SET v = :v"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("z")}}},
				{Delete: &types.Delete{TableName: tbl(table), Key: key(acme, "user#5")}}}})
			return err
		}, ""},
		{"TransactGetItems", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: tbl(table), Key: key(acme, "user#1")}}}})
			return err
		}, ""},
		{"Query/Table", func(ctx context.Context, c *dynamodb.Client, table string) error {
			out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl(table), KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :sk)"),
				ExpressionAttributeNames:  map[string]string{"#pk": "PK", "#sk": "SK"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(acme), ":sk": s("user#")}})
			if err != nil {
				return err
			}
			if len(out.Items) == 0 {
				return errors.New("no items of acme")
			}
			for _, it := range out.Items {
				if it["PK"].(*types.AttributeValueMemberS).Value != acme {
					return errors.New("an item of another tenant")
				}
			}
			return err
		}, ""},
		{"Query/Index", func(ctx context.Context, c *dynamodb.Client, table string) error {
			out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl(table), IndexName: aws.String("GSI1"),
				KeyConditionExpression:    aws.String("GSI1PK = :pk AND GSI1SK >= :a"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(acmeIx), ":a": s("a")}})
			if err != nil {
				return err
			}
			if len(out.Items) == 0 {
				return errors.New("no items of acme in GSI1")
			}
			return nil
		}, ""},
		{"DescribeTable", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: tbl(table)})
			return err
		}, ""},
		{"DeleteItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl(table), Key: key(acme, "user#4")})
			return err
		}, ""},
	}
}

// anyKey is a hostile context: its Value answers every key with v.
type anyKey struct {
	context.Context
	v any
}

func (c anyKey) Value(any) any { return c.v }

// anyButSDKKey is a hostile context that answers every key with v except
// those of the AWS SDK's packages, which it answers as its parent does: a
// context answering the SDK's own keys makes the SDK panic before any
// middleware runs (the DynamoDB backend shields its contexts from that),
// so this is the hostile context a raw SDK call survives to reach the
// guard.
type anyButSDKKey struct {
	context.Context
	v any
}

func (c anyButSDKKey) Value(k any) any {
	t := reflect.TypeOf(k)
	for t != nil && t.Kind() == reflect.Pointer && t.Name() == "" {
		t = t.Elem()
	}
	if t != nil && strings.HasPrefix(t.PkgPath(), "github.com/aws/") {
		return c.Context.Value(k)
	}
	return c.v
}

func TestGuardOnDynamoDBLocal(t *testing.T) {
	table := dynamotest.NewTable(t).Table()
	c, rec := guardedClient(t)
	op := operatorCtx(t)
	for _, it := range []map[string]types.AttributeValue{item(acme, "user#1", acmeIx), item(acmeCorp, "user#1", acmeCorpIx)} {
		if _, err := c.PutItem(op, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatalf("seed with the operator marker: %v", err)
		}
	}
	if rec.n.Load() != 2 {
		t.Fatalf("the seed sent %d requests, want 2", rec.n.Load())
	}
	acmeCtx := tenantctx.MustWithTenant(t.Context(), "acme")

	refused := func(t *testing.T, ctx context.Context, cl call, wantKey string) {
		t.Helper()
		before := rec.n.Load()
		err := cl.do(ctx, c, table)
		if !errors.Is(err, guard.ErrRefused) {
			t.Fatalf("%s: err = %v; want guard.ErrRefused", cl.name, err)
		}
		var re *guard.RefusedError
		if !errors.As(err, &re) || re.Operation == "" || re.Reason == "" {
			t.Fatalf("%s: err = %#v; want a *guard.RefusedError naming the operation", cl.name, err)
		}
		if wantKey != "" && re.Key != wantKey {
			t.Errorf("%s: refusal names key %q; want %q (%v)", cl.name, re.Key, wantKey, err)
		}
		if strings.Contains(err.Error(), "acme-corp") {
			t.Errorf("%s: the message names another tenant: %v", cl.name, err)
		}
		if n := rec.n.Load() - before; n != 0 {
			t.Errorf("%s: %d requests sent; want none", cl.name, n)
		}
	}

	t.Run("CrossTenantRefused", func(t *testing.T) {
		for _, cl := range crossTenantCalls() {
			t.Run(cl.name, func(t *testing.T) { refused(t, acmeCtx, cl, cl.key) })
		}
	})
	t.Run("SameTenantPasses", func(t *testing.T) {
		for _, cl := range sameTenantCalls() {
			before := rec.n.Load()
			if err := cl.do(acmeCtx, c, table); err != nil {
				t.Errorf("%s: %v", cl.name, err)
			}
			if rec.n.Load() == before {
				t.Errorf("%s: nothing sent", cl.name)
			}
		}
	})
	t.Run("NoTenantRefused", func(t *testing.T) {
		for _, cl := range append(sameTenantCalls(), crossTenantCalls()...) {
			refused(t, t.Context(), cl, "")
			if err := cl.do(t.Context(), c, table); !errors.Is(err, tenantctx.ErrNoTenant) {
				t.Errorf("%s: %v; want it to wrap tenantctx.ErrNoTenant", cl.name, err)
			}
		}
	})
	t.Run("HostileContextsRefused", func(t *testing.T) {
		for _, v := range []any{"acme", "acme-corp", nil} {
			for _, parent := range []context.Context{t.Context(), acmeCtx, op} {
				for _, cl := range sameTenantCalls() {
					refused(t, anyButSDKKey{parent, v}, cl, "")
				}
				// A context that answers the SDK's keys too never
				// reaches a middleware through a raw client (the SDK
				// panics first): the guard's check refuses it.
				for _, in := range []any{&dynamodb.GetItemInput{Key: key(acme, "user#1")}, &dynamodb.ScanInput{}} {
					if err := guard.Check(anyKey{parent, v}, in); !errors.Is(err, guard.ErrRefused) {
						t.Errorf("Check of a context answering every key with %v: %v", v, err)
					}
				}
			}
		}
	})
	t.Run("NearCollisionTenant", func(t *testing.T) {
		// acme-corp's context reaches no key of acme, and the other way round.
		corp := tenantctx.MustWithTenant(t.Context(), "acme-corp")
		refused(t, corp, call{"GetItem", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(acme, "user#1")})
			return err
		}, ""}, acme)
		refused(t, corp, call{"Query/Index", func(ctx context.Context, c *dynamodb.Client, table string) error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("GSI1"),
				KeyConditionExpression: aws.String("GSI1PK = :pk"), ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(acmeIx)}})
			return err
		}, ""}, acmeIx)
	})
	t.Run("OperatorPasses", func(t *testing.T) {
		before := rec.n.Load()
		out, err := c.Scan(op, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
		if err != nil || len(out.Items) < 2 {
			t.Fatalf("operator Scan: %v", err)
		}
		if _, err := c.GetItem(op, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(acmeCorp, "user#1")}); err != nil {
			t.Fatal(err)
		}
		if rec.n.Load()-before != 2 {
			t.Errorf("operator calls sent %d requests; want 2", rec.n.Load()-before)
		}
		// The marker does not survive a tenant added after it: the tenant's rules apply.
		mixed := tenantctx.MustWithTenant(op, "acme")
		refused(t, mixed, crossTenantCalls()[0], acmeCorp)
	})
	t.Run("ThroughTheBackend", func(t *testing.T) {
		// The DynamoDB backend does not check tenants (package repo
		// does): with the guard, a backend call for another tenant's
		// key is refused, and the refusal keeps its type through the
		// backend's errors.
		b, err := dynamodbbackend.New(c, table)
		if err != nil {
			t.Fatal(err)
		}
		before := rec.n.Load()
		_, err = b.Get(acmeCtx, backend.GetInput{Key: backend.Key{PK: acmeCorp, SK: "user#1"}})
		var re *guard.RefusedError
		if !errors.Is(err, guard.ErrRefused) || !errors.As(err, &re) || re.Key != acmeCorp {
			t.Fatalf("backend Get of another tenant's key: %v", err)
		}
		if n := rec.n.Load() - before; n != 0 {
			t.Errorf("%d requests sent", n)
		}
		if _, err := b.Get(acmeCtx, backend.GetInput{Key: backend.Key{PK: acme, SK: "user#1"}}); err != nil {
			t.Errorf("backend Get of the tenant's key: %v", err)
		}
	})
	// The other tenant's item is untouched by everything refused.
	out, err := c.GetItem(op, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(acmeCorp, "user#1"), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item["v"].(*types.AttributeValueMemberS).Value != "x" {
		t.Errorf("acme-corp's item after the refused calls: %v, %v", out, err)
	}
}
