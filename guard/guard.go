package guard

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// ErrRefused is what every refusal of the guard wraps: errors.Is(err,
// guard.ErrRefused) tells a request the guard stopped, before anything was
// sent, from any other error of the client.
var ErrRefused = errors.New("guard: request refused")

// RefusedError is the error of a refused request: the operation, the key
// (or expression) that broke the rule, when there is one, and why. Error
// gives the operation and the reason, naming the attribute, but not Key:
// the key may be another tenant's, and a message passed on to the tenant
// must not name other tenants. Log Key where the operator reads it. It
// wraps ErrRefused, and the context's own error (tenantctx.ErrNoTenant,
// tenantctx.ErrInvalidTenant, tenantctx.ErrInvalidOperator, ...) when that
// is the reason.
type RefusedError struct {
	// Operation is the DynamoDB operation, such as "GetItem".
	Operation string
	// Key is the offending key value or key condition, or "" when the
	// operation is refused as a whole.
	Key string
	// Reason says which rule the request broke.
	Reason string

	cause error
}

// Error names the operation and the reason, not the offending key's value.
func (e *RefusedError) Error() string {
	var b strings.Builder
	b.WriteString("guard: ")
	b.WriteString(e.Operation)
	b.WriteString(" refused: ")
	b.WriteString(e.Reason)
	if e.cause != nil {
		b.WriteString(": ")
		b.WriteString(e.cause.Error())
	}
	return b.String()
}

// Is reports whether target is ErrRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Unwrap returns the context's error that caused the refusal, if any.
func (e *RefusedError) Unwrap() error { return e.cause }

// MiddlewareID is the ID of the guard's step in the client's middleware
// stack (the Initialize step, first).
const MiddlewareID = "tenantrepo.TenantGuard"

// Install adds the guard to the options of a DynamoDB client:
//
//	client := dynamodb.NewFromConfig(cfg, guard.Install)
//
// It can also be given to a single call, as one of its optFns.
func Install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, Middleware)
}

// Middleware adds the guard to a middleware stack, first in its
// Initialize step, where the operation's input is the typed input the
// caller passed, before the SDK validates, serializes, signs or sends it.
// It is an APIOptions function:
//
//	dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
//		o.APIOptions = append(o.APIOptions, guard.Middleware)
//	})
func Middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(initialize{}, middleware.Before)
}

type initialize struct{}

func (initialize) ID() string { return MiddlewareID }

func (initialize) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	if err := Check(ctx, in.Parameters); err != nil {
		return middleware.InitializeOutput{}, middleware.Metadata{}, err
	}
	return next.HandleInitialize(ctx, in)
}

// Check applies the guard's rules to the input of a DynamoDB operation
// (a *dynamodb.GetItemInput, ...) in ctx, as the middleware does, and
// returns nil or a *RefusedError. See the package documentation for the
// rules.
func Check(ctx context.Context, input any) error {
	t, err := tenantctx.Tenant(ctx)
	if err != nil {
		if !errors.Is(err, tenantctx.ErrNoTenant) {
			return &RefusedError{Operation: opName(input), Reason: "the context's tenant is not valid", cause: err}
		}
		if _, oerr := tenantctx.Operator(ctx); oerr != nil {
			return &RefusedError{Operation: opName(input), Reason: "no tenant in the context, and no operator marker", cause: fmt.Errorf("%w; %w", err, oerr)}
		}
		return nil // the operator acts across tenants
	}
	return checker{pk: t.PartitionKey()}.check(input)
}

// opName names the operation of an input, for refusals.
func opName(input any) string {
	name := fmt.Sprintf("%T", input)
	name = strings.TrimPrefix(name, "*dynamodb.")
	return strings.TrimSuffix(name, "Input")
}

// checker holds the keys of the context's tenant.
type checker struct {
	pk string // the tenant's partition key
}

// inIndex reports whether v is an index partition key of the tenant: its
// partition key, the separator, and more.
func (c checker) inIndex(v string) bool { return entity.InIndexPartition(c.pk, v) }

func (c checker) check(input any) error {
	// A typed nil input (the SDK replaces one with an empty input before
	// the middleware runs, but Check is public) has no keys to read.
	if v := reflect.ValueOf(input); v.Kind() == reflect.Pointer && v.IsNil() {
		return &RefusedError{Operation: opName(input), Reason: "a nil input"}
	}
	switch in := input.(type) {
	case *dynamodb.GetItemInput:
		return c.key("GetItem", in.Key)
	case *dynamodb.PutItemInput:
		return c.item("PutItem", in.Item)
	case *dynamodb.UpdateItemInput:
		return c.key("UpdateItem", in.Key)
	case *dynamodb.DeleteItemInput:
		return c.key("DeleteItem", in.Key)
	case *dynamodb.QueryInput:
		return c.query(in)
	case *dynamodb.BatchGetItemInput:
		for _, ka := range in.RequestItems {
			for _, k := range ka.Keys {
				if err := c.key("BatchGetItem", k); err != nil {
					return err
				}
			}
		}
		return nil
	case *dynamodb.BatchWriteItemInput:
		for _, reqs := range in.RequestItems {
			for _, r := range reqs {
				if err := c.writeRequest(r); err != nil {
					return err
				}
			}
		}
		return nil
	case *dynamodb.TransactGetItemsInput:
		for _, it := range in.TransactItems {
			if it.Get == nil {
				return &RefusedError{Operation: "TransactGetItems", Reason: "an item without a Get"}
			}
			if err := c.key("TransactGetItems", it.Get.Key); err != nil {
				return err
			}
		}
		return nil
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range in.TransactItems {
			if err := c.transactWrite(it); err != nil {
				return err
			}
		}
		return nil
	case *dynamodb.DescribeTableInput:
		// Read-only metadata (key schema, indexes, status), which the
		// DynamoDB backend reads lazily to learn the table's indexes.
		return nil
	case *dynamodb.ScanInput:
		return &RefusedError{Operation: "Scan", Reason: "a scan reads every tenant's items; it needs the operator marker"}
	case *dynamodb.ExecuteStatementInput, *dynamodb.BatchExecuteStatementInput, *dynamodb.ExecuteTransactionInput:
		return &RefusedError{Operation: opName(input), Reason: "PartiQL statements are not checked; they need the operator marker"}
	default:
		return &RefusedError{Operation: opName(input), Reason: "not an item operation of one tenant; it needs the operator marker"}
	}
}

