// Package backend is the contract a storage backend implements, the error
// kinds backends report, and tools for backend authors that keep
// DynamoDB's rules.
//
// Application code uses package repo; it imports a backend package only to
// construct one (memory.New, dynamodb.New) and never calls a Backend itself.
//
// # The contract
//
// A Backend stores the items of one table, for every tenant and every entity
// type. Its nine methods are eight calls on items: Get, Put, Update and
// Delete of one item by key (PK, SK) under the condition and update
// expressions the repository builds; Query of one page of one table or
// index partition in sort-key order; BatchGet and BatchWrite; and
// TransactWrite; and RegisterPrefix, the registry of which entity type owns
// each sort-key prefix, which embedding a Registry implements. Optional
// interfaces add to it: IndexReporter (or the simpler IndexCounter) says
// which index slots the table has, Lender lends stored items without a
// copy, and ChangeFeed reads every change in order per item, sharded, from
// signed checkpoints (CheckpointCodec), as DynamoDB Streams does. A Backend knows nothing of tenants. The repository builds every key from the
// tenant in the context, checks every input, and encodes every value before a
// backend is called, so no backend can get tenant isolation wrong on its own.
//
// # Behaving like DynamoDB
//
// Backends keep DynamoDB's semantics, because applications test against one
// and run against another: sort keys ordered by UTF-8 bytes, items of at most
// MaxItemBytes as ItemSize counts them, pages of at most MaxPageBytes, a
// LastKey whenever a page stops at its limit, and values checked by
// ValidateItem. Every backend also refuses (ErrInvalidArgument), before it
// reads or writes anything, a request holding a string that is not valid
// UTF-8 in a key, an index position, a query's partition key, bounds or
// start key, an item or an expression (the CheckSendable methods): DynamoDB's
// SDK would send each bad byte as U+FFFD, so "tenant#\xff" would be the
// key of tenant "\uFFFD". The same check refuses, at any depth of an item
// or expression value, what the SDK or DynamoDB does not take as sent: a
// name or map key over MaxNameBytes and a value CheckShape reports (NULL
// false, a nil binary, a nil value, a member of unknown type). The
// conformance package holds every backend to this.
//
// # Errors
//
// Backends report one closed set of error kinds (ErrorKind, in errors.go):
// an error wraps the error of its kind (ErrNotFound, ErrConditionFailed,
// ...), so KindOf finds it, and each reason of a canceled transaction
// (TxReason) has its Kind. A backend maps its store's errors to kinds
// itself, the DynamoDB backend in backend/dynamodb/errors.go; the
// repository passes each kind on as its own error, one for one, and reads
// no store's codes. Context errors are returned as they are.
//
// # Checks every backend makes
//
// The checks of a request that do not depend on the store are here
// (check.go), and every backend makes them: the expression parts a request
// may carry (Expressions.CheckParts, TxAction.CheckExpr) and keys
// (Key.Check). The table layout, key attribute names and index names
// included, is package entity's (entity/layout.go).
//
// # For backend authors
//
// These functions are tools for writing a backend that keeps DynamoDB's
// rules; application code never needs them. The memory backend, the
// expression evaluator and the conformance suite use them, and a backend of
// another module can too, so that it passes the suite without copying
// them:
//
//   - values: ValidateItem, CheckItem (ValidateItem and ItemSize in one
//     pass) and ValidateValue check items and expression values as
//     DynamoDB does, CheckShape and MaxNameBytes the forms of values and
//     the names DynamoDB does not take (validate.go); CheckSendable methods of
//     the inputs and CheckItemSendable refuse strings that are not UTF-8, and
//     those names and values, before a request is sent (sendable.go);
//   - sizes: ItemSize and ValueSize count bytes as DynamoDB counts them
//     against MaxItemBytes and MaxPageBytes (size.go);
//   - numbers: ValidateNumber, NormalizeNumber (the form DynamoDB returns),
//     CanonicalNumber (one spelling per value, for equality) and
//     CompareNumbers (order by value) (number.go);
//   - copies: CopyItem and CopyValue copy deeply, and StoredItem copies an
//     item into the form DynamoDB stores, numbers normalized (copy.go);
//   - capacity: WriteUnits, ReadUnits, GetUnits and CheckUnits are
//     DynamoDB's unit rules, WriteCapacity what a write consumes on the
//     table and each index (the larger of the old and new item; an index
//     entry put, changed, moved or removed, nothing when identical; twice
//     in a transaction), FailedWriteCapacity and CanceledTxCapacity what a
//     failed condition and a canceled transaction are charged
//     (capacity.go); a backend charges each request with Charge
//     (usage.go);
//   - Registry implements RegisterPrefix, and IndexSet names sets of index
//     slots (registry.go, indexset.go); IndexName and IndexKeyNames forward
//     to package entity's layout.
//
// They stay in this package, rather than an internal one, because a backend
// outside this module needs them as much as the memory backend does.
package backend
