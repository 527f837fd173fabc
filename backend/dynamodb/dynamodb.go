package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
)

// Key attribute names of the table (see entity/layout.go).
const (
	pkName = entity.PartitionKeyName
	skName = entity.SortKeyName
)

// API is the part of the DynamoDB client that the backend uses. A
// *dynamodb.Client from the SDK implements it, and so may a wrapper around
// one.
type API interface {
	GetItem(ctx context.Context, in *ddb.GetItemInput, optFns ...func(*ddb.Options)) (*ddb.GetItemOutput, error)
	PutItem(ctx context.Context, in *ddb.PutItemInput, optFns ...func(*ddb.Options)) (*ddb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *ddb.UpdateItemInput, optFns ...func(*ddb.Options)) (*ddb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *ddb.DeleteItemInput, optFns ...func(*ddb.Options)) (*ddb.DeleteItemOutput, error)
	Query(ctx context.Context, in *ddb.QueryInput, optFns ...func(*ddb.Options)) (*ddb.QueryOutput, error)
	DescribeTable(ctx context.Context, in *ddb.DescribeTableInput, optFns ...func(*ddb.Options)) (*ddb.DescribeTableOutput, error)
	CreateTable(ctx context.Context, in *ddb.CreateTableInput, optFns ...func(*ddb.Options)) (*ddb.CreateTableOutput, error)
	BatchGetItem(ctx context.Context, in *ddb.BatchGetItemInput, optFns ...func(*ddb.Options)) (*ddb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *ddb.BatchWriteItemInput, optFns ...func(*ddb.Options)) (*ddb.BatchWriteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *ddb.TransactWriteItemsInput, optFns ...func(*ddb.Options)) (*ddb.TransactWriteItemsOutput, error)
	DescribeTimeToLive(ctx context.Context, in *ddb.DescribeTimeToLiveInput, optFns ...func(*ddb.Options)) (*ddb.DescribeTimeToLiveOutput, error)
	UpdateTimeToLive(ctx context.Context, in *ddb.UpdateTimeToLiveInput, optFns ...func(*ddb.Options)) (*ddb.UpdateTimeToLiveOutput, error)
	UpdateTable(ctx context.Context, in *ddb.UpdateTableInput, optFns ...func(*ddb.Options)) (*ddb.UpdateTableOutput, error)
}

// Options tune a Backend. The zero value is ready to use.
type Options struct {
	// ProvisionedThroughput, when set, makes EnsureTable create the table
	// with provisioned capacity; by default it creates an on-demand
	// (PAY_PER_REQUEST) table. It does not change an existing table.
	ProvisionedThroughput *types.ProvisionedThroughput

	// TableWaitTimeout bounds how long EnsureTable waits for the table to
	// become ACTIVE. Zero means DefaultTableWaitTimeout.
	TableWaitTimeout time.Duration

	// TTLAttribute, when set, makes EnsureTable turn on DynamoDB's time to
	// live on the named attribute, so that DynamoDB deletes an item some
	// time after the epoch seconds that attribute holds. A table can have
	// one TTL attribute: EnsureTable fails, with an error wrapping
	// ErrTTLMismatch, when the table's TTL is on another attribute. Empty
	// leaves the table's TTL setting alone.
	TTLAttribute string

	// IndexSlots, when not nil, lists exactly the secondary index slots
	// the table needs (n stands for GSI<n>, see package backend): EnsureTable
	// creates the table with those indexes and adds those an existing table
	// lacks, and the repository refuses an entity type with an index in any
	// other slot. An empty, non-nil list means a table with no secondary
	// index. WithIndexSlots sets it. A slot out of 1 ... backend.MaxIndexes,
	// a slot given twice, or IndexSlots set together with Indexes makes New
	// fail. Nil means Indexes decides.
	IndexSlots []int

	// ChangeFeed makes EnsureTable turn on the table's stream with the
	// view type NEW_AND_OLD_IMAGES (DynamoDB Streams): when it creates the
	// table, and on an existing table whose stream is off. A stream of
	// another view type is an error wrapping ErrStreamMismatch. The
	// backend's change feed (ReadChanges) reads that stream through
	// Streams.
	ChangeFeed bool

	// Streams is the DynamoDB Streams client the change feed reads with
	// (dynamodbstreams.NewFromConfig with the configuration of the
	// DynamoDB client). Without it, ReadChanges returns an error wrapping
	// backend.ErrNoChangeFeed.
	Streams StreamsAPI

	// CheckpointKey signs the change feed's checkpoints
	// (backend.CheckpointCodec); empty means backend.DefaultCheckpointKey,
	// which is public.
	CheckpointKey []byte

	// Indexes, when IndexSlots is nil, says the table needs the first
	// Indexes slots, GSI1 ... GSI<Indexes>. Zero means DefaultIndexes,
	// all of them; more than backend.MaxIndexes, or less than zero, makes
	// New fail. To ask for no index, use WithIndexSlots().
	Indexes int

	// Tags, when set, are the tags EnsureTable gives the table when it
	// creates it (CreateTable's Tags, in key order). It does not tag an
	// existing table.
	Tags map[string]string
}

