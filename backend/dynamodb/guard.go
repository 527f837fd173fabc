package dynamodb

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tenantrepo/tenantrepo/backend"
)

// guarded is the client as the backend calls it. The SDK keeps values of
// its own in the contexts it derives from the caller's, and asserts their
// types when it reads them back: a context.Context whose Value answers the
// SDK's keys with values of its own (one that answers every key, or starts
// to while a request is under way) made it panic, before or after the
// request was sent. So each call hands the SDK the caller's context
// shielded (see shield), and a panic inside the client that still happens
// becomes an error wrapping backend.ErrInvalidArgument that names the
// operation, instead of reaching the caller; like any error of a call, it
// means "not known to be done".
type guarded struct{ api API }

// shielded is a caller's context as the SDK sees it: the caller's deadline,
// cancellation and values, except under keys of the SDK's own packages,
// which only the contexts the SDK derives from it answer.
type shielded struct{ context.Context }

// shield returns ctx shielded; a nil context stays nil, for the SDK to
// refuse.
func shield(ctx context.Context) context.Context {
	if ctx == nil {
		return nil
	}
	return shielded{ctx}
}

// Value answers key as the caller's context does, unless key's type belongs
// to a package of the AWS SDK or smithy-go.
func (c shielded) Value(key any) any {
	if sdkKey(key) {
		return nil
	}
	return c.Context.Value(key)
}

// sdkKeys remembers, per key type, whether it belongs to the SDK.
var sdkKeys sync.Map // reflect.Type -> bool

// sdkKey reports whether key's type is declared in a package under
// github.com/aws/ (aws-sdk-go-v2 and smithy-go).
func sdkKey(key any) bool {
	t := reflect.TypeOf(key)
	if t == nil {
		return false
	}
	if v, ok := sdkKeys.Load(t); ok {
		return v.(bool)
	}
	for t.Kind() == reflect.Pointer && t.Name() == "" {
		t = t.Elem()
	}
	is := strings.HasPrefix(t.PkgPath(), "github.com/aws/")
	sdkKeys.Store(reflect.TypeOf(key), is)
	return is
}

// recoverClient turns a panic of the client in operation op into *err.
func recoverClient(op string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("dynamodb: %s: %w: the client panicked (is the context's Value answering keys it does not own?): %v", op, backend.ErrInvalidArgument, p)
	}
}

func (g guarded) GetItem(ctx context.Context, in *ddb.GetItemInput, optFns ...func(*ddb.Options)) (out *ddb.GetItemOutput, err error) {
	defer recoverClient("GetItem", &err)
	return g.api.GetItem(shield(ctx), in, optFns...)
}

func (g guarded) PutItem(ctx context.Context, in *ddb.PutItemInput, optFns ...func(*ddb.Options)) (out *ddb.PutItemOutput, err error) {
	defer recoverClient("PutItem", &err)
	return g.api.PutItem(shield(ctx), in, optFns...)
}

func (g guarded) UpdateItem(ctx context.Context, in *ddb.UpdateItemInput, optFns ...func(*ddb.Options)) (out *ddb.UpdateItemOutput, err error) {
	defer recoverClient("UpdateItem", &err)
	return g.api.UpdateItem(shield(ctx), in, optFns...)
}

func (g guarded) DeleteItem(ctx context.Context, in *ddb.DeleteItemInput, optFns ...func(*ddb.Options)) (out *ddb.DeleteItemOutput, err error) {
	defer recoverClient("DeleteItem", &err)
	return g.api.DeleteItem(shield(ctx), in, optFns...)
}

func (g guarded) Query(ctx context.Context, in *ddb.QueryInput, optFns ...func(*ddb.Options)) (out *ddb.QueryOutput, err error) {
	defer recoverClient("Query", &err)
	return g.api.Query(shield(ctx), in, optFns...)
}

func (g guarded) DescribeTable(ctx context.Context, in *ddb.DescribeTableInput, optFns ...func(*ddb.Options)) (out *ddb.DescribeTableOutput, err error) {
	defer recoverClient("DescribeTable", &err)
	return g.api.DescribeTable(shield(ctx), in, optFns...)
}

func (g guarded) CreateTable(ctx context.Context, in *ddb.CreateTableInput, optFns ...func(*ddb.Options)) (out *ddb.CreateTableOutput, err error) {
	defer recoverClient("CreateTable", &err)
	return g.api.CreateTable(shield(ctx), in, optFns...)
}

func (g guarded) BatchGetItem(ctx context.Context, in *ddb.BatchGetItemInput, optFns ...func(*ddb.Options)) (out *ddb.BatchGetItemOutput, err error) {
	defer recoverClient("BatchGetItem", &err)
	return g.api.BatchGetItem(shield(ctx), in, optFns...)
}

func (g guarded) BatchWriteItem(ctx context.Context, in *ddb.BatchWriteItemInput, optFns ...func(*ddb.Options)) (out *ddb.BatchWriteItemOutput, err error) {
	defer recoverClient("BatchWriteItem", &err)
	return g.api.BatchWriteItem(shield(ctx), in, optFns...)
}

func (g guarded) TransactWriteItems(ctx context.Context, in *ddb.TransactWriteItemsInput, optFns ...func(*ddb.Options)) (out *ddb.TransactWriteItemsOutput, err error) {
	defer recoverClient("TransactWriteItems", &err)
	return g.api.TransactWriteItems(shield(ctx), in, optFns...)
}

func (g guarded) DescribeTimeToLive(ctx context.Context, in *ddb.DescribeTimeToLiveInput, optFns ...func(*ddb.Options)) (out *ddb.DescribeTimeToLiveOutput, err error) {
	defer recoverClient("DescribeTimeToLive", &err)
	return g.api.DescribeTimeToLive(shield(ctx), in, optFns...)
}

func (g guarded) UpdateTimeToLive(ctx context.Context, in *ddb.UpdateTimeToLiveInput, optFns ...func(*ddb.Options)) (out *ddb.UpdateTimeToLiveOutput, err error) {
	defer recoverClient("UpdateTimeToLive", &err)
	return g.api.UpdateTimeToLive(shield(ctx), in, optFns...)
}

func (g guarded) UpdateTable(ctx context.Context, in *ddb.UpdateTableInput, optFns ...func(*ddb.Options)) (out *ddb.UpdateTableOutput, err error) {
	defer recoverClient("UpdateTable", &err)
	return g.api.UpdateTable(shield(ctx), in, optFns...)
}
