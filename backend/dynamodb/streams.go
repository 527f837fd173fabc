package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	st "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
)

// StreamsAPI is the part of the DynamoDB Streams client that the backend's
// change feed uses. A *dynamodbstreams.Client from the SDK implements it.
type StreamsAPI interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

var _ backend.ChangeFeed = (*Backend)(nil)

// streamState is what the backend keeps of its table's stream between
// reads: the stream's ARN, and the shard iterators of the positions it read
// last, which DynamoDB lets be used for 15 minutes.
type streamState struct {
	mu    sync.Mutex
	arn   string
	iters map[iterKey]cachedIter
}

type iterKey struct{ shard, after string }

type cachedIter struct {
	iter string
	at   time.Time
}

// iteratorReuse is how long a shard iterator is used again: DynamoDB
// expires them after 15 minutes.
const iteratorReuse = 10 * time.Minute

// maxCachedIters bounds the iterators kept.
const maxCachedIters = 4096

// ErrStreamMismatch reports a table whose stream is on with another view
// type than NEW_AND_OLD_IMAGES, which the change feed needs.
var ErrStreamMismatch = errors.New("dynamodb: table's stream does not record new and old images")

// streamSpec is the stream the change feed needs.
func streamSpec() *types.StreamSpecification {
	return &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
}

// ensureStream turns on the table's stream with new and old images
// (Options.ChangeFeed), unless it is on already, and waits until the table
// is ACTIVE. A stream with another view type is ErrStreamMismatch: DynamoDB
// cannot change it without turning it off, which would cut off the
// readers of the one that is there.
func (b *Backend) ensureStream(ctx context.Context) error {
	out, err := b.client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(b.table)})
	if err != nil {
		return mapError(ctx, "describe table "+b.table, err)
	}
	if spec := out.Table.StreamSpecification; spec != nil && aws.ToBool(spec.StreamEnabled) {
		if spec.StreamViewType != types.StreamViewTypeNewAndOldImages {
			return fmt.Errorf("%w: table %s has a stream of view type %s", ErrStreamMismatch, b.table, spec.StreamViewType)
		}
		return nil
	}
	_, err = b.client.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String(b.table), StreamSpecification: streamSpec()})
	if err != nil && !tableBusy(err) {
		return mapError(ctx, "enable the stream of table "+b.table, err)
	}
	if err := b.waitActive(ctx); err != nil {
		return err
	}
	return nil
}

// stream returns the Streams client and the ARN of the table's stream,
// described once and then kept.
func (b *Backend) stream(ctx context.Context, op string) (StreamsAPI, string, error) {
	if isnil.Is(b.opts.Streams) {
		return nil, "", fmt.Errorf("dynamodb: %s: %w: no Streams client (Options.Streams)", op, backend.ErrNoChangeFeed)
	}
	b.streams.mu.Lock()
	arn := b.streams.arn
	b.streams.mu.Unlock()
	if arn != "" {
		return b.opts.Streams, arn, nil
	}
	out, err := b.client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(b.table)})
	if err != nil {
		return nil, "", mapError(ctx, "describe table "+b.table, err)
	}
	spec := out.Table.StreamSpecification
	if spec == nil || !aws.ToBool(spec.StreamEnabled) || out.Table.LatestStreamArn == nil {
		return nil, "", fmt.Errorf("dynamodb: %s: %w: table %s has no stream (Options.ChangeFeed and EnsureTable turn it on)", op, backend.ErrNoChangeFeed, b.table)
	}
	if spec.StreamViewType != types.StreamViewTypeNewAndOldImages {
		return nil, "", fmt.Errorf("dynamodb: %s: %w: view type %s", op, ErrStreamMismatch, spec.StreamViewType)
	}
	arn = aws.ToString(out.Table.LatestStreamArn)
	b.streams.mu.Lock()
	b.streams.arn = arn
	b.streams.mu.Unlock()
	return b.opts.Streams, arn, nil
}

// forgetStream drops the stream's ARN after the stream was not found, so
// the next read describes the table again.
func (b *Backend) forgetStream() {
	b.streams.mu.Lock()
	b.streams.arn = ""
	clear(b.streams.iters)
	b.streams.mu.Unlock()
}

// shardInfo is one shard as DescribeStream lists it.
type shardInfo struct {
	id, parent string
	closed     bool // it has an ending sequence number
}