// WithIndexSlots returns an option that sets Options.IndexSlots to exactly
// slots: the table needs the indexes GSI<n> for n in slots, and no other.
// WithIndexSlots() with no slot asks for a table without secondary indexes,
// which costs nothing extra on a provisioned table. It clears
// Options.Indexes, which it replaces. Give the memory
// backend the same slots (memory.WithIndexSlots), so that unit tests
// fail where DynamoDB would.
func WithIndexSlots(slots ...int) func(*Options) {
	return func(o *Options) {
		o.IndexSlots = append([]int{}, slots...)
		o.Indexes = 0
	}
}

// DefaultTableWaitTimeout is how long EnsureTable waits for a table to become
// ACTIVE when Options.TableWaitTimeout is zero.
const DefaultTableWaitTimeout = 5 * time.Minute

// DefaultIndexes is how many secondary indexes the table needs when
// Options.IndexSlots is nil and Options.Indexes is zero: all of GSI1 ...
// GSI5, as the memory backend has by default, so unit tests and DynamoDB
// agree on which slots exist. Empty indexes cost nothing on an on-demand
// table; on a provisioned table each has the table's provisioned capacity,
// so ask for the slots the entity types use (WithIndexSlots).
const DefaultIndexes = backend.MaxIndexes

// Backend stores items in one DynamoDB table. It implements backend.Backend
// and is safe for concurrent use. Make one with New.
type Backend struct {
	backend.Registry // implements RegisterPrefix

	client API
	table  string
	opts   Options

	declared backend.IndexSet // the slots the table needs (Options)
	// found is the set of slots the table was found to have, with
	// foundBit set, once EnsureTable or TableIndexes has described it.
	found atomic.Uint32

	streams streamState // the change feed's stream (see streams.go)
}

// foundBit marks Backend.found as set.
const foundBit = 1 << 8

var _ backend.Backend = (*Backend)(nil)

// New returns a Backend that keeps its items in the named table, reached
// through client. It makes no request: call EnsureTable to create the table
// or check it. The error, for a nil client or an empty table name, wraps
// backend.ErrInvalidArgument.
func New(client API, table string, optFns ...func(*Options)) (*Backend, error) {
	if isnil.Is(client) {
		return nil, fmt.Errorf("dynamodb: new: %w: nil client", backend.ErrInvalidArgument)
	}
	if table == "" {
		return nil, fmt.Errorf("dynamodb: new: %w: empty table name", backend.ErrInvalidArgument)
	}
	b := &Backend{client: guarded{client}, table: table}
	for _, fn := range optFns {
		fn(&b.opts)
	}
	if b.opts.TableWaitTimeout <= 0 {
		b.opts.TableWaitTimeout = DefaultTableWaitTimeout
	}
	switch n := b.opts.Indexes; {
	case b.opts.IndexSlots != nil && n != 0:
		return nil, fmt.Errorf("dynamodb: new: %w: Options.IndexSlots and Options.Indexes are both set", backend.ErrInvalidArgument)
	case b.opts.IndexSlots != nil:
		set, err := backend.NewIndexSet(b.opts.IndexSlots...)
		if err != nil {
			return nil, fmt.Errorf("dynamodb: new: Options.IndexSlots: %w", err)
		}
		b.declared = set
	case n == 0:
		b.opts.Indexes = DefaultIndexes
		b.declared = backend.FirstIndexes(DefaultIndexes)
	case n < 0 || n > backend.MaxIndexes:
		return nil, fmt.Errorf("dynamodb: new: %w: Options.Indexes is %d, not between 0 and %d", backend.ErrInvalidArgument, n, backend.MaxIndexes)
	default:
		b.declared = backend.FirstIndexes(n)
	}
	return b, nil
}

