package dynamodb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// BatchGet reads the items of in.Keys with one BatchGetItem request, and
// returns the keys DynamoDB did not get to (its UnprocessedKeys) as
// Unprocessed, without retrying them: the repository retries with backoff.
// More than backend.MaxBatchGet keys is an error wrapping
// backend.ErrInvalidArgument; no keys is no request. Keys listed twice are
// refused by DynamoDB (ErrInvalidArgument).
func (b *Backend) BatchGet(ctx context.Context, in backend.BatchGetInput) (backend.BatchGetOutput, error) {
	if err := ctx.Err(); err != nil {
		return backend.BatchGetOutput{}, err
	}
	if err := in.CheckSendable(); err != nil {
		return backend.BatchGetOutput{}, fmt.Errorf("dynamodb: batch get: %w", err)
	}
	if len(in.Keys) > backend.MaxBatchGet {
		return backend.BatchGetOutput{}, fmt.Errorf("dynamodb: batch get: %w: %d keys, more than %d",
			backend.ErrInvalidArgument, len(in.Keys), backend.MaxBatchGet)
	}
	if len(in.Keys) == 0 {
		return backend.BatchGetOutput{}, nil
	}
	keys := make([]map[string]types.AttributeValue, len(in.Keys))
	for i, k := range in.Keys {
		keys[i] = keyItem(k)
	}
	ctx, m, opts := meter(ctx)
	out, err := b.client.BatchGetItem(ctx, &ddb.BatchGetItemInput{
		RequestItems: map[string]types.KeysAndAttributes{
			b.table: {Keys: keys, ConsistentRead: aws.Bool(in.ConsistentRead)},
		},
		ReturnConsumedCapacity: m.ask(),
	}, opts...)
	if err != nil {
		err = mapError(ctx, "batch get", err)
		m.chargeError(ctx, err)
		return backend.BatchGetOutput{}, err
	}
	m.chargeList(ctx, b, false, out.ConsumedCapacity)
	res := backend.BatchGetOutput{Items: out.Responses[b.table]}
	if un, ok := out.UnprocessedKeys[b.table]; ok {
		for _, item := range un.Keys {
			k, err := parseKey(item)
			if err != nil {
				return backend.BatchGetOutput{}, fmt.Errorf("dynamodb: batch get: UnprocessedKeys: %w", err)
			}
			res.Unprocessed = append(res.Unprocessed, k)
		}
	}
	return res, nil
}

// BatchWrite puts and deletes with one BatchWriteItem request, and returns
// the writes DynamoDB did not get to (its UnprocessedItems) as Unprocessed,
// without retrying them: the repository retries with backoff. More than
// backend.MaxBatchWrite writes, or a write with both or neither of Put and
// Delete set, is an error wrapping backend.ErrInvalidArgument; no writes is
// no request. Two writes on one item are refused by DynamoDB
// (ErrInvalidArgument).
func (b *Backend) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	if err := ctx.Err(); err != nil {
		return backend.BatchWriteOutput{}, err
	}
	if err := in.CheckSendable(); err != nil {
		return backend.BatchWriteOutput{}, fmt.Errorf("dynamodb: batch write: %w", err)
	}
	if len(in.Writes) > backend.MaxBatchWrite {
		return backend.BatchWriteOutput{}, fmt.Errorf("dynamodb: batch write: %w: %d writes, more than %d",
			backend.ErrInvalidArgument, len(in.Writes), backend.MaxBatchWrite)
	}
	if len(in.Writes) == 0 {
		return backend.BatchWriteOutput{}, nil
	}
	reqs := make([]types.WriteRequest, len(in.Writes))
	for i, w := range in.Writes {
		switch {
		case w.Put != nil && w.Delete == nil:
			reqs[i].PutRequest = &types.PutRequest{Item: w.Put}
		case w.Put == nil && w.Delete != nil:
			reqs[i].DeleteRequest = &types.DeleteRequest{Key: keyItem(*w.Delete)}
		default:
			return backend.BatchWriteOutput{}, fmt.Errorf("dynamodb: batch write: %w: write %d must have exactly one of Put and Delete",
				backend.ErrInvalidArgument, i)
		}
	}
	ctx, m, opts := meter(ctx)
	out, err := b.client.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{
		RequestItems:           map[string][]types.WriteRequest{b.table: reqs},
		ReturnConsumedCapacity: m.ask(),
	}, opts...)
	if err != nil {
		err = mapError(ctx, "batch write", err)
		m.chargeError(ctx, err)
		return backend.BatchWriteOutput{}, err
	}
	m.chargeList(ctx, b, true, out.ConsumedCapacity)
	var res backend.BatchWriteOutput
	for _, w := range out.UnprocessedItems[b.table] {
		switch {
		case w.PutRequest != nil:
			res.Unprocessed = append(res.Unprocessed, backend.WriteRequest{Put: w.PutRequest.Item})
		case w.DeleteRequest != nil:
			k, err := parseKey(w.DeleteRequest.Key)
			if err != nil {
				return backend.BatchWriteOutput{}, fmt.Errorf("dynamodb: batch write: UnprocessedItems: %w", err)
			}
			res.Unprocessed = append(res.Unprocessed, backend.WriteRequest{Delete: &k})
		default:
			return backend.BatchWriteOutput{}, fmt.Errorf("dynamodb: batch write: UnprocessedItems holds a request that is neither a put nor a delete")
		}
	}
	return res, nil
}