// describeShards lists every shard of the stream, following
// DescribeStream's pages.
func (b *Backend) describeShards(ctx context.Context, api StreamsAPI, arn string) ([]shardInfo, error) {
	var shards []shardInfo
	var from *string
	for {
		out, err := api.DescribeStream(shield(ctx), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: from})
		if err != nil {
			if streamMissing(err) {
				b.forgetStream()
			}
			return nil, mapStreamsError(ctx, "describe stream", err)
		}
		d := out.StreamDescription
		if d == nil {
			return nil, fmt.Errorf("dynamodb: describe stream: no description")
		}
		for _, sh := range d.Shards {
			info := shardInfo{id: aws.ToString(sh.ShardId), parent: aws.ToString(sh.ParentShardId)}
			if r := sh.SequenceNumberRange; r != nil {
				info.closed = r.EndingSequenceNumber != nil
			}
			if info.id != "" {
				shards = append(shards, info)
			}
		}
		if d.LastEvaluatedShardId == nil {
			return shards, nil
		}
		from = d.LastEvaluatedShardId
	}
}

// shardPos is a shard's position while a read goes on.
type shardPos struct {
	after string // the last sequence number read, "" for none
	done  bool
}

// ReadChanges returns up to in.Limit changes of the table's stream after the
// checkpoint in.From (backend.ChangeFeed). It lists the stream's shards
// (DescribeStream, every page) and reads each shard whose parent is read to
// its end, or gone, from its position: AFTER_SEQUENCE_NUMBER the last one
// read, or TRIM_HORIZON for a shard not read yet. It pages GetRecords until
// the limit, the shard's end (no next iterator: the shard is done, and its
// children are read next), an empty page (the shard's newest change for
// now) or maxShortPages pages with fewer records than it asked for (a
// shard written steadily may never give an empty page). Iterators are kept for the next read from the same position, and
// an expired one is acquired again.
//
// Errors: backend.ErrNoChangeFeed without Options.Streams or without a
// stream on the table; backend.ErrInvalidCheckpoint for a checkpoint that
// does not verify or is of another stream (a stream turned off and on again
// is another stream); backend.ErrTrimmed when changes after the checkpoint
// are gone: the record after a shard's position is trimmed
// (TrimmedDataAccessException), or a shard the checkpoint had not read to
// its end is no longer listed. A shard the checkpoint has no position in
// yet is read from TRIM_HORIZON: a child's changes are newer than its
// parent's, so they are trimmed after the parent's, but a child of a
// parent read to its end that is not read for 24 hours loses its oldest
// changes unnoticed. (AT_SEQUENCE_NUMBER the shard's starting sequence
// number would notice, but DynamoDB Local 3.3.0 numbers records across
// all its tables and refuses that position as trimmed when another
// table's write came first.)
func (b *Backend) ReadChanges(ctx context.Context, in backend.ReadChangesInput) (backend.ReadChangesOutput, error) {
	var out backend.ReadChangesOutput
	if err := ctx.Err(); err != nil {
		return out, err
	}
	limit, err := in.ChangeLimit()
	if err != nil {
		return out, fmt.Errorf("dynamodb: read changes: %w", err)
	}
	api, arn, err := b.stream(ctx, "read changes")
	if err != nil {
		return out, err
	}
	codec := backend.CheckpointCodec{Key: b.opts.CheckpointKey}
	fresh := in.From == ""
	var cp backend.Checkpoint
	if !fresh {
		if cp, err = codec.Decode(in.From, arn); err != nil {
			return out, fmt.Errorf("dynamodb: read changes: %w", err)
		}
	}
	shards, err := b.describeShards(ctx, api, arn)
	if err != nil {
		return out, err
	}
	pos := make(map[string]*shardPos, len(shards))
	for _, sh := range shards {
		pos[sh.id] = &shardPos{}
	}
	for _, p := range cp.Shards {
		q, listed := pos[p.Shard]
		if !listed {
			if !p.Done {
				return out, fmt.Errorf("dynamodb: read changes: %w: shard %s is no longer in the stream", backend.ErrTrimmed, p.Shard)
			}
			continue
		}
		q.after, q.done = p.After, p.Done
	}
	for progress := true; progress && len(out.Changes) < limit; {
		progress = false
		for _, sh := range shards {
			q := pos[sh.id]
			if q.done {
				continue
			}
			if parent, ok := pos[sh.parent]; ok && !parent.done {
				continue // a parent is read to its end first
			}
			var ended bool
			out.Changes, ended, err = b.readShard(ctx, api, arn, sh, q, out.Changes, limit)
			if err != nil {
				return backend.ReadChangesOutput{}, err
			}
			if ended {
				q.done = true
				progress = true // its children can be read now
			}
		}
	}
	next := backend.Checkpoint{Feed: arn}
	for _, sh := range shards {
		q := pos[sh.id]
		next.Shards = append(next.Shards, backend.ShardPosition{Shard: sh.id, After: q.after, Done: q.done})
	}
	out.Next = codec.Encode(next)
	return out, nil
}