// Options returns a copy of the options the backend was made with, with
// their defaults filled in: New(client, otherTable, func(o *Options) { *o =
// b.Options() }) makes a backend of another table with the same schema.
func (b *Backend) Options() Options {
	o := b.opts
	if o.IndexSlots != nil {
		o.IndexSlots = append([]int{}, o.IndexSlots...)
	}
	if o.CheckpointKey != nil {
		o.CheckpointKey = append([]byte{}, o.CheckpointKey...)
	}
	if o.Tags != nil {
		o.Tags = maps.Clone(o.Tags)
	}
	return o
}

// Table returns the name of the backend's table.
func (b *Backend) Table() string { return b.table }

// Indexes returns how many index slots the backend's table needs
// (Options.IndexSlots, Options.Indexes or DefaultIndexes). IndexSlots says
// which.
func (b *Backend) Indexes() int { return b.declared.Len() }

// IndexSlots returns the index slots the backend's table needs, as
// Options.IndexSlots or Options.Indexes set them: EnsureTable creates
// these and no other.
func (b *Backend) IndexSlots() backend.IndexSet { return b.declared }

// Get returns the item with the key, read with in.ConsistentRead, or an
// error wrapping backend.ErrNotFound.
func (b *Backend) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := in.CheckSendable(); err != nil {
		return nil, fmt.Errorf("dynamodb: get: %w", err)
	}
	ctx, m, opts := meter(ctx)
	out, err := b.client.GetItem(ctx, &ddb.GetItemInput{
		TableName:              aws.String(b.table),
		Key:                    keyItem(in.Key),
		ConsistentRead:         aws.Bool(in.ConsistentRead),
		ReturnConsumedCapacity: m.ask(),
	}, opts...)
	if err != nil {
		err = mapError(ctx, "get", err)
		m.chargeError(ctx, err)
		return nil, err
	}
	m.chargeCapacity(ctx, false, out.ConsumedCapacity)
	if len(out.Item) == 0 {
		return nil, fmt.Errorf("dynamodb: get: %w", backend.ErrNotFound)
	}
	return out.Item, nil
}

// Put writes the whole item when in.Expr.Condition holds (PutItem with the
// caller's expressions). A failed condition returns a
// *backend.ConditionFailedError holding the item as it was.
func (b *Backend) Put(ctx context.Context, in backend.PutInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := in.CheckSendable(); err != nil {
		return fmt.Errorf("dynamodb: put: %w", err)
	}
	exp, err := passThrough(in.Expr, backend.PutParts)
	if err != nil {
		return fmt.Errorf("dynamodb: put: %w", err)
	}
	ctx, m, opts := meter(ctx)
	out, err := b.client.PutItem(ctx, &ddb.PutItemInput{
		TableName:                           aws.String(b.table),
		Item:                                in.Item,
		ConditionExpression:                 exp.condition,
		ExpressionAttributeNames:            exp.names,
		ExpressionAttributeValues:           exp.values,
		ReturnValuesOnConditionCheckFailure: oldOnFailure(exp.condition),
		ReturnConsumedCapacity:              m.ask(),
	}, opts...)
	if err != nil {
		err = mapError(ctx, "put", err)
		m.chargeError(ctx, err)
		return err
	}
	m.chargeCapacity(ctx, true, out.ConsumedCapacity)
	return nil
}

// Update applies in.Expr.Update when in.Expr.Condition holds and returns the
// whole item as it is afterwards (UpdateItem with ReturnValues ALL_NEW).
// Like UpdateItem, it creates a missing item unless the condition fails,
// and without an update expression it creates an item of just its key. A
// failed condition returns a *backend.ConditionFailedError holding the
// item as it was.
func (b *Backend) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := in.CheckSendable(); err != nil {
		return nil, fmt.Errorf("dynamodb: update: %w", err)
	}
	exp, err := passThrough(in.Expr, backend.UpdateParts)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: update: %w", err)
	}
	ctx, m, opts := meter(ctx)
	out, err := b.client.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName:                           aws.String(b.table),
		Key:                                 keyItem(in.Key),
		UpdateExpression:                    exp.update,
		ConditionExpression:                 exp.condition,
		ExpressionAttributeNames:            exp.names,
		ExpressionAttributeValues:           exp.values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: oldOnFailure(exp.condition),
		ReturnConsumedCapacity:              m.ask(),
	}, opts...)
	if err != nil {
		err = mapError(ctx, "update", err)
		m.chargeError(ctx, err)
		return nil, err
	}
	m.chargeCapacity(ctx, true, out.ConsumedCapacity)
	return out.Attributes, nil
}

