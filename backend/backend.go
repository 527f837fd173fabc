package backend

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/entity"
)

// Item is one stored item: attribute names to DynamoDB attribute values,
// including the key attributes "PK" and "SK".
type Item = map[string]types.AttributeValue

// Key addresses one item of the table. As a position in an index query
// (QueryInput.StartKey, QueryOutput.LastKey) it also holds the item's keys in
// that index, as DynamoDB's LastEvaluatedKey of an index query does.
type Key struct {
	PK string // partition key, "tenant#<tenantID>"
	SK string // sort key, "<prefix>#<entityID>"

	IndexPK string // the item's partition key in the queried index
	IndexSK string // the item's sort key in the queried index
}

// Secondary indexes. The table has up to MaxIndexes global secondary
// indexes, named GSI1, GSI2, ..., each keyed by the string attributes
// GSI<n>PK and GSI<n>SK and projecting every attribute. An item is in an
// index when it has both of that index's key attributes (a sparse index).
// Entity types share them, single-table style: the repository writes the
// key attributes, and every index partition key it writes starts with the
// tenant's partition key. The layout is defined in package entity
// (entity/layout.go); the names here are the same, for backends.
const MaxIndexes = entity.MaxIndexes

// IndexCounter is implemented by backends whose table has fewer than
// MaxIndexes indexes: it says how many (GSI1 ... GSI<n>). The repository
// refuses, when it is made, an entity type with an index in a slot the
// table lacks. A backend that implements IndexReporter too is asked that
// instead, which can name any set of slots.
type IndexCounter interface {
	Indexes() int
}

// IndexName returns the name of the n-th index (1-based): "GSI1", ... It
// is entity.IndexName.
func IndexName(n int) string { return entity.IndexName(n) }

// IndexKeyNames returns the key attribute names of the index named name:
// name+"PK" and name+"SK". It is entity.IndexKeyNames.
func IndexKeyNames(name string) (pk, sk string) { return entity.IndexKeyNames(name) }

// IsKeyAttribute reports whether name is a key attribute of the table or of
// one of its MaxIndexes possible indexes: "PK", "SK", "GSI1PK", "GSI1SK",
// ..., "GSI5SK". It is entity.IsKeyAttribute.
func IsKeyAttribute(name string) bool { return entity.IsKeyAttribute(name) }

// Expressions are the expressions of one request, as DynamoDB takes them:
// built by aws-sdk-go-v2's expression package, with the placeholders of all
// parts in one Names and one Values map. An empty string means the request
// has no such expression. The repository builds them; backends pass them to
// DynamoDB or evaluate them with package backend/expreval (the memory
// backend does; its documentation lists the subset it supports).
type Expressions struct {
	Condition string // ConditionExpression: the write happens only if it holds
	Update    string // UpdateExpression, in UpdateInput and TxUpdate actions
	Filter    string // FilterExpression, in QueryInput: drops items after Limit
	Names     map[string]string
	Values    map[string]types.AttributeValue
}

// GetInput addresses an item to read.
type GetInput struct {
	Key            Key
	ConsistentRead bool
}

// PutInput is an item to write whole, replacing any item with its key.
type PutInput struct {
	Item Item // holds "PK" and "SK"
	Expr Expressions
}

// UpdateInput changes one item with Expr.Update when Expr.Condition holds,
// creating the item when it is missing (as DynamoDB's UpdateItem does).
type UpdateInput struct {
	Key  Key
	Expr Expressions
}

// DeleteInput addresses an item to delete. Deleting a missing item without a
// condition succeeds.
type DeleteInput struct {
	Key  Key
	Expr Expressions
}

// ConditionFailedError is the error of a write whose condition did not hold.
// It is errors.Is ErrConditionFailed, and carries the item as it was, so the
// repository can tell a missing item from a stale version from a failed
// caller's condition (DynamoDB's ReturnValuesOnConditionCheckFailure).
type ConditionFailedError struct {
	Item Item // the item as it was; nil when there was none
}

func (e *ConditionFailedError) Error() string {
	if e.Item == nil {
		return ErrConditionFailed.Error() + " (no item)"
	}
	return ErrConditionFailed.Error()
}

// Is reports whether target is ErrConditionFailed.
func (e *ConditionFailedError) Is(target error) bool { return target == ErrConditionFailed }

// ErrorKind returns KindConditionFailed.
func (e *ConditionFailedError) ErrorKind() ErrorKind { return KindConditionFailed }

