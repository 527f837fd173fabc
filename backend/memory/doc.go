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
//   - a page stops at its limit or after 1 MB of item data, and then reports
//     the last key it evaluated, as DynamoDB does even when nothing follows.
//
// A Store is safe for concurrent use; it takes one lock per call.
package memory