// Delete removes the item when in.Expr.Condition holds. Deleting a missing
// item without a condition succeeds. A failed condition returns a
// *backend.ConditionFailedError holding the item as it was.
func (b *Backend) Delete(ctx context.Context, in backend.DeleteInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := in.CheckSendable(); err != nil {
		return fmt.Errorf("dynamodb: delete: %w", err)
	}
	exp, err := passThrough(in.Expr, backend.DeleteParts)
	if err != nil {
		return fmt.Errorf("dynamodb: delete: %w", err)
	}
	ctx, m, opts := meter(ctx)
	out, err := b.client.DeleteItem(ctx, &ddb.DeleteItemInput{
		TableName:                           aws.String(b.table),
		Key:                                 keyItem(in.Key),
		ConditionExpression:                 exp.condition,
		ExpressionAttributeNames:            exp.names,
		ExpressionAttributeValues:           exp.values,
		ReturnValuesOnConditionCheckFailure: oldOnFailure(exp.condition),
		ReturnConsumedCapacity:              m.ask(),
	}, opts...)
	if err != nil {
		err = mapError(ctx, "delete", err)
		m.chargeError(ctx, err)
		return err
	}
	m.chargeCapacity(ctx, true, out.ConsumedCapacity)
	return nil
}

// oldOnFailure asks DynamoDB for the item as it was when a condition fails
// (ReturnValuesOnConditionCheckFailure ALL_OLD), for requests that have a
// condition.
func oldOnFailure(condition *string) types.ReturnValuesOnConditionCheckFailure {
	if condition == nil {
		return ""
	}
	return types.ReturnValuesOnConditionCheckFailureAllOld
}

