package guard_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/guard"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// sdkLayer stands for the values the SDK adds to a call's context before
// the guard runs.
type sdkLayer int

// BenchmarkCheck is the guard's check of one GetItem and of one index
// Query, in a tenant's context under eight more layers of values, as the
// SDK's: the work the middleware adds to a call (see
// internal/bench's BenchmarkCannedGuard for the whole call).
func BenchmarkCheck(b *testing.B) {
	ctx := tenantctx.MustWithTenant(context.Background(), "3f2c1a9e-8b7d-4e6f-a5c4-1b2d3e4f5a6b")
	for i := range 8 {
		ctx = context.WithValue(ctx, sdkLayer(i), i)
	}
	get := &dynamodb.GetItemInput{Key: key("tenant#3f2c1a9e-8b7d-4e6f-a5c4-1b2d3e4f5a6b", "profile#00000042")}
	b.Run("op=GetItem", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := guard.Check(ctx, get); err != nil {
				b.Fatal(err)
			}
		}
	})
	query := &dynamodb.QueryInput{
		IndexName:                 aws.String("GSI1"),
		KeyConditionExpression:    aws.String("(#0 = :0) AND (#1 BETWEEN :1 AND :2)"),
		ExpressionAttributeNames:  map[string]string{"#0": "GSI1PK", "#1": "GSI1SK"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":0": s("tenant#3f2c1a9e-8b7d-4e6f-a5c4-1b2d3e4f5a6b#ticket#by-user#u1"), ":1": s("a"), ":2": s("z")},
	}
	b.Run("op=Query", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := guard.Check(ctx, query); err != nil {
				b.Fatal(err)
			}
		}
	})
}
