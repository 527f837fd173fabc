// Package dynamodb is the backend that stores items in an Amazon DynamoDB
// table, through the AWS SDK for Go v2.
//
// The table has a string partition key "PK" and a string sort key "SK", and
// the global secondary indexes of the index slots it needs, chosen from
// GSI1 ... GSI5 of package backend (backend.MaxIndexes): exactly those of
// Options.IndexSlots (WithIndexSlots), none included, or else the first
// Options.Indexes, and by default all five (DefaultIndexes, 5). GSI<k> is
// keyed by the strings GSI<k>PK (hash) and GSI<k>SK (range) and projects
// all attributes. EnsureTable creates such a table when it is missing
// (on-demand capacity unless Options ask for provisioned throughput, which
// then applies to each index too: ask only for the slots the entity types
// use), checks the key schema of one that exists, and adds the indexes it
// lacks.
//
// The package never loads AWS configuration: the application builds the
// client, usually a *dynamodb.Client from the SDK, and hands it to New. Any
// value with the methods of API will do, such as a wrapper that adds
// metrics or a fake in tests.
//
//	client := dynamodb.NewFromConfig(cfg) // the SDK's package
//	b, err := ddbbackend.New(client, "app-data")
//	if err != nil { ... }
//	if err := b.EnsureTable(ctx); err != nil { ... }
//
// # Requests
//
// The repository builds every condition, update and filter expression with
// the SDK's expression package and hands them over in
// backend.Expressions; the backend passes them to DynamoDB as they are
// (ConditionExpression, UpdateExpression, FilterExpression,
// ExpressionAttributeNames and ExpressionAttributeValues), leaving out
// what is empty, since DynamoDB refuses empty expression maps. Every
// request with a condition asks for the item as it was when the condition
// fails (ReturnValuesOnConditionCheckFailure ALL_OLD, which DynamoDB Local
// 3.3.0 supports), so a failed write returns a
// *backend.ConditionFailedError holding it, and a canceled transaction a
// *backend.TxCanceledError with it in the reason of each action whose
// condition failed.
//
// The SDK writes requests as JSON and sends each byte of a string that is
// not valid UTF-8 as U+FFFD, so DynamoDB would read another key or value
// than the one given. Every method refuses a request holding such a string
// (in a key, an index position, a query's partition key, bounds or start
// key, an item, an expression) with backend.ErrInvalidArgument, before
// anything is sent (see the CheckSendable methods of package backend). The same
// check refuses, before sending, what DynamoDB would answer with a 500 or
// the SDK would send as nothing: names and map keys over
// backend.MaxNameBytes and the values backend.CheckShape reports.
//
// Query builds its key condition from the partition key and the sort-key
// range with the expression package too. The builder numbers the
// placeholders of every expression it builds from #0 and :0, so the key
// condition's placeholders are renamed to ones the caller's filter does not
// use (#k0, :k0, ... or longer) before the two are sent together; the
// caller's filter is sent byte for byte.
//
// BatchGet and BatchWrite make one BatchGetItem or BatchWriteItem request
// each and return what DynamoDB left unprocessed; they do not retry it, as
// the repository retries with backoff. TransactWrite makes one
// TransactWriteItems request with the transaction's token as its
// ClientRequestToken.
//
// # Indexes
//
// On an existing table, EnsureTable adds the missing ones of the indexes
// of the slots it needs with UpdateTable, one at a time, since DynamoDB
// creates one index of a table at a time (UpdateTable with two index
// creations is refused with LimitExceededException, and so is one while
// another index is being created), waiting for each to be ACTIVE (and
// backfilled) before it adds the next, at most Options.TableWaitTimeout
// each. Several processes may do so at once: an UpdateTable refused
// because the index is being created or exists already is followed by
// waiting, not an error. An index with one of those names but another key
// schema or projection is an error wrapping ErrTableMismatch; other
// indexes are left alone. DynamoDB Local 3.3.0 supports all of this, and
// makes an added index ACTIVE, backfilled, within about a second.
//
// The backend learns which of its slots the table has when EnsureTable
// succeeds, or else at the first TableIndexes call (one DescribeTable,
// whose answer it keeps until the next EnsureTable); KnownIndexes reports
// it without a request. With these (backend.IndexReporter) the repository
// refuses an entity type whose index is in a slot the table lacks with
// repo.ErrMissingIndex naming the index: in repo.New when the backend
// knows already (EnsureTable ran), else at the first query of the index,
// before the query is sent. A slot the backend is not configured with is
// refused in repo.New without a request. Give the memory backend the same
// slots (memory.WithIndexSlots), so that unit tests fail as DynamoDB
// would.
//
// Query with QueryInput.Index set sends IndexName and a key condition on
// the index's key attributes, built with the expression package; the start
// key goes out as an ExclusiveStartKey with PK, SK, GSI<n>PK and GSI<n>SK,
// and the LastEvaluatedKey, which holds all four, comes back as a LastKey
// with IndexPK and IndexSK set. DynamoDB refuses a consistent index query
// (backend.ErrInvalidArgument) and a query of an index the table lacks
// (backend.ErrMissingIndex, which is also backend.ErrInvalidArgument).
//
// Items with equal index sort keys come back in no order DynamoDB
// promises; DynamoDB Local orders them by a hash of their table key, and
// the memory backend copies that.
//
// # Time to live
//
// With Options.TTLAttribute set, EnsureTable turns on DynamoDB's time to
// live on that attribute, once: it asks DescribeTimeToLive first, and
// refuses (ErrTTLMismatch) a table whose time to live is on another
// attribute, as a table has at most one. DynamoDB Local 3.3.0 supports
// both calls and reports TTL ENABLED at once.
//
// # Change feed
//
// The Backend implements backend.ChangeFeed on DynamoDB Streams. With
// Options.ChangeFeed, EnsureTable creates the table with a stream of view
// type NEW_AND_OLD_IMAGES, or turns one on for a table without a stream
// (a stream of another view type is ErrStreamMismatch); Options.Streams is
// the Streams client the feed reads with (dynamodbstreams.NewFromConfig of
// the same configuration). ReadChanges lists the shards (DescribeStream,
// every page), reads a parent shard to its end before its children
// (GetShardIterator AFTER_SEQUENCE_NUMBER the checkpoint's position, or
// TRIM_HORIZON; GetRecords page after page), keeps iterators for the next
// read and acquires an expired one again. Removals by the time to live
// are marked Expired (userIdentity type "Service", principal
// "dynamodb.amazonaws.com"). Checkpoints are signed with
// Options.CheckpointKey and bound to the stream's ARN; a checkpoint past
// the stream's 24 hours is backend.ErrTrimmed. ChangeHead reads the whole
// stream to find its end, since Streams gives no position for "now".
// Package changefeed turns the changes into typed events per tenant.
//
// # Paging
//
// Query passes the page's Limit and start key to DynamoDB as they are and
// returns DynamoDB's LastEvaluatedKey as LastKey, so a page that stops at its
// Limit or at 1 MB of item data has a LastKey even when nothing follows, and
// a start key outside the key condition is refused with
// backend.ErrInvalidStartKey. A filter drops items from the page after that
// cut, so a page may be empty and still have a LastKey. A table query's
// start key with IndexPK or IndexSK set is refused (ErrInvalidStartKey)
// without a request, as DynamoDB refuses an ExclusiveStartKey with more
// attributes than the table's key.
//
// Scan (backend.Scanner, for operator-scoped operations) pages the same
// way: DynamoDB's Scan with Segment, TotalSegments, Limit and the start
// key as they are, KeysOnly as a ProjectionExpression of PK and SK. A start
// key outside its segment is refused by DynamoDB (ErrInvalidStartKey). It
// needs a client with a Scan method (ScanAPI), as the SDK's client has.
//
// # Errors
//
// errors.go holds this mapping, and it is the only one: errors wrap the
// kinds of package backend (backend.KindOf) and, after them, the SDK's error,
// so both errors.Is(err, backend.ErrConditionFailed) and errors.As(err,
// &ccf) with a *types.ConditionalCheckFailedException work:
//
//   - ConditionalCheckFailedException: a *backend.ConditionFailedError
//     (backend.ErrConditionFailed) with the item as it was, nil when there
//     was none
//   - TransactionCanceledException: a *backend.TxCanceledError
//     (backend.ErrTxCanceled) with DynamoDB's CancellationReasons in
//     request order, each with the kind of its code (backend.TxReason.Kind):
//     None is backend.KindNone, ConditionalCheckFailed
//     backend.KindConditionFailed, TransactionConflict backend.KindConflict,
//     ThrottlingError, ProvisionedThroughputExceeded and
//     RequestLimitExceeded backend.KindThrottled, any other code
//     (ValidationError, ItemCollectionSizeLimitExceeded, ...)
//     backend.KindInvalidArgument
//   - ProvisionedThroughputExceededException, RequestLimitExceeded,
//     ThrottlingException and TransactionInProgressException, once the
//     SDK's retries are spent: backend.ErrThrottled
//   - TransactionConflictException, a single-item write or delete on an
//     item a transaction holds, which the SDK does not retry (it is in none
//     of its retryable or throttling codes): backend.ErrConflict, which the
//     repository reports as repo.ErrConflict; read the item again and
//     retry. (A transaction that conflicts is canceled instead, with the
//     reason code "TransactionConflict".)
//   - IdempotentParameterMismatchException, a transaction token reused
//     with other parameters: backend.ErrInvalidArgument
//   - ValidationException about the query's starting key:
//     backend.ErrInvalidStartKey (for an index query, also a start key
//     without all four keys: "The provided starting key is invalid")
//   - ValidationException about the item size: backend.ErrItemTooLarge
//   - ValidationException "The table does not have the specified index":
//     backend.ErrMissingIndex (a kind of backend.ErrInvalidArgument)
//   - any other ValidationException, and requests the SDK or the backend
//     rejects before sending them (a batch over its limit, an expression
//     the request has no field for, a nil expression value):
//     backend.ErrInvalidArgument
//
// When the context is done, the context's error is returned as it is.
//
// # Retries
//
// The backend does not retry a request; the client does. A *dynamodb.Client
// with no retry settings (dynamodb.NewFromConfig of an aws.Config without
// Retryer or RetryMaxAttempts, as config.LoadDefaultConfig returns unless
// config.WithRetryer, AWS_MAX_ATTEMPTS or the shared config's max_attempts
// set one) makes up to 4 attempts of each request, with a 25 ms base backoff: the DynamoDB
// client's own default, not aws/retry's DefaultMaxAttempts of 3. So a
// request that DynamoDB applied but whose response was lost may be applied
// up to 4 times, an ADD adding up to 4 times. Bound it on the client:
// RetryMaxAttempts (on aws.Config or dynamodb.Options), a Retryer made with
// retry.AddWithMaxAttempts, or aws.NopRetryer{} for no retry at all.
//
// # Consumed capacity
//
// When the context carries a full meter (backend.WithMeter, repo.WithMeter,
// an observer's; backend.MeteringOf is MeteredFully), every request asks
// for its consumed capacity
// (ReturnConsumedCapacity INDEXES) and the backend charges the meter
// (backend.Charge) once per call:
// the table's and each index's units as DynamoDB reported them
// (ReadCapacityUnits and WriteCapacityUnits when present; otherwise
// CapacityUnits, as DynamoDB Local reports, counted as read units for
// reads and write units for writes), and the attempts the SDK made,
// counted by a middleware added to the call after the SDK's Retry step:
// Requests the attempts, Retries all but the first, Throttles those
// DynamoDB refused for throughput. A write whose condition failed and a
// canceled transaction return no capacity: the backend charges the figure
// backend.FailedWriteCapacity and backend.CanceledTxCapacity compute from
// the item returned with the error, an estimate by AWS's published rule.
// Without a meter a request does not ask for its capacity (nobody would
// read it, and the SDK's decoding of it is most of what asking costs), no
// middleware is added and nothing is counted. When every meter of the
// context reads only totals (backend.WithUnitsMeter: a limiter's, or the
// pacer of package ops), a request asks for ReturnConsumedCapacity TOTAL,
// the backend charges the total as the table's, and it adds no middleware:
// each call is charged as one request, without retries or throttles.
package dynamodb
