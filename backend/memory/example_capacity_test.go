package memory_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
)

// A test reads what each request would consume on DynamoDB from a meter in
// its context: here a put of a 1.5 KB item that is in index GSI1, a
// repeat of that put, and an eventually consistent get.
func ExampleStore_capacity() {
	store := memory.New()
	ctx, meter := backend.WithMeter(context.Background())
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	item := backend.Item{
		"PK": s("tenant#acme"), "SK": s("note#1"),
		"GSI1PK": s("tenant#acme#tag#go"), "GSI1SK": s("note#1"),
		"body": s(strings.Repeat("x", 1400)),
	}
	if err := store.Put(ctx, backend.PutInput{Item: item}); err != nil {
		panic(err)
	}
	u := meter.Reset()
	fmt.Printf("put: %d request, table %v WCU, GSI1 %v WCU\n", u.Requests, u.Capacity.Table.Write, u.Capacity.Index("GSI1").Write)

	_ = store.Put(ctx, backend.PutInput{Item: item}) // the same item again
	u = meter.Reset()
	fmt.Printf("same put: table %v WCU, GSI1 %v WCU\n", u.Capacity.Table.Write, u.Capacity.Index("GSI1").Write)

	_, _ = store.Get(ctx, backend.GetInput{Key: backend.Key{PK: "tenant#acme", SK: "note#1"}})
	fmt.Printf("get: %v RCU\n", meter.Usage().Capacity.Table.Read)
	// Output:
	// put: 1 request, table 2 WCU, GSI1 2 WCU
	// same put: table 2 WCU, GSI1 0 WCU
	// get: 0.5 RCU
}
