// Package ops acts on a whole tenant's data: backfilling index keys
// (Reindex), deleting a tenant (Purge), handing it its data (Export),
// loading data back, for the same or another tenant (Import), moving it
// between tables (Copy), and counting it (Stats); and, for the operator of
// a table, listing its tenants (Tenants) and reindexing all of them
// (ReindexAll).
//
// The operations work on any backend.Backend through the backend contract,
// so they run on DynamoDB and on the memory backend alike. Like the
// repository, each takes the tenant from its context (package tenantctx)
// and reads or writes only the tenant's partition, whatever its options,
// checkpoints or input hold. The operator-scoped ones act across tenants and
// need a context marked with tenantctx.AsOperator instead, which code
// serving a tenant cannot make by accident.
//
// Every operation streams: it holds a page of items at a time, whatever
// the tenant's size. Each takes a Pace (items or capacity units per
// second: what the backend reports the requests consumed, else an
// estimate) so it does not starve live traffic, a progress callback, and
// reports counts; the long ones return a Checkpoint to resume from after an
// error or a cancellation.
//
// The command tenantctl (cmd/tenantctl) runs each operation from a shell.
package ops
