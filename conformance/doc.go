// Package conformance is the test suite every backend runs: the memory and
// DynamoDB backends of this module, and any a third party writes.
//
// # Running it
//
// From a test in the backend's own module, pass a function that makes a new,
// empty backend (a table of its own) for each case:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, func(t *testing.T) backend.Backend {
//			return mybackend.New(...)
//		})
//	}
//
// Each case runs as a parallel subtest with a backend of its own, so a
// backend must be safe for concurrent use and new backends must not share
// items.
//
// # What it checks
//
// The cases named Backend/... call the backend contract directly and hold it
// to DynamoDB's exact semantics, as recorded against DynamoDB Local: which
// pages carry a LastKey, which start keys are refused, where the 1 MB page
// cut falls, how numbers come back, what conditions and updates do.
//
// The other cases drive the backend through package repo, as an application
// does:
// every repository operation with its success and its documented errors;
// ordering by UTF-8 bytes and paging (every item exactly once, at several page
// sizes, ascending and descending, with DynamoDB's 1 MB page limit); tenant
// isolation across tenants whose IDs are near-collisions of each other
// ("a", "ab", "A", Unicode, the longest valid ID), for reads, lists, queries,
// writes and cursors; isolation of entity types whose prefixes share a
// beginning ("user" and "users"); items written by other programs in the
// shared layout; and that every failed call leaves the stored items as they
// were.
package conformance
