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
// A test that passes on a Store should pass on DynamoDB, so the Store keeps
// DynamoDB's rules rather than being lenient:
//
//   - items are ordered within each partition by the UTF-8 bytes of their sort
//     keys, in a B-tree: a get or put costs O(log n) and a page of k items
//     O(log n + k);
//   - items are held as DynamoDB attribute values, copied in and out, so a
//     caller never shares memory with the store and encoding mistakes show
//     up in unit tests;
//   - items over 400 KB (counted as DynamoDB counts them, numbers included),
//     oversize keys, documents nested deeper than 32 levels, empty sets and
//     invalid numbers (by DynamoDB's syntax; see backend.ValidateNumber)
//     are refused as DynamoDB refuses them;
//     top-level numbers are stored in the plain form DynamoDB returns;
//   - a query's key condition takes sort-key bounds of up to 1024 bytes
//     (longer ones are refused) and a partition key of any length (one
//     over 2048 bytes selects nothing), as DynamoDB's does;
//   - a page stops at its limit or after 1 MB of item data, and then reports
//     the last key it evaluated, as DynamoDB does even when nothing follows;
//     a filter drops items after that, without changing the last key.
//
// # Secondary indexes
//
// A Store has the global secondary indexes GSI1 ... GSI5 of package backend
// (fewer with Options.Indexes, which should match the DynamoDB table's
// count, dynamodb.Options.Indexes), kept as DynamoDB Local 3.3.0 keeps
// them:
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
//     and SK; it is refused (ErrInvalidArgument) when consistent or of an
//     index the Store lacks;
//   - an index key attribute of an index the Store has must be a non-empty
//     string of at most 2048 bytes (GSI<n>PK) or 1024 bytes (GSI<n>SK),
//     whether or not the item has the other key of the index: a put, an
//     update (once its condition holds) or a batch with another is refused
//     with ErrInvalidArgument; in a transaction, a number or binary value
//     cancels it with the action's reason "ValidationError" ("Type
//     mismatch for Index Key"), as DynamoDB does, and the others fail the
//     request.
//
// The conformance suite's Backend/Index... cases pin all of this against
// DynamoDB Local.
//
// # Expressions
//
// Condition, update and filter expressions are parsed and evaluated by
// package internal/expr (github.com/tenantrepo/tenantrepo/internal/expr),
// whose documentation lists precisely the subset of DynamoDB's expression
// language it supports: in short, all of conditions, filters and updates
// (comparisons, BETWEEN, IN, AND/OR/NOT, attribute_exists,
// attribute_not_exists, attribute_type, begins_with, contains, size; SET
// with + and -, list_append and if_not_exists, REMOVE, ADD, DELETE, on
// nested paths and list elements), with DynamoDB's validation. What it does
// not evaluate is refused with an error wrapping backend.ErrUnsupported
// ("memory: ... is not supported by the memory backend"), never answered
// differently from DynamoDB.
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
// (see NewWithOptions) picks keys to leave out, as DynamoDB does when it is
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
package memory
