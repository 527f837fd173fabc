// Package guard is a tenant guard for any DynamoDB client of
// aws-sdk-go-v2: a middleware that checks every operation against the
// tenant in the request's context (package tenantctx) before the SDK
// serializes, signs or sends anything. It guards the application's own raw
// SDK calls as well as the library's, for a table of this module's layout
// (package entity: partition key PK = "tenant#<id>", index partition keys
// GSI<n>PK = "tenant#<id>#...").
//
// Install it on the client:
//
//	client := dynamodb.NewFromConfig(cfg, guard.Install)
//
// or add Middleware to the client's APIOptions.
//
// # Rules
//
// With a tenant in the context (tenantctx.Tenant):
//
//   - GetItem, PutItem (the item), UpdateItem, DeleteItem, and every key
//     and item of BatchGetItem, BatchWriteItem, TransactGetItems and
//     TransactWriteItems (ConditionCheck, Put, Delete, Update): the PK
//     must be the tenant's partition key, exactly, so tenant "acme" never
//     reaches "tenant#acme-corp".
//   - Query: the key condition expression is parsed (names and values
//     resolved through ExpressionAttributeNames and
//     ExpressionAttributeValues); it must hold exactly one equality on the
//     partition key attribute of the table (PK) or of the index (GSI<n>PK),
//     whose value is the tenant's partition key (table) or starts with it
//     and "#" (index: so tenant "acme" never reaches
//     "tenant#acme-corp#..."). A condition the guard cannot parse, legacy
//     KeyConditions and an unknown index are refused, and so is an
//     ExclusiveStartKey outside the tenant's partition (table queries) or
//     index partitions (index queries, where the start key's table key may
//     be another tenant's: an item of theirs planted in the tenant's index
//     partition, which package repo skips).
//   - DescribeTable passes: it reads the table's metadata (key schema,
//     indexes, status and approximate counts), no item, and the DynamoDB
//     backend reads it lazily to learn the table's indexes.
//   - Scan, PartiQL (ExecuteStatement, BatchExecuteStatement,
//     ExecuteTransaction), table-level operations (CreateTable,
//     UpdateTable, DeleteTable, ...) and every other operation are refused.
//
// Set the table up (dynamodb backend's EnsureTable: CreateTable,
// UpdateTable, UpdateTimeToLive) with an operator context, or with a
// client without the guard.
//
// A context without a tenant is refused unless it carries the operator
// marker (tenantctx.AsOperator), with which every operation passes. A
// context whose tenant cannot be trusted (tenantctx.ErrInvalidTenant: a
// Value that answers every key, say) is refused.
//
// A refusal is a *RefusedError naming the operation and, in its Key field,
// the offending key, wrapping ErrRefused (errors.Is), and the SDK sends
// nothing. Its message names the attribute but not the key's value, which
// may be another tenant's.
//
// # Limits
//
// The guard checks the keys a request names, as IAM's
// dynamodb:LeadingKeys does, not the other attributes a write stores (an
// item of the tenant's partition may carry an index key such as GSI1PK of
// another tenant's index partition: the tenant operations of package ops
// copy and import items whole) nor what a condition or filter reads; so
// readers of an index must still check the items they get, as package
// repo does. The guard applies to every table the
// client reaches: a client that also serves tables of another layout
// should not have it installed. It is a check in the process, not an
// authority: pair it with credentials that only allow the tenant's leading
// keys (IAM dynamodb:LeadingKeys).
package guard