// readShard appends the changes of shard sh after q to changes, up to
// limit in all, and moves q past them. ended reports that the shard is
// closed and read to its end.
func (b *Backend) readShard(ctx context.Context, api StreamsAPI, arn string, sh shardInfo, q *shardPos, changes []backend.Change, limit int) (_ []backend.Change, ended bool, err error) {
	iter, kept, err := b.iterator(ctx, api, arn, sh, q.after)
	if err != nil {
		return changes, false, err
	}
	reacquired := false
	short := 0 // pages with fewer records than asked for
	for len(changes) < limit {
		asked := min(limit-len(changes), 1000)
		out, err := api.GetRecords(shield(ctx), &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(iter), Limit: aws.Int32(int32(asked))})
		if err != nil {
			// An iterator that is not new may have expired; one kept
			// from an empty page DynamoDB Local may also refuse as
			// trimmed. A new one says what is true.
			if (iteratorExpired(err) || kept && streamTrimmed(err)) && !reacquired {
				reacquired = true
				b.dropIterator(sh.id, q.after)
				if iter, err = b.newIterator(ctx, api, arn, sh, q.after); err != nil {
					return changes, false, err
				}
				continue
			}
			if streamMissing(err) {
				b.forgetStream()
			}
			return changes, false, mapStreamsError(ctx, "get records of shard "+sh.id, err)
		}
		for _, rec := range out.Records {
			c, seq := changeOf(rec, sh.id)
			if seq == "" {
				return changes, false, fmt.Errorf("dynamodb: get records of shard %s: a record without a sequence number", sh.id)
			}
			changes = append(changes, c)
			q.after = seq
		}
		if out.NextShardIterator == nil {
			b.dropIterator(sh.id, q.after)
			return changes, true, nil
		}
		iter, kept = aws.ToString(out.NextShardIterator), true
		b.keepIterator(sh.id, q.after, iter)
		if len(out.Records) == 0 {
			break // the newest change of an open shard, for now
		}
		if len(out.Records) < asked {
			// A shard written to about as fast as a page is read never
			// gives an empty page: after maxShortPages pages that
			// were not full, the read ends, and the next one goes on.
			if short++; short == maxShortPages {
				break
			}
		}
	}
	return changes, false, nil
}

// maxShortPages bounds the pages with fewer records than asked for that one
// read of a shard takes: one that gets a record or two per page, because
// the table is written to about as fast as a page is read, ends.
const maxShortPages = 4

// iterator returns a shard iterator at the position after (none: the
// shard's start), a kept one if it is fresh enough (kept is then true).
func (b *Backend) iterator(ctx context.Context, api StreamsAPI, arn string, sh shardInfo, after string) (iter string, kept bool, err error) {
	b.streams.mu.Lock()
	c, ok := b.streams.iters[iterKey{sh.id, after}]
	b.streams.mu.Unlock()
	if ok && time.Since(c.at) < iteratorReuse {
		return c.iter, true, nil
	}
	iter, err = b.newIterator(ctx, api, arn, sh, after)
	return iter, false, err
}

// newIterator asks for a shard iterator (see ReadChanges for which).
func (b *Backend) newIterator(ctx context.Context, api StreamsAPI, arn string, sh shardInfo, after string) (string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(sh.id)}
	if after != "" {
		in.ShardIteratorType, in.SequenceNumber = st.ShardIteratorTypeAfterSequenceNumber, aws.String(after)
	} else {
		in.ShardIteratorType = st.ShardIteratorTypeTrimHorizon
	}
	out, err := api.GetShardIterator(shield(ctx), in)
	if err != nil {
		if streamMissing(err) {
			b.forgetStream()
		}
		return "", mapStreamsError(ctx, "get shard iterator of shard "+sh.id, err)
	}
	if out.ShardIterator == nil {
		return "", fmt.Errorf("dynamodb: get shard iterator of shard %s: no iterator", sh.id)
	}
	return aws.ToString(out.ShardIterator), nil
}

func (b *Backend) keepIterator(shard, after, iter string) {
	b.streams.mu.Lock()
	defer b.streams.mu.Unlock()
	if b.streams.iters == nil || len(b.streams.iters) >= maxCachedIters {
		b.streams.iters = make(map[iterKey]cachedIter)
	}
	b.streams.iters[iterKey{shard, after}] = cachedIter{iter: iter, at: time.Now()}
}

