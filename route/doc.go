// Package route places each tenant in a table of its own (a silo) or in
// the shared pool table, and routes every request to its tenant's table,
// so that repositories and application code do not change with placement.
//
// # Catalog
//
// A Catalog records where each tenant lives: one item per tenant in the
// pool table's partition "catalog" (CatalogPartition), which no tenant's
// key can name, since every tenant partition key starts with "tenant#".
// A tenant that is not in the catalog lives where CatalogOptions.Default
// says (by default, the pool). Writes of the catalog are conditional on
// the placement's version (optimistic concurrency): Catalog.Put fails with
// ErrStalePlacement when another writer came first. Lookup answers from a
// cache at most CatalogOptions.MaxStale old; LookupFresh reads strongly.
//
// # Tables
//
// Tables opens the pool and silo tables and creates silo tables like the
// pool: same key schema, index slots, time to live and change-feed
// setting, with the tags the user gives (TablesOptions.Tags). Tables.Name
// makes a silo's table name from a template such as "app-silo-{tenant}":
// always a valid DynamoDB table name, and never the same for two tenants.
// MemoryTables serve tests; DynamoDBTables serve DynamoDB.
//
// # Router
//
// Router implements backend.Backend. It finds each request's tenant from
// its keys (the partition key "tenant#<id>", or for an index query the
// index partition key "tenant#<id>#..."), looks up the tenant's table, and
// sends the request there. A batch or a transaction must name keys of one
// tenant, and a key outside every tenant partition is refused: both return
// an error wrapping ErrCrossTenant, and nothing is read or written. An
// index query returns only items of its tenant's partition, even when
// another tenant of the same table stored items under that index key.
//
// The capacity a request consumes reaches the caller's backend.Meter (and
// so observers and limiters) as without the router; the router's own
// catalog reads, one per tenant per MaxStale when the cache is cold, are
// charged to no one (backend.WithoutMeter). The conformance suite's
// Capacity cases pass through a Router on memory and on DynamoDB Local.
//
// # Moves and fences
//
// While a tenant is being moved (Placement.Move set, before
// PhaseSwitched), the router writes to the source table fenced: each
// write goes as a transaction with a check that the tenant's fence item
// (FenceKey) is absent. The mover writes the fence items when it pauses
// writes (they are the router's: its writes refuse their keys and its
// table queries leave them out, so that reading a tenant's partition
// through it, as ops.Export and ops.Stats do, never returns them); a write that meets one reads the catalog again, goes to the new
// table once the move has switched, and fails with ErrMoving (retryable,
// of kind backend.KindThrottled) if the pause lasts longer than
// Options.PauseWait. A write's own failed condition is reported as
// without the fence: a *backend.ConditionFailedError with the item. During
// a move an Update's returned item is read right after the update, so it
// may include a later write by another client; if that read fails, the
// error (of kind backend.KindUnknown, not retryable) says the update was
// applied.
//
// Every write the router sends to a tenant's table, fenced or not, is
// given up after the catalog's CatalogOptions.WriteTimeout from the start
// of the lookup that chose its table (the error wraps
// context.DeadlineExceeded; the write may or may not have been applied).
// A fenced Update's read-back of its item, which writes nothing, may take
// up to 2 s more, and its error still says the update was applied; an
// empty BatchWrite or TransactWrite goes to the pool as it is, which
// refuses it. A mover waits that out, beyond
// MaxStale, before it fences the source and before it deletes the fence
// items after the switch, so that a write a router sent before it saw a
// change of placement does not land in the source after the move.
package route
