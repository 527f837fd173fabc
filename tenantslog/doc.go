// Package tenantslog is a repo.Observer that logs every repository call
// with log/slog: one structured record when the call ends, with the same
// fields as package tenantotel's spans.
//
//	obs, err := tenantslog.New(tenantslog.WithLogger(logger))
//	users, err := repo.New[User](store, func(o *repo.Options) { o.Observer = obs })
//
// A record's message is Message ("tenantrepo call"); its attributes are
// the operation (KeyOp, "Get"), the tenant (KeyTenant), the entity's type
// and prefix, the index of an index query, the entities returned, written
// or deleted, the duration, the requests, retries and throttles, the
// capacity units consumed in all (KeyReadUnits, KeyWriteUnits) and, when
// any were, a group of the table's and each index's (KeyCapacity); and for
// a call that failed, the error, its kind (KeyErrorKind) and, for a
// throttle, its reason. Wrap the logger with WithGroup to put them under
// a name of your own.
//
// # Levels
//
// A call that succeeded is logged at Options.Level (Info unless set; set
// Debug to keep the records out of a production log at Info). So is a Get
// of an entity that does not exist: an answer, not a failure. A call
// refused for its input, its conditions or the load is logged at Warn:
// the kinds not_found (of any call but Get), already_exists,
// condition_failed, conflict, tx_canceled, throttled, invalid_tenant,
// invalid_id, invalid_cursor, item_too_large, invalid_argument,
// unknown_index, and the context's canceled and deadline_exceeded. Every
// other error says something is wrong with the program, the table or the
// data, and is logged at Error: no_tenant (a call without a tenant in its
// context), duplicate_prefix, missing_index, decode, applied (a write
// stored whose result did not decode), unsupported, and _OTHER, an error
// of no known kind. Package tenantotel marks the same calls as failed
// (span status Error) and counts them as errors.
//
// The record is built only when the logger is enabled at its level.
//
// # The tenant
//
// Records carry the tenant's ID (KeyTenant). Options.Tier adds the tier a
// function maps the tenant to (KeyTier); Options.HideTenant leaves the ID
// out, for logs that must not hold tenant IDs. A log has no cardinality
// to keep down, unlike metrics (see tenantotel.TenantLabel): each record
// is one call.
package tenantslog