func (b *Backend) dropIterator(shard, after string) {
	b.streams.mu.Lock()
	delete(b.streams.iters, iterKey{shard, after})
	b.streams.mu.Unlock()
}

// ChangeHead returns the checkpoint after the newest change of the stream
// (backend.ChangeFeed). DynamoDB Streams gives no sequence number for "now"
// (a LATEST iterator has none to keep), so it reads the stream from its
// oldest change to its newest, dropping what it reads: up to 24 hours of
// changes, which costs as much to read as a consumer reading them.
func (b *Backend) ChangeHead(ctx context.Context) (string, error) {
	in := backend.ReadChangesInput{Limit: backend.MaxChangeLimit}
	for {
		out, err := b.ReadChanges(ctx, in)
		if err != nil {
			return "", err
		}
		in.From = out.Next
		if len(out.Changes) == 0 {
			return out.Next, nil
		}
	}
}

// AdvanceCheckpoint returns the checkpoint from moved past changes, a
// prefix of what a read from it returned (backend.ChangeFeed).
func (b *Backend) AdvanceCheckpoint(from string, changes []backend.Change) (string, error) {
	b.streams.mu.Lock()
	arn := b.streams.arn
	b.streams.mu.Unlock()
	if arn == "" {
		return "", fmt.Errorf("dynamodb: advance checkpoint: %w: no read of the stream yet", backend.ErrNoChangeFeed)
	}
	cp, err := backend.CheckpointCodec{Key: b.opts.CheckpointKey}.Advance(from, arn, changes)
	if err != nil {
		return "", fmt.Errorf("dynamodb: advance checkpoint: %w", err)
	}
	return cp, nil
}

// changeOf returns the change a stream record holds, and its sequence
// number.
func changeOf(rec st.Record, shard string) (backend.Change, string) {
	c := backend.Change{Shard: shard}
	switch rec.EventName {
	case st.OperationTypeInsert:
		c.Kind = backend.ChangeInsert
	case st.OperationTypeModify:
		c.Kind = backend.ChangeModify
	case st.OperationTypeRemove:
		c.Kind = backend.ChangeRemove
	}
	if id := rec.UserIdentity; id != nil {
		c.Expired = aws.ToString(id.Type) == ttlIdentityType && aws.ToString(id.PrincipalId) == ttlPrincipal
	}
	d := rec.Dynamodb
	if d == nil {
		return c, ""
	}
	c.Sequence = aws.ToString(d.SequenceNumber)
	c.At = aws.ToTime(d.ApproximateCreationDateTime)
	pk, ok1 := d.Keys[entity.PartitionKeyName].(*st.AttributeValueMemberS)
	sk, ok2 := d.Keys[entity.SortKeyName].(*st.AttributeValueMemberS)
	if ok1 && ok2 && len(d.Keys) == 2 {
		c.Key = backend.Key{PK: pk.Value, SK: sk.Value}
	}
	c.Old, c.New = itemOf(d.OldImage), itemOf(d.NewImage)
	return c, c.Sequence
}

// The identity of the time to live in the records of the items it deletes.
const (
	ttlIdentityType = "Service"
	ttlPrincipal    = "dynamodb.amazonaws.com"
)

// itemOf converts an image of a stream record to an item; nil for none.
func itemOf(img map[string]st.AttributeValue) backend.Item {
	if img == nil {
		return nil
	}
	item := make(backend.Item, len(img))
	for k, v := range img {
		item[k] = valueOf(v)
	}
	return item
}

// valueOf converts a Streams attribute value to a DynamoDB one. A member
// of an unknown type becomes nil, which no decoder takes.
func valueOf(v st.AttributeValue) types.AttributeValue {
	switch v := v.(type) {
	case *st.AttributeValueMemberS:
		return &types.AttributeValueMemberS{Value: v.Value}
	case *st.AttributeValueMemberN:
		return &types.AttributeValueMemberN{Value: v.Value}
	case *st.AttributeValueMemberB:
		return &types.AttributeValueMemberB{Value: v.Value}
	case *st.AttributeValueMemberBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Value}
	case *st.AttributeValueMemberNULL:
		return &types.AttributeValueMemberNULL{Value: v.Value}
	case *st.AttributeValueMemberSS:
		return &types.AttributeValueMemberSS{Value: v.Value}
	case *st.AttributeValueMemberNS:
		return &types.AttributeValueMemberNS{Value: v.Value}
	case *st.AttributeValueMemberBS:
		return &types.AttributeValueMemberBS{Value: v.Value}
	case *st.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = valueOf(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case *st.AttributeValueMemberM:
		return &types.AttributeValueMemberM{Value: itemOf(v.Value)}
	}
	return nil
}
