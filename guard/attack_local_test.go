package guard_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/guard"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// TestAttackKeyConditionDifferential generates key conditions from
// pieces an attacker would combine (aliases of PK, SK, acme's and
// acme-corp's values, operators, parentheses, AND's case) and sends every
// one the guard lets through, for tenant acme, to DynamoDB Local seeded
// with acme-corp's items: DynamoDB must return only acme's items. Those
// the guard refuses must send nothing. The guard and DynamoDB must agree
// on which partition a condition reads.
func TestAttackKeyConditionDifferential(t *testing.T) {
	table := dynamotest.NewTable(t).Table()
	c, rec := guardedClient(t)
	op := operatorCtx(t)
	for _, it := range []map[string]types.AttributeValue{
		item(acme, "user#1", acmeIx), item(acmeCorp, "user#1", acmeCorpIx), item(acmeCorp, "user#2", acmeCorpIx),
	} {
		if _, err := c.PutItem(op, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	acmeCtx := tenantctx.MustWithTenant(t.Context(), "acme")
	pkNames := []string{"PK", "#p", "#q"}
	skConds := []string{"", "SK = :s", "#k = :s", "begins_with(#k, :u)", "#k BETWEEN :s AND :z", "#k > :s", "#p = :c", "#q = :c", "PK = :c", "#q = :a"}
	pkVals := []string{":a", ":c"}
	ands := []string{" AND ", " and ", " AnD ", "\tAND\n"}
	var exprs []string
	for _, n := range pkNames {
		for _, v := range pkVals {
			for _, eq := range []string{n + " = " + v, v + " = " + n, "(" + n + "=" + v + ")", "((" + v + "=" + n + "))"} {
				for _, sk := range skConds {
					if sk == "" {
						exprs = append(exprs, eq)
						continue
					}
					for _, and := range ands {
						exprs = append(exprs, eq+and+sk, sk+and+eq, "("+sk+")"+and+"("+eq+")")
					}
				}
			}
		}
	}
	names := map[string]string{"#p": "PK", "#q": "PK", "#k": "SK"}
	allVals := map[string]types.AttributeValue{":a": s(acme), ":c": s(acmeCorp), ":s": s("user#1"), ":u": s("user#"), ":z": s("user#9")}
	passed := 0
	for _, expr := range exprs {
		// DynamoDB refuses unused names and values: give only those used.
		in := &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String(expr)}
		for k, v := range names {
			if strings.Contains(expr, k) {
				if in.ExpressionAttributeNames == nil {
					in.ExpressionAttributeNames = map[string]string{}
				}
				in.ExpressionAttributeNames[k] = v
			}
		}
		for k, v := range allVals {
			if strings.Contains(expr, k) {
				if in.ExpressionAttributeValues == nil {
					in.ExpressionAttributeValues = map[string]types.AttributeValue{}
				}
				in.ExpressionAttributeValues[k] = v
			}
		}
		before := rec.n.Load()
		out, err := c.Query(acmeCtx, in)
		if errors.Is(err, guard.ErrRefused) {
			if rec.n.Load() != before {
				t.Errorf("%q: refused, yet sent", expr)
			}
			continue
		}
		if strings.Contains(expr, ":c") {
			t.Errorf("%q: names acme-corp's key, yet passed the guard (DynamoDB: %v)", expr, err)
		}
		if err != nil {
			// DynamoDB refused what the guard let through: no data.
			continue
		}
		passed++
		for _, it := range out.Items {
			if pk, _ := it["PK"].(*types.AttributeValueMemberS); pk == nil || pk.Value != acme {
				t.Errorf("%q: DynamoDB returned an item of %v", expr, it["PK"])
			}
		}
	}
	if passed == 0 {
		t.Fatalf("no generated condition passed: the test reads nothing (%d generated)", len(exprs))
	}
	t.Logf("%d conditions generated, %d passed the guard and ran on DynamoDB Local", len(exprs), passed)
}

// TestAttackIndexDifferential: index queries for acme with index
// partition values near acme-corp's; whatever the guard lets through,
// DynamoDB Local returns only items in acme's index partitions.
func TestAttackIndexDifferential(t *testing.T) {
	table := dynamotest.NewTable(t).Table()
	c, rec := guardedClient(t)
	op := operatorCtx(t)
	for _, it := range []map[string]types.AttributeValue{item(acme, "user#1", acmeIx), item(acmeCorp, "user#1", acmeCorpIx)} {
		if _, err := c.PutItem(op, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	acmeCtx := tenantctx.MustWithTenant(t.Context(), "acme")
	passed := 0
	for _, v := range []string{acmeIx, acmeCorpIx, acme, acme + "#", acme + "-corp#user#GSI1#x", "tenant#acme-", "tenant#acm", "tenant#", "tenant#acme##", "tenant#acme#-corp#user#GSI1#x"} {
		for _, expr := range []string{"GSI1PK = :v", "#ip = :v", ":v = #ip AND #isk = :a", "(#ip = :v) AND begins_with(#isk, :a)"} {
			in := &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String(expr),
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": s(v)}}
			if strings.Contains(expr, "#") {
				in.ExpressionAttributeNames = map[string]string{"#ip": "GSI1PK"}
			}
			if strings.Contains(expr, "#isk") {
				in.ExpressionAttributeNames["#isk"] = "GSI1SK"
				in.ExpressionAttributeValues[":a"] = s("a")
			}
			before := rec.n.Load()
			out, err := c.Query(acmeCtx, in)
			if errors.Is(err, guard.ErrRefused) {
				if rec.n.Load() != before {
					t.Errorf("%q %q: refused, yet sent", expr, v)
				}
				continue
			}
			if err != nil {
				t.Errorf("%q %q: %v", expr, v, err)
				continue
			}
			passed++
			for _, it := range out.Items {
				if ip, _ := it["GSI1PK"].(*types.AttributeValueMemberS); ip == nil || !strings.HasPrefix(ip.Value, acme+"#") {
					t.Errorf("%q %q: DynamoDB returned an item of index partition %v", expr, v, it["GSI1PK"])
				}
				if pk, _ := it["PK"].(*types.AttributeValueMemberS); pk == nil || pk.Value != acme {
					t.Errorf("%q %q: DynamoDB returned an item of %v", expr, v, it["PK"])
				}
			}
			if v == acmeIx && len(out.Items) != 1 {
				t.Errorf("%q: acme's own index partition gave %d items; want 1", expr, len(out.Items))
			}
		}
	}
	if passed == 0 {
		t.Fatal("no index query passed the guard: the test reads nothing")
	}
}
