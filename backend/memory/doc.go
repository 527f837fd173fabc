// Package memory is an in-memory backend that behaves like a DynamoDB table,
// for applications' unit tests and for local runs without AWS.
//
// One Store stands for one table: give every repository of an application
// the same Store, as they would share one DynamoDB table.
//
//	store := memory.New()
//	users := repo.MustNew[User](store)
//	orders := repo.MustNew[Order](store)
//
// # Fidelity
//
// The Store keeps DynamoDB's rules rather than being lenient, so that a
// test passing on a Store passes on DynamoDB:
//
//   - items are ordered within each partition by the UTF-8 bytes of their sort
//     keys, in a B-tree: a get or put costs O(log n) and a page of k items
//     O(log n + k);
//   - items are held as DynamoDB attribute values, copied in and out, so a
//     caller never shares memory with the store and encoding mistakes show
//     up in unit tests;
//   - items over 400 KB (counted as DynamoDB counts them, numbers included),
//     oversize keys, documents nested deeper than 32 levels, empty sets,
//     invalid numbers (by DynamoDB's syntax; see backend.ValidateNumber),
//     NULL false, nil binaries and nil values (backend.CheckShape) and
//     names over backend.MaxNameBytes are refused as DynamoDB refuses them, and so are expressions over
//     DynamoDB's limits (see package backend/expreval);
//   - strings that are not valid UTF-8, in keys, query bounds and start
//     keys, items and expression values, are refused
//     (backend.ErrInvalidArgument), as the DynamoDB backend refuses them
//     before the SDK would replace their bytes with U+FFFD;
//     top-level numbers are stored in the plain form DynamoDB returns;
//   - a query's key condition takes sort-key bounds of up to 1024 bytes
//     (longer ones are refused) and a partition key of any length (one
//     over 2048 bytes selects nothing), as DynamoDB's does;
//   - a page stops at its limit or after 1 MB of item data, and then reports
//     the last key it evaluated, as DynamoDB does even when nothing follows;
//     a filter drops items after that, without changing the last key.
//
// What is checked, and how: the conformance suite (package conformance)
// pins each of these rules with cases recorded against DynamoDB Local
// 3.3.0 and runs them on both backends, and a differential property test
// (internal/proptest, TestDifferential) runs random sequences of
// repository calls on a Store and on DynamoDB Local side by side and
// compares every answer, error kind, page, cursor and the whole stored
// contents. That is evidence, not proof: a Store answers as DynamoDB Local
// did for every case and sequence those tests produce, and other inputs
// may still differ. A difference from DynamoDB is a bug of this package;
// please report it with the call that shows it.
//
// Known differences, on purpose or beyond a Store's reach:
//
//   - DynamoDB Local is not DynamoDB. Where they differ and it is known,
//     the Store follows DynamoDB: DynamoDB Local keeps a number written
//     by an update as it was spelled ("13.0") where DynamoDB, and the
//     Store, normalize it ("13"). Where DynamoDB promises nothing, the
//     Store copies DynamoDB Local: the order of items with equal index
//     sort keys.
//   - A Store is strongly consistent: every read, index queries included,
//     sees every write before it, while DynamoDB's eventually consistent
//     reads and its global secondary indexes may lag. A test that reads
//     its own writes through an index, or without ConsistentRead, can pass
//     on a Store and fail on DynamoDB now and then.
//   - A Store does not throttle, loses no response, has no capacity, and
//     never refuses a write because a transaction holds the item (one
//     lock serializes every call); Options.Unprocessed simulates the
//     unprocessed items of a busy batch. Faults are tested against
//     DynamoDB Local (internal/faults), not on a Store.
//   - A Store does not delete expired items (DynamoDB's time to live); the
//     repository treats them as absent on both backends. ExpireItems
//     deletes them when a test says so, as DynamoDB's time to live would
//     some time after their expiry.
//   - Expressions beyond the subset package backend/expreval evaluates are
//     refused with backend.ErrUnsupported (see Expressions), where
//     DynamoDB would carry them out.
//
// # Change feed
//
// With WithChangeFeed, a Store implements backend.ChangeFeed as DynamoDB
// Streams with NEW_AND_OLD_IMAGES does, and records the same changes for
// the same calls (package changefeed's differential test runs the same
// repository calls on a Store and on DynamoDB Local): an INSERT, MODIFY or
// REMOVE with the item before and after for every write that changes an
// item, nothing for a write that changes nothing (the same item put again,
// an update that writes the values there, a delete of a missing item) or
// that fails. Changes go to FeedOptions.Shards shards by the hash of the
// partition key, so one item's changes are in one shard, in order; with
// FeedOptions.Rollover a shard closes after that many changes and a child
// takes over, as DynamoDB's shards do every few hours. Each shard keeps
// its changes for FeedOptions.Retention (24 hours by default) and at most
// FeedOptions.MaxChanges of them; a checkpoint before what is kept is
// backend.ErrTrimmed. ExpireItems' removals are marked Expired, as
// DynamoDB marks its time to live's. Without WithChangeFeed nothing is
// recorded and ReadChanges returns backend.ErrNoChangeFeed.
//
// # Secondary indexes
//
// A Store has the global secondary indexes GSI1 ... GSI5 of package backend,
// or exactly those of Options.IndexSlots (none for an empty list; the first
// Options.Indexes with that option), which should match the slots of the
// DynamoDB table (memory.WithIndexSlots(1, 2) with
// dynamodb.WithIndexSlots(1, 2)). It reports them as a
// backend.IndexReporter, so repo.New refuses an entity type whose index is
// in a slot the Store lacks (repo.ErrMissingIndex), as it does on DynamoDB.
// The indexes are kept as DynamoDB Local 3.3.0 keeps them:
//
//   - an item is in index GSI<n> when it has both GSI<n>PK and GSI<n>SK
//     (a sparse index); every write (Put, Update, Delete, BatchWrite,
//     TransactWrite) moves it in, out or within each index at once, in
//     O(log n) per index, one B-tree per index partition;
//   - an index partition is ordered by the UTF-8 bytes of the index sort
//     key, and items with equal index sort keys by DynamoDB Local's order:
//     the SHA-1 of their table key, salted as DynamoDB Local salts it
//     (DynamoDB itself promises no order for them, so do not rely on it);
//   - an index query (QueryInput.Index) pages as DynamoDB pages one: its
//     LastKey holds PK, SK and the index keys of the last item evaluated,
//     set whenever the Limit stops the page (even on the BETWEEN bound,
//     unlike a table query) and after a 1 MB cut only when more follows;
//     its start key must hold all four keys, of the queried index
//     partition, with an index sort key the key condition selects
//     (ErrInvalidStartKey otherwise), and need not be an item's position;
//     its filter may not read the index's key attributes but may read PK
//     and SK; it is refused (ErrInvalidArgument) when consistent, and
//     (ErrMissingIndex, also ErrInvalidArgument) when of an index the
//     Store lacks;
//   - an index key attribute of an index the Store has must be a non-empty
//     string of at most 2048 bytes (GSI<n>PK) or 1024 bytes (GSI<n>SK),
//     whether or not the item has the other key of the index: a put, an
//     update (once its condition holds) or a batch with another is refused
//     with ErrInvalidArgument; in a transaction, a number or binary value
//     cancels it with a reason of kind backend.KindInvalidArgument ("Type
//     mismatch for Index Key"), as DynamoDB does, and the others fail the
//     request.
//
// The conformance suite's Backend/Index... cases pin all of this against
// DynamoDB Local.
//
// # Scans
//
// The Store is a backend.Scanner, for operator-scoped operations (package
// ops): Scan cuts the table into segments by a hash of the partition key,
// so a partition's items are all in one segment, together and in
// sort-key order, and pages as Query does (Limit, the 1 MB cut, an
// exclusive start key that need not be an item's position but must lie
// in the segment). The conformance suite's Backend/Scan... cases hold it
// to DynamoDB Local.
//
// # Expressions
//
// Condition, update and filter expressions are parsed and evaluated by
// package backend/expreval (github.com/tenantrepo/tenantrepo/backend/expreval),
// whose documentation lists precisely the subset of DynamoDB's expression
// language it supports: in short, all of conditions, filters and updates
// (comparisons, BETWEEN, IN, AND/OR/NOT, attribute_exists,
// attribute_not_exists, attribute_type, begins_with, contains, size; SET
// with + and -, list_append and if_not_exists, REMOVE, ADD, DELETE, on
// nested paths and list elements), with DynamoDB's validation. What it does
// not evaluate is refused with an error wrapping backend.ErrUnsupported
// ("memory: ... is not supported by the memory backend") rather than
// evaluated some other way. What it evaluates is compared with DynamoDB
// Local by the conformance suite's expression cases and the differential
// test; a different answer is a bug.
//
// A write's condition is evaluated against the item stored at its key, or
// an item without attributes when there is none; when it fails the error is
// a *backend.ConditionFailedError holding a copy of the item as it was (nil
// when there was none). An update of a missing item starts from an item of
// just its key.
//
// # Batches and transactions
//
// BatchGet and BatchWrite take up to 100 keys and 25 writes on distinct
// items and never leave anything unprocessed, unless Options.Unprocessed
// (see New) picks keys to leave out, as DynamoDB does when it is
// busy, for testing retries.
//
// TransactWrite applies up to 100 actions on distinct items all at once,
// under the Store's lock, or none of them: every condition is evaluated
// against the items as they were before the transaction, and a failure is
// a *backend.TxCanceledError with a reason per action in request order. A
// transaction's token makes a repeat within ten minutes succeed without
// applying it again, as DynamoDB's ClientRequestToken does.
//
// A Store is safe for concurrent use; it takes one lock per call.
//
// # Consumed capacity
//
// When a request's context carries a meter (backend.WithMeter,
// repo.WithMeter), the Store charges it what DynamoDB would consume for
// the request, by the rules of package backend's capacity.go, as a
// request (Requests 1) and read or write units on the table and on each
// index: a get 0.5 or 1 unit per 4 KB (at least one's worth, a missing
// item too); a query or scan page the sizes of the items it evaluated,
// before the filter, summed then rounded (an empty page nothing, as
// DynamoDB Local charges); a batch get each item rounded on its own (a
// missing item nothing); a write 1 unit per KB of the larger of the old
// and the new item, and per index what it does to the item's entry; a
// transaction twice that, and 2 units per 4 KB for a ConditionCheck
// (counted as write units, as DynamoDB Local reports them); a write whose
// condition failed the item as it was (at least 1 unit), and a canceled
// transaction backend.CanceledTxCapacity, which DynamoDB charges but does
// not report. The conformance capability Capacity and
// internal/proptest's TestCapacityDifferential hold these figures to
// DynamoDB Local's. Without a meter it computes nothing. When every meter
// of the context reads only totals (backend.WithUnitsMeter: a limiter's),
// it charges the total as the table's, as the DynamoDB backend does.
package memory
