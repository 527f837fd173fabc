package dynamodb

import (
	"context"
	"fmt"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tenantrepo/tenantrepo/backend"
)

// guarded is the client as the backend calls it: a panic inside the
// client becomes an error instead of reaching the caller. The SDK panics,
// for example, when a context.Context answers the SDK's own context keys
// with values of its own (a context whose Value answers every key): the
// backend cannot tell such a context from a good one before the call, and
// a library call must not take the process down. The error wraps
// backend.ErrInvalidArgument and names the operation; like any error of a
// call, it means "not known to be done".
type guarded struct{ api API }

// recoverClient turns a panic of the client in operation op into *err.
func recoverClient(op string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("dynamodb: %s: %w: the client panicked (is the context's Value answering keys it does not own?): %v", op, backend.ErrInvalidArgument, p)
	}
}

func (g guarded) GetItem(ctx context.Context, in *ddb.GetItemInput, optFns ...func(*ddb.Options)) (out *ddb.GetItemOutput, err error) {
	defer recoverClient("GetItem", &err)
	return g.api.GetItem(ctx, in, optFns...)
}

func (g guarded) PutItem(ctx context.Context, in *ddb.PutItemInput, optFns ...func(*ddb.Options)) (out *ddb.PutItemOutput, err error) {
	defer recoverClient("PutItem", &err)
	return g.api.PutItem(ctx, in, optFns...)
}

func (g guarded) UpdateItem(ctx context.Context, in *ddb.UpdateItemInput, optFns ...func(*ddb.Options)) (out *ddb.UpdateItemOutput, err error) {
	defer recoverClient("UpdateItem", &err)
	return g.api.UpdateItem(ctx, in, optFns...)
}

func (g guarded) DeleteItem(ctx context.Context, in *ddb.DeleteItemInput, optFns ...func(*ddb.Options)) (out *ddb.DeleteItemOutput, err error) {
	defer recoverClient("DeleteItem", &err)
	return g.api.DeleteItem(ctx, in, optFns...)
}

func (g guarded) Query(ctx context.Context, in *ddb.QueryInput, optFns ...func(*ddb.Options)) (out *ddb.QueryOutput, err error) {
	defer recoverClient("Query", &err)
	return g.api.Query(ctx, in, optFns...)
}

func (g guarded) DescribeTable(ctx context.Context, in *ddb.DescribeTableInput, optFns ...func(*ddb.Options)) (out *ddb.DescribeTableOutput, err error) {
	defer recoverClient("DescribeTable", &err)
	return g.api.DescribeTable(ctx, in, optFns...)
}

func (g guarded) CreateTable(ctx context.Context, in *ddb.CreateTableInput, optFns ...func(*ddb.Options)) (out *ddb.CreateTableOutput, err error) {
	defer recoverClient("CreateTable", &err)
	return g.api.CreateTable(ctx, in, optFns...)
}

func (g guarded) BatchGetItem(ctx context.Context, in *ddb.BatchGetItemInput, optFns ...func(*ddb.Options)) (out *ddb.BatchGetItemOutput, err error) {
	defer recoverClient("BatchGetItem", &err)
	return g.api.BatchGetItem(ctx, in, optFns...)
}

func (g guarded) BatchWriteItem(ctx context.Context, in *ddb.BatchWriteItemInput, optFns ...func(*ddb.Options)) (out *ddb.BatchWriteItemOutput, err error) {
	defer recoverClient("BatchWriteItem", &err)
	return g.api.BatchWriteItem(ctx, in, optFns...)
}

func (g guarded) TransactWriteItems(ctx context.Context, in *ddb.TransactWriteItemsInput, optFns ...func(*ddb.Options)) (out *ddb.TransactWriteItemsOutput, err error) {
	defer recoverClient("TransactWriteItems", &err)
	return g.api.TransactWriteItems(ctx, in, optFns...)
}

func (g guarded) DescribeTimeToLive(ctx context.Context, in *ddb.DescribeTimeToLiveInput, optFns ...func(*ddb.Options)) (out *ddb.DescribeTimeToLiveOutput, err error) {
	defer recoverClient("DescribeTimeToLive", &err)
	return g.api.DescribeTimeToLive(ctx, in, optFns...)
}

func (g guarded) UpdateTimeToLive(ctx context.Context, in *ddb.UpdateTimeToLiveInput, optFns ...func(*ddb.Options)) (out *ddb.UpdateTimeToLiveOutput, err error) {
	defer recoverClient("UpdateTimeToLive", &err)
	return g.api.UpdateTimeToLive(ctx, in, optFns...)
}

func (g guarded) UpdateTable(ctx context.Context, in *ddb.UpdateTableInput, optFns ...func(*ddb.Options)) (out *ddb.UpdateTableOutput, err error) {
	defer recoverClient("UpdateTable", &err)
	return g.api.UpdateTable(ctx, in, optFns...)
}
