// Package changefeed delivers the changes of a tenant's entities as typed
// events, from the change feed of a repository's backend
// (backend.ChangeFeed): DynamoDB Streams on the DynamoDB backend, an
// in-memory log on the memory backend, with the same events for the same
// operations.
//
// # Subscriptions
//
// Subscribe takes the tenant from the context (package tenantctx) and the
// entity type from the repository, and delivers the changes of that
// tenant's entities of that type, in order per entity:
//
//	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
//	sub, err := changefeed.Subscribe(ctx, users, func(o *changefeed.Options) { o.From = saved })
//	for {
//		events, err := sub.Poll(ctx)
//		for _, ev := range events { ... ev.Kind, ev.ID, ev.Old, ev.New ... }
//		saved, err = sub.Checkpoint() // store it with what the events did
//	}
//
// Events are Created (New), Updated (Old and New), Deleted (Old) and
// Expired (Old: the table's time to live deleted the entity), decoded by
// the repository's own decoding (repo.Repository.DecodeItem). A write that
// changes nothing and a write that fails give no event.
//
// # Isolation
//
// A subscription never delivers another tenant's change, whatever the feed
// holds: a change is the subscription's only when its key's partition is
// exactly the tenant's ("tenant#acme", not "tenant#acme-corp" nor
// "tenant#acme#x"), its sort key is of the type's prefix, and both images
// are at that key and decode as the tenant's entities. Everything else is
// dropped unread; changes that cannot be read safely (keys that are not
// strings, images at another key) are skipped and reported to
// Options.OnSkip as a *SkipError that holds where the change is and why,
// never what it holds.
//
// # Moves
//
// A feed is one table's. A tenant's move (package move) copies its
// entities into the destination table, whose subscribers get a Created
// event for each, and at the end deletes them from the source, whose
// subscribers get a Deleted event for each, though the entities live on
// in the destination. Follow a moved tenant on its new table. No other
// tenant's subscription sees anything of a move.
//
// # Checkpoints
//
// Checkpoint returns an opaque string: the feed's position in each of its
// shards, signed by the backend, within a checkpoint bound to the reader's
// scope (tenant and type, or operator and tenant filter) and signed with
// Options.Key. A reader resumed from it goes on with the next event, none
// lost or repeated. A checkpoint changed by one bit, of another scope,
// signed with another key or of another feed is refused
// (ErrInvalidCheckpoint); one older than what the feed keeps (24 hours on
// DynamoDB Streams) is ErrTrimmed.
//
// # Operators
//
// NewOperatorReader reads every tenant's changes raw, or one tenant's with
// Options.Tenant, for the operator of the table (tenantctx.AsOperator):
// the online move of a tenant catches up from it.
package changefeed