// Query reads one page of partition in.PK: the items whose sort keys are in
// in.Range, in ascending sort-key order unless in.Descending, starting after
// in.StartKey. It sends in.Limit as the query's Limit, so DynamoDB stops at
// in.Limit items or at 1 MB of item data, whichever comes first, and returns
// its LastEvaluatedKey as LastKey. A BeginsWith range with an empty Lo
// selects the whole partition. in.Expr.Filter goes to DynamoDB as the
// FilterExpression, which drops items after that cut; its placeholders and
// those of the key condition this method builds are kept apart (see
// queryExpression).
//
// With in.Index set (GSI1, ...), it queries that index (IndexName): the key
// condition is on its key attributes GSI<n>PK and GSI<n>SK, the start key
// goes to DynamoDB with all four of its keys (PK, SK, GSI<n>PK, GSI<n>SK),
// and the LastEvaluatedKey comes back as a LastKey with all four set.
// ConsistentRead is passed on, which DynamoDB refuses for an index
// (backend.ErrInvalidArgument). An index name other than GSI1 ...
// GSI<backend.MaxIndexes> is refused without a request, and one the table
// lacks by DynamoDB, both backend.ErrInvalidArgument. A table query's
// start key with index keys is refused without a request
// (backend.ErrInvalidStartKey, as DynamoDB refuses such an
// ExclusiveStartKey).
func (b *Backend) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	if err := ctx.Err(); err != nil {
		return backend.QueryOutput{}, err
	}
	if err := in.CheckSendable(); err != nil {
		return backend.QueryOutput{}, fmt.Errorf("dynamodb: query: %w", err)
	}
	if in.Limit < 1 {
		return backend.QueryOutput{}, fmt.Errorf("dynamodb: query: %w: limit %d is less than 1", backend.ErrInvalidArgument, in.Limit)
	}
	limit := int32(math.MaxInt32)
	if in.Limit < math.MaxInt32 {
		limit = int32(in.Limit)
	}
	keys := tableKeys
	if in.Index != "" {
		if !validIndex(in.Index) {
			return backend.QueryOutput{}, fmt.Errorf("dynamodb: query: %w: The table does not have the specified index: %s (indexes are GSI1 ... GSI%d)",
				backend.ErrInvalidArgument, in.Index, backend.MaxIndexes)
		}
		keys.index = in.Index
		keys.pk, keys.sk = backend.IndexKeyNames(in.Index)
	} else if in.StartKey != nil && (in.StartKey.IndexPK != "" || in.StartKey.IndexSK != "") {
		return backend.QueryOutput{}, fmt.Errorf("dynamodb: query: %w: a table query's start key has no index keys", backend.ErrInvalidStartKey)
	}
	exp, err := queryExpression(keys, in.PK, in.Range, in.Expr)
	if err != nil {
		return backend.QueryOutput{}, fmt.Errorf("dynamodb: query: %w", err)
	}
	req := &ddb.QueryInput{
		TableName:                 aws.String(b.table),
		KeyConditionExpression:    exp.keyCondition,
		FilterExpression:          exp.filter,
		ExpressionAttributeNames:  exp.names,
		ExpressionAttributeValues: exp.values,
		ScanIndexForward:          aws.Bool(!in.Descending),
		Limit:                     aws.Int32(limit),
		ConsistentRead:            aws.Bool(in.ConsistentRead),
	}
	if keys.index != "" {
		req.IndexName = aws.String(keys.index)
	}
	if in.StartKey != nil {
		req.ExclusiveStartKey = keys.position(*in.StartKey)
	}
	ctx, m, opts := meter(ctx)
	req.ReturnConsumedCapacity = m.ask()
	out, err := b.client.Query(ctx, req, opts...)
	if err != nil {
		err = mapError(ctx, "query", err)
		m.chargeError(ctx, err)
		return backend.QueryOutput{}, err
	}
	m.chargeCapacity(ctx, false, out.ConsumedCapacity)
	res := backend.QueryOutput{Items: out.Items}
	if len(out.LastEvaluatedKey) > 0 {
		k, err := keys.parsePosition(out.LastEvaluatedKey)
		if err != nil {
			return backend.QueryOutput{}, fmt.Errorf("dynamodb: query: LastEvaluatedKey: %w", err)
		}
		res.LastKey = &k
	}
	return res, nil
}

// queryKeys names what a query reads: the table, or an index and its key
// attributes.
type queryKeys struct {
	index  string // "" for the table
	pk, sk string // the key attributes of the key condition
}

var tableKeys = queryKeys{pk: pkName, sk: skName}

// validIndex reports whether name is one of GSI1 ... GSI<MaxIndexes>.
func validIndex(name string) bool {
	for n := 1; n <= backend.MaxIndexes; n++ {
		if name == backend.IndexName(n) {
			return true
		}
	}
	return false
}

// position returns k as an ExclusiveStartKey: the table's keys, and for an
// index the index's keys too, as DynamoDB returns them in the
// LastEvaluatedKey of an index query.
func (q queryKeys) position(k backend.Key) map[string]types.AttributeValue {
	item := keyItem(k)
	if q.index != "" {
		item[q.pk] = &types.AttributeValueMemberS{Value: k.IndexPK}
		item[q.sk] = &types.AttributeValueMemberS{Value: k.IndexSK}
	}
	return item
}

// parsePosition reads a LastEvaluatedKey.
func (q queryKeys) parsePosition(item map[string]types.AttributeValue) (backend.Key, error) {
	k, err := parseKey(item)
	if err != nil || q.index == "" {
		return k, err
	}
	ipk, ok1 := item[q.pk].(*types.AttributeValueMemberS)
	isk, ok2 := item[q.sk].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 {
		return backend.Key{}, fmt.Errorf("index key attributes %s and %s are not both strings", q.pk, q.sk)
	}
	k.IndexPK, k.IndexSK = ipk.Value, isk.Value
	return k, nil
}

// keyItem returns the key attributes of k (backend.Key.Item).
func keyItem(k backend.Key) map[string]types.AttributeValue { return k.Item() }

// parseKey reads a key from the key attributes of item.
func parseKey(item map[string]types.AttributeValue) (backend.Key, error) {
	k, ok := backend.KeyOf(item)
	if !ok {
		return backend.Key{}, errors.New("key attributes PK and SK are not both strings")
	}
	return k, nil
}