// TransactWrite applies in.Actions with one TransactWriteItems request,
// sending in.Token as its ClientRequestToken (the SDK makes one up when it
// is empty), so the SDK's own retries of the request are idempotent. Every
// action with a condition asks for the item as it was when the condition
// fails (ReturnValuesOnConditionCheckFailure ALL_OLD).
//
// A canceled transaction returns a *backend.TxCanceledError with
// DynamoDB's CancellationReasons, one per action in request order, each
// with its code, message and, for ConditionalCheckFailed, the item as it
// was. More than backend.MaxTransactActions actions, or an action of an
// unknown kind, is an error wrapping backend.ErrInvalidArgument; no actions
// is no request.
//
// DynamoDB refuses a request that reuses a token with other parameters
// (IdempotentParameterMismatchException), which is an error wrapping
// backend.ErrInvalidArgument: the caller gave one token to two
// transactions. aws-sdk-go-v2 issue 1900 reports DynamoDB Local refusing so,
// at random, identical repeats of one request, as the SDK writes map keys
// in random order; DynamoDB Local 3.3.0 with service/dynamodb v1.74.0 does
// not (see TestTransactWriteToken). Where it happens, such a retry fails
// with ErrInvalidArgument as well.
//
// DynamoDB refuses two actions on one item with a ValidationException
// (ErrInvalidArgument). DynamoDB Local 3.3.0 does so only when every
// condition holds; else it cancels the transaction with
// ConditionalCheckFailed, judging each action's condition as if the
// actions before it were applied.
func (b *Backend) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := in.CheckSendable(); err != nil {
		return fmt.Errorf("dynamodb: transact write: %w", err)
	}
	if len(in.Actions) > backend.MaxTransactActions {
		return fmt.Errorf("dynamodb: transact write: %w: %d actions, more than %d",
			backend.ErrInvalidArgument, len(in.Actions), backend.MaxTransactActions)
	}
	if len(in.Actions) == 0 {
		return nil
	}
	items := make([]types.TransactWriteItem, len(in.Actions))
	for i, a := range in.Actions {
		it, err := b.txItem(a)
		if err != nil {
			return fmt.Errorf("dynamodb: transact write: action %d: %w", i, err)
		}
		items[i] = it
	}
	ctx, m, opts := meter(ctx)
	out, err := b.client.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{
		TransactItems:          items,
		ClientRequestToken:     optString(in.Token),
		ReturnConsumedCapacity: m.ask(),
	}, opts...)
	if err != nil {
		err = mapError(ctx, "transact write", err)
		m.chargeError(ctx, err)
		return err
	}
	m.chargeList(ctx, b, true, out.ConsumedCapacity)
	return nil
}

// txItem returns the request item of one action of a transaction.
func (b *Backend) txItem(a backend.TxAction) (types.TransactWriteItem, error) {
	if err := a.CheckExpr(); err != nil {
		return types.TransactWriteItem{}, err
	}
	table := aws.String(b.table)
	switch a.Kind {
	case backend.TxPut:
		e, err := passThrough(a.Expr, backend.ExprCondition)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		return types.TransactWriteItem{Put: &types.Put{
			TableName:                           table,
			Item:                                a.Item,
			ConditionExpression:                 e.condition,
			ExpressionAttributeNames:            e.names,
			ExpressionAttributeValues:           e.values,
			ReturnValuesOnConditionCheckFailure: oldOnFailure(e.condition),
		}}, nil
	case backend.TxUpdate:
		e, err := passThrough(a.Expr, backend.UpdateParts)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		return types.TransactWriteItem{Update: &types.Update{
			TableName:                           table,
			Key:                                 keyItem(a.Key),
			UpdateExpression:                    e.update,
			ConditionExpression:                 e.condition,
			ExpressionAttributeNames:            e.names,
			ExpressionAttributeValues:           e.values,
			ReturnValuesOnConditionCheckFailure: oldOnFailure(e.condition),
		}}, nil
	case backend.TxDelete:
		e, err := passThrough(a.Expr, backend.ExprCondition)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		return types.TransactWriteItem{Delete: &types.Delete{
			TableName:                           table,
			Key:                                 keyItem(a.Key),
			ConditionExpression:                 e.condition,
			ExpressionAttributeNames:            e.names,
			ExpressionAttributeValues:           e.values,
			ReturnValuesOnConditionCheckFailure: oldOnFailure(e.condition),
		}}, nil
	case backend.TxCheck:
		e, err := passThrough(a.Expr, backend.ExprCondition)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName:                           table,
			Key:                                 keyItem(a.Key),
			ConditionExpression:                 e.condition,
			ExpressionAttributeNames:            e.names,
			ExpressionAttributeValues:           e.values,
			ReturnValuesOnConditionCheckFailure: oldOnFailure(e.condition),
		}}, nil
	}
	return types.TransactWriteItem{}, fmt.Errorf("%w: unknown action kind %d", backend.ErrInvalidArgument, a.Kind)
}