func (c checker) writeRequest(r types.WriteRequest) error {
	switch {
	case r.PutRequest != nil && r.DeleteRequest == nil:
		return c.item("BatchWriteItem", r.PutRequest.Item)
	case r.DeleteRequest != nil && r.PutRequest == nil:
		return c.key("BatchWriteItem", r.DeleteRequest.Key)
	}
	return &RefusedError{Operation: "BatchWriteItem", Reason: "a write request without exactly one of Put and Delete"}
}

func (c checker) transactWrite(it types.TransactWriteItem) error {
	const op = "TransactWriteItems"
	n := 0
	var err error
	if it.ConditionCheck != nil {
		n++
		err = errors.Join(err, c.key(op, it.ConditionCheck.Key))
	}
	if it.Put != nil {
		n++
		err = errors.Join(err, c.item(op, it.Put.Item))
	}
	if it.Delete != nil {
		n++
		err = errors.Join(err, c.key(op, it.Delete.Key))
	}
	if it.Update != nil {
		n++
		err = errors.Join(err, c.key(op, it.Update.Key))
	}
	if n != 1 {
		return &RefusedError{Operation: op, Reason: "an action without exactly one of ConditionCheck, Put, Delete and Update"}
	}
	return err
}

// key checks the table key of an item: its partition key must be the
// tenant's.
func (c checker) key(op string, key map[string]types.AttributeValue) error {
	v, ok := key[entity.PartitionKeyName].(*types.AttributeValueMemberS)
	if !ok {
		return &RefusedError{Operation: op, Reason: "the key has no string " + entity.PartitionKeyName}
	}
	if v.Value != c.pk {
		return &RefusedError{Operation: op, Key: v.Value, Reason: "the key's " + entity.PartitionKeyName + " is not the tenant's partition key"}
	}
	return nil
}

// item checks an item a request writes: its partition key must be the
// tenant's. Other attributes, the index keys among them, are not checked:
// see the package documentation's Limits.
func (c checker) item(op string, item map[string]types.AttributeValue) error {
	return c.key(op, item)
}

// indexKeys checks the index partition keys a start key holds: each must
// be one of the tenant's.
func (c checker) indexKeys(op string, item map[string]types.AttributeValue) error {
	for n := 1; n <= entity.MaxIndexes; n++ {
		pkName, _ := entity.IndexKeyNames(entity.IndexName(n))
		av, present := item[pkName]
		if !present {
			continue
		}
		v, ok := av.(*types.AttributeValueMemberS)
		if !ok {
			return &RefusedError{Operation: op, Reason: "the index partition key " + pkName + " is not a string"}
		}
		if !c.inIndex(v.Value) {
			return &RefusedError{Operation: op, Key: v.Value, Reason: "the index partition key " + pkName + " is not one of the tenant's"}
		}
	}
	return nil
}

// query checks the partition key value of a Query's key condition and its
// start key.
func (c checker) query(in *dynamodb.QueryInput) error {
	const op = "Query"
	pkName := entity.PartitionKeyName
	if in.IndexName != nil {
		name := *in.IndexName
		known := false
		for n := 1; n <= entity.MaxIndexes; n++ {
			if entity.IndexName(n) == name {
				known = true
				break
			}
		}
		if !known {
			return &RefusedError{Operation: op, Key: name, Reason: "an index that is not one of the table's"}
		}
		pkName, _ = entity.IndexKeyNames(name)
	}
	if in.KeyConditionExpression == nil || len(in.KeyConditions) != 0 {
		return &RefusedError{Operation: op, Reason: "a query without a KeyConditionExpression (legacy KeyConditions are not checked)"}
	}
	value, err := partitionValue(*in.KeyConditionExpression, pkName, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return &RefusedError{Operation: op, Key: *in.KeyConditionExpression, Reason: err.Error()}
	}
	if in.IndexName == nil {
		if value != c.pk {
			return &RefusedError{Operation: op, Key: value, Reason: "the key condition's " + pkName + " is not the tenant's partition key"}
		}
	} else if !c.inIndex(value) {
		return &RefusedError{Operation: op, Key: value, Reason: "the key condition's " + pkName + " is not one of the tenant's index partition keys"}
	}
	if in.ExclusiveStartKey == nil {
		return nil
	}
	if in.IndexName == nil {
		if err := c.key(op, in.ExclusiveStartKey); err != nil {
			return err
		}
		return c.indexKeys(op, in.ExclusiveStartKey)
	}
	// An index's start key holds the table key of the last item read,
	// which may be another tenant's item planted in the tenant's index
	// partition (see entity.IndexPartitionKey): only its index partition
	// key, which places the page, must be the tenant's.
	av, ok := in.ExclusiveStartKey[pkName].(*types.AttributeValueMemberS)
	if !ok {
		return &RefusedError{Operation: op, Reason: "the start key has no string " + pkName}
	}
	if !c.inIndex(av.Value) {
		return &RefusedError{Operation: op, Key: av.Value, Reason: "the start key's " + pkName + " is not one of the tenant's index partition keys"}
	}
	return c.indexKeys(op, in.ExclusiveStartKey)
}