// RangeOp says how a query selects sort keys.
type RangeOp uint8

const (
	// BeginsWith selects sort keys that start with SortRange.Lo.
	BeginsWith RangeOp = iota
	// Between selects sort keys from SortRange.Lo to SortRange.Hi, both
	// included. Lo is not greater than Hi.
	Between
)

// SortRange selects the sort keys of a query.
type SortRange struct {
	Op     RangeOp
	Lo, Hi string
}

// Contains reports whether sk is selected by r, comparing bytes as DynamoDB
// compares strings.
func (r SortRange) Contains(sk string) bool {
	if r.Op == BeginsWith {
		return len(sk) >= len(r.Lo) && sk[:len(r.Lo)] == r.Lo
	}
	return r.Lo <= sk && sk <= r.Hi
}

// QueryInput reads one page of items of one partition, in sort-key order.
// With Index set, it reads the partition PK of that index (GSI1, ...): Range
// applies to the index sort key, items come in index sort-key order, and
// StartKey and LastKey are index positions (all four keys set). Index
// queries are eventually consistent: ConsistentRead must be false.
type QueryInput struct {
	Index          string // "" for the table itself
	PK             string
	Range          SortRange
	Descending     bool
	Limit          int  // at least 1: the most items the page evaluates
	StartKey       *Key // exclusive start: the LastKey of the page before
	ConsistentRead bool
	// Expr.Filter, when set, drops items from the page after Limit and the
	// 1 MB cut have chosen them, as DynamoDB's FilterExpression does; the
	// page's LastKey is the same as without the filter.
	Expr Expressions
}

// QueryOutput is one page of a query.
type QueryOutput struct {
	Items []Item
	// LastKey is the key of the last item the query evaluated, set when the
	// query stopped at its Limit or at MaxPageBytes, as DynamoDB's
	// LastEvaluatedKey is. It may be set even when nothing follows.
	LastKey *Key
}

// Backend stores the items of one table for all tenants. It knows nothing of
// tenants or entity types: the repository builds every key and checks every
// input before a backend sees it. Implementations must be safe for
// concurrent use.
//
// Errors a backend returns wrap the error of their kind declared in this
// package when one applies (ErrNotFound, ErrConditionFailed,
// ErrItemTooLarge, ErrInvalidArgument, ErrMissingIndex, ErrInvalidStartKey,
// ErrConflict, ErrThrottled, ErrTxCanceled, ErrUnsupported; see ErrorKind),
// so that KindOf finds it; context errors are returned as they are.
type Backend interface {
	// RegisterPrefix records that the Go type named owner stores its items
	// under the sort-key prefix. Registering a prefix again for the same
	// owner succeeds; for another owner it returns ErrDuplicatePrefix.
	// Embedding a Registry implements it.
	RegisterPrefix(prefix, owner string) error
	// Get returns a copy of the item, or ErrNotFound.
	Get(ctx context.Context, in GetInput) (Item, error)
	// Put writes the item when its condition holds, else returns a
	// *ConditionFailedError.
	Put(ctx context.Context, in PutInput) error
	// Update applies the update when its condition holds and returns the
	// whole item as it is afterwards; else a *ConditionFailedError.
	Update(ctx context.Context, in UpdateInput) (Item, error)
	// Delete removes the item when its condition holds, else returns a
	// *ConditionFailedError.
	Delete(ctx context.Context, in DeleteInput) error
	// Query returns one page of the items of in.PK whose sort keys are in
	// in.Range, at most in.Limit of them and at most MaxPageBytes of item
	// data, starting after in.StartKey, less those in.Expr.Filter drops.
	Query(ctx context.Context, in QueryInput) (QueryOutput, error)
	// BatchGet reads up to MaxBatchGet items by key in one request, in no
	// particular order. Keys it did not get to are returned as Unprocessed
	// (DynamoDB's UnprocessedKeys); missing items are simply absent.
	BatchGet(ctx context.Context, in BatchGetInput) (BatchGetOutput, error)
	// BatchWrite puts and deletes up to MaxBatchWrite items, without
	// conditions, in one request. Writes it did not get to are returned as
	// Unprocessed (DynamoDB's UnprocessedItems).
	BatchWrite(ctx context.Context, in BatchWriteInput) (BatchWriteOutput, error)
	// TransactWrite applies up to MaxTransactActions actions, on distinct
	// items, all or none. When any condition fails, or the transaction is
	// canceled for another reason, nothing changes and the error is a
	// *TxCanceledError with a reason for every action, in request order.
	TransactWrite(ctx context.Context, in TransactInput) error
}

