// Package backend is the small contract a storage backend implements, and
// the error kinds and DynamoDB rules backends share.
//
// Application code uses package repo; it imports a backend package only to
// construct one (memory.New, dynamodb.New) and never calls a Backend itself.
//
// # The contract
//
// A Backend stores the items of one table, for every tenant and every entity
// type: it reads and writes single items by key (PK, SK) under condition and
// update expressions the repository builds, reads pages of one partition in
// sort-key order, reads and writes batches, and applies transactions. It
// knows nothing of tenants. The repository builds every key from the
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
// start key, an item or an expression (the CheckUTF8 methods): DynamoDB's
// SDK would send each bad byte as U+FFFD, so "tenant#\xff" would be the
// key of tenant "\uFFFD". The conformance package holds every backend to
// this.
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
package backend
