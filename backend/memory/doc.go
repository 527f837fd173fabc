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
//   - items over 400 KB (counted as DynamoDB counts them), oversize keys,
//     empty sets and invalid numbers are refused as DynamoDB refuses them;
//     top-level numbers are stored in the plain form DynamoDB returns;
//   - a page stops at its limit or after 1 MB of item data, and then reports
//     the last key it evaluated, as DynamoDB does even when nothing follows;
//     a filter drops items after that, without changing the last key.
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