// Lender is implemented by backends that keep their items in memory and can
// lend them out without copying them. GetShared and QueryShared are Get and
// Query, except that the items they return may be the backend's own: the
// caller must not change them, and must not keep any part of them that can
// be changed (a []byte, the slice of a set or a list, a map) past its use of
// the result; strings, which cannot be changed, it may keep. A backend that
// lends items never changes an item once stored (a write stores a new one).
//
// The repository lends items only for entity types whose decoding copies
// every such part, so that entities share no memory with the store.
type Lender interface {
	GetShared(ctx context.Context, in GetInput) (Item, error)
	QueryShared(ctx context.Context, in QueryInput) (QueryOutput, error)
}

// DynamoDB's limits on batches and transactions.
const (
	MaxBatchGet        = 100 // keys in one BatchGetItem
	MaxBatchWrite      = 25  // writes in one BatchWriteItem
	MaxTransactActions = 100 // actions in one TransactWriteItems
)

// BatchGetInput are the keys of one BatchGet, all distinct.
type BatchGetInput struct {
	Keys           []Key
	ConsistentRead bool
}

// BatchGetOutput is what one BatchGet read, and the keys it did not get to.
type BatchGetOutput struct {
	Items       []Item
	Unprocessed []Key
}

// WriteRequest is one write of a batch: a Put of a whole item, or a Delete
// of a key. Exactly one is set.
type WriteRequest struct {
	Put    Item
	Delete *Key
}

// BatchWriteInput are the writes of one BatchWrite, on distinct items.
type BatchWriteInput struct {
	Writes []WriteRequest
}

// BatchWriteOutput holds the writes one BatchWrite did not get to.
type BatchWriteOutput struct {
	Unprocessed []WriteRequest
}

// TxKind is the kind of a transaction's action.
type TxKind uint8

const (
	// TxPut writes Item whole when Expr.Condition holds.
	TxPut TxKind = iota
	// TxUpdate applies Expr.Update to Key when Expr.Condition holds.
	TxUpdate
	// TxDelete deletes Key when Expr.Condition holds.
	TxDelete
	// TxCheck changes nothing; the transaction fails unless Expr.Condition
	// holds for Key.
	TxCheck
)

// TxAction is one action of a transaction.
type TxAction struct {
	Kind TxKind
	Item Item // TxPut
	Key  Key  // TxUpdate, TxDelete, TxCheck
	Expr Expressions
}

// TransactInput is one transaction. Token makes retries idempotent
// (DynamoDB's ClientRequestToken): the repository gives each transaction a
// new one, and a backend sends it with every retry of the same request.
type TransactInput struct {
	Actions []TxAction
	Token   string
}

// TxCanceledError is the error of a transaction that changed nothing. It is
// errors.Is ErrTxCanceled.
type TxCanceledError struct {
	// Reasons has one entry per action, in request order.
	Reasons []TxReason
}

// TxReason says why a transaction was canceled, for one action. Kind is
// what the repository reads: KindNone for an action that was fine,
// KindConditionFailed for one whose condition failed (Item then holds the
// item as it was, nil when there was none), or another kind, such as
// KindConflict (the action collided with another transaction),
// KindThrottled or KindInvalidArgument. The backend sets it; the DynamoDB
// backend maps DynamoDB's cancellation codes to kinds in one place. Code
// and Message are the store's own words, for people: DynamoDB's
// cancellation code and message; no logic of the repository reads them.
type TxReason struct {
	Kind    ErrorKind
	Code    string
	Message string
	Item    Item
}

func (e *TxCanceledError) Error() string {
	var codes []string
	for i, r := range e.Reasons {
		if r.Kind != KindNone {
			code := r.Code
			if code == "" {
				code = r.Kind.String()
			}
			codes = append(codes, fmt.Sprintf("action %d: %s", i, code))
		}
	}
	return ErrTxCanceled.Error() + ": " + strings.Join(codes, ", ")
}

// Is reports whether target is ErrTxCanceled.
func (e *TxCanceledError) Is(target error) bool { return target == ErrTxCanceled }

// ErrorKind returns KindTxCanceled.
func (e *TxCanceledError) ErrorKind() ErrorKind { return KindTxCanceled }
