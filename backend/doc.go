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
// Backends wrap the kinds in errors.go (ErrNotFound, ErrConditionFailed, ...)
// so the repository can map them with errors.Is; context errors are returned
// as they are.
package backend
