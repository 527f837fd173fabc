// Package tenantotel is a repo.Observer for OpenTelemetry: a span for
// every repository call and metrics per tenant, operation and entity type.
// It is the only package of the module that imports OpenTelemetry; a
// program that does not import it does not build OpenTelemetry in.
//
//	obs, err := tenantotel.New() // the global tracer and meter providers
//	users, err := repo.New[User](store, func(o *repo.Options) { o.Observer = obs })
//
// # Spans
//
// Each call is a span of kind internal, named by its operation and entity
// prefix as OpenTelemetry's database conventions name spans by operation
// and target: "Get user", "List order", and with the index of an index
// query "Query order/by-user". The span is started in the call's context
// and the call goes on in the span's, so the requests of the call are its
// children: instrument the DynamoDB client (aws-sdk-go-v2's own tracing,
// dynamodb.Options.TracerProvider with smithy-go's smithyoteltracing
// adapter) and its GetItem, Query and retries show under the repository
// call that sent them. The span lasts from Start to End, which is
// about repo.Call.Duration.
//
// Its attributes: db.system.name "aws.dynamodb" (the repository speaks
// DynamoDB's model on every backend, the memory backend included),
// db.operation.name the repository's operation (repo.Op: "Get", "Create",
// "Query", "Transact", ...), tenantrepo.tenant, tenantrepo.entity.type
// ("shop.User"), tenantrepo.entity.prefix ("user"), tenantrepo.index for an
// index query, tenantrepo.tenant.tier with TenantTier; and at the end
// tenantrepo.items, tenantrepo.requests, tenantrepo.retries,
// tenantrepo.throttles, the capacity units consumed in all
// (tenantrepo.capacity.read_units, ...write_units), on the table
// (tenantrepo.capacity.table.read_units, ...) and on each index that
// consumed any (tenantrepo.capacity.gsi1.write_units, ...), and for a call
// that returned an error tenantrepo.error.kind and, for a throttle,
// tenantrepo.throttle.reason. The figures are what repo.Call.Usage says:
// what the backend reported (DynamoDB's ConsumedCapacity) or computed by
// DynamoDB's rules (the memory backend).
//
// # Errors and expected outcomes
//
// tenantrepo.error.kind names the repository's kind of the error:
// not_found, already_exists, condition_failed, conflict, tx_canceled,
// throttled, no_tenant, invalid_tenant, invalid_id, invalid_cursor,
// item_too_large, missing_index, unknown_index, invalid_argument,
// duplicate_prefix, applied (a write stored whose result did not decode),
// decode, unsupported, canceled and deadline_exceeded (the context's), and
// _OTHER for an error of no known kind.
//
// A Get that finds no entity returned an answer, not a failure: its span
// keeps status Unset, and it is not counted in tenantrepo.errors (its
// tenantrepo.error.kind says not_found all the same). Every other error
// sets the span's status to Error with the error's message, and
// error.type to its kind: a condition that did not hold, a version
// conflict, an entity that already exists, an Update of a missing entity,
// a throttle, invalid input, as much as a stored item that does not
// decode. Package tenantslog logs the first group at Warn and the second
// at Error.
//
// # Metrics
//
// Every metric is recorded with db.system.name, db.operation.name,
// tenantrepo.entity.prefix, tenantrepo.index (index queries) and the
// tenant label (see below):
//
//	tenantrepo.calls                  counter {call}      calls, with tenantrepo.error.kind when they returned an error
//	tenantrepo.errors                 counter {call}      calls that failed (not the expected outcomes), with tenantrepo.error.kind
//	tenantrepo.call.duration          histogram s         how long calls took, with tenantrepo.error.kind as calls
//	tenantrepo.items                  counter {item}      entities returned, written or deleted
//	tenantrepo.capacity.read_units    counter {unit}      read units consumed, by tenantrepo.capacity.resource ("table", "GSI1", ...)
//	tenantrepo.capacity.write_units   counter {unit}      write units consumed, by tenantrepo.capacity.resource
//	tenantrepo.requests               counter {request}   requests sent to the backend
//	tenantrepo.retries                counter {request}   requests that repeated an earlier one
//	tenantrepo.throttles              counter {request}   requests refused for throughput
//
// The duration histogram's buckets are DurationBuckets, from 0.5 ms to 10
// s; a View of the MeterProvider can change them.
//
// # The tenant label
//
// A metrics backend keeps a series for every distinct set of attributes,
// so a label of the tenant's ID costs as many series as there are
// tenants. WithMetricTenant chooses: TenantID (the default) labels metrics
// with tenantrepo.tenant; NoTenant leaves the tenant out; TenantTier(fn)
// labels them with tenantrepo.tenant.tier, the tier fn maps each tenant to
// (and puts the tier on spans too). Spans always carry the tenant's ID: a
// span is one call, and costs no series.
//
// # Cost
//
// With a no-op TracerProvider and MeterProvider (OpenTelemetry's default
// when none is installed) the observer starts a non-recording span and
// records nothing: it builds no attributes. With the SDK's MeterProvider
// it keeps the attribute sets of the series it records (up to 4096 of
// them: operation, entity type, index, tenant label and error kind), so
// most calls build none; calls of further series build theirs each time.
package tenantotel
