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
// Run holds the backend to the whole contract (Contract). A backend that
// implements only part of it says which parts through RunHarness:
//
//	conformance.RunHarness(t, conformance.Harness{
//		NewBackend:   newBackend,
//		Capabilities: conformance.Batches | conformance.Transactions,
//	})
//
// Each case runs as a parallel subtest with a backend of its own, so a
// backend must be safe for concurrent use and new backends must not share
// items. RunHarness lists every case, with what it needs, in one place.
//
// # Capabilities
//
// A case about a capability the harness does not claim is skipped, with
// t.Skip and the capability it lacks; every other case must pass:
//
//   - Indexes: the secondary indexes GSI1 ... GSI5 (backend.MaxIndexes),
//     kept on every write and queried by QueryInput.Index;
//   - Batches: BatchGet and BatchWrite;
//   - Transactions: TransactWrite;
//   - DynamoDBLocalFidelity: what DynamoDB Local 3.3.0 does where DynamoDB
//     promises nothing (below). Only this module's memory and DynamoDB
//     backends claim it; it holds the memory backend to DynamoDB Local;
//   - Scan: the backend is a backend.Scanner, which operator-scoped
//     operations (package ops) need. It is optional and not in Contract.
//     The Backend/Scan... cases check that every item is read once across
//     1, 3, 7 or 64 segments with small pages, a partition's items together
//     and in sort-key order in one segment, KeysOnly, resuming from a
//     LastKey or from a deleted item's or partition's key, and bad inputs
//     refused; Backend/ScanPageOverOneMB (with DynamoDBLocalFidelity) where
//     a page is cut at 1 MB;
//   - Capacity: the backend charges each request to the context's meter
//     (backend.Charge) with what DynamoDB's ConsumedCapacity reports for
//     it, table and index by index. The Capacity/... cases assert the
//     exact backend.Usage of scripted requests: gets and writes around the
//     1 KB and 4 KB boundaries, index entries put, changed, moved, removed
//     and left identical, query and scan pages (before the filter, an
//     empty one free), batches, transactions and ConditionChecks, writes
//     whose condition failed and canceled transactions (by the published
//     rule, as DynamoDB Local reports nothing for them), multi-byte names
//     and values and numbers. Only this module's memory and DynamoDB
//     backends claim it;
//   - SharedTable: the backend is one table for all tenants, so a request
//     may name keys of several tenants or of no tenant, and an index
//     partition gathers every partition's items. It is in Contract. A
//     router over several tables (package route) does not claim it: the
//     cases that write or read such keys then check that they are refused
//     (backend.ErrInvalidArgument) and leave out what only one shared
//     table would show.
//
// Harness.Select runs only the cases it picks by name, for a backend whose
// cases are slow to set up (package route runs a few on DynamoDB Local in
// short runs, all of them with the build tag long).
//
// Every backend must evaluate condition, update and filter expressions: the
// repository sends a condition with nearly every write (attribute_not_exists
// for Create, a version check for versioned types). A backend that stores
// items itself can use package backend/expreval, which the memory backend
// uses, and package backend's checks (CheckItem, ItemSize, StoredItem,
// CopyItem, the CheckSendable methods); examples/thirdparty passes the suite with
// a backend built on them that does not use the memory backend.
//
// # What it checks
//
// The cases named Backend/... call the backend contract directly and hold it
// to DynamoDB's semantics: the items a query returns, in sort-key order,
// paged by Limit and by the 1 MB limit, with a LastKey on every page that
// stops at its Limit; conditions, updates and filters as DynamoDB evaluates
// them; numbers, sizes, nesting and expression limits; batches,
// transactions and indexes with their limits and errors; UTF-8 refused
// everywhere.
//
// The cases that pin DynamoDB Local's behaviour where DynamoDB's
// documentation promises nothing need DynamoDBLocalFidelity:
// Backend/QueryLimitAtEnd (a LastKey on a page that ends at the last item
// of its range, except at a BETWEEN bound), Backend/QueryStartKeyOutsideRange
// (which start keys are refused), Backend/QueryPageOverOneMB and
// Backend/IndexPageOverOneMB (exactly where a page is cut),
// Backend/FidelityNumberSizes, Backend/FidelityNumberSizesPageCut and
// Backend/FidelityWriteSizes (the byte sizes of numbers and writes, which
// DynamoDB documents only approximately), Backend/IndexPaging,
// Backend/IndexLimitAtEnd, Backend/IndexStartKeys and
// Backend/IndexKeyConditionBounds (index positions among items with equal
// index sort keys, in DynamoDB Local's SHA-1 order, and at BETWEEN bounds).
// Within cases of the contract, Backend/IndexOrder, Backend/IndexSparse,
// Backend/IndexFilter and Backend/QueryPaging check the order of ties and
// the page after a BETWEEN bound exactly only for a backend that claims it;
// any other must return ties in index sort-key order, in any order among
// themselves, and may end such a query with an empty page or not.
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
