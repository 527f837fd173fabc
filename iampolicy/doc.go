// Package iampolicy generates the IAM identity policy of a tenant-scoped
// role, so that DynamoDB itself refuses a request outside the tenant's
// partitions, whatever code makes it.
//
// The policy allows the item and query actions (ItemActions: GetItem,
// BatchGetItem, Query, PutItem, UpdateItem, DeleteItem, BatchWriteItem,
// ConditionCheckItem; TransactGetItems and TransactWriteItems are authorized
// item by item through them) on the table and its indexes only when every
// leading key of the request (dynamodb:LeadingKeys, the partition key
// values it names) is the tenant's partition key "tenant#<id>" or starts
// with "tenant#<id>#" (the index partition keys, see
// entity.IndexPartitionKey) — never "tenant#<id>*", which would also match
// tenant "<id>-corp". It explicitly denies Scan, PartiQL, the stream
// actions and the table-level actions (DeniedActions) on the table, its
// indexes and its streams.
//
// Two forms:
//
//   - ForTag: one role for every tenant (ABAC). The tenant is the session
//     tag given to AssumeRole, read as ${aws:PrincipalTag/tenant}. The
//     policy requires the tag to be present and not empty; tenant IDs
//     used this way must pass ValidateTagValue (STS's tag value
//     characters, none of which is a wildcard or '$').
//   - ForTenant: one tenant's ID written in, for an inline session policy
//     passed to AssumeRole or a role per tenant. '$', '*' and '?' in the
//     ID are escaped (EscapeLike), so "acme*" matches only itself.
//
// Both guard against what ForAllValues does with no values: it holds for a
// request without leading keys, so the policy also requires them
// (Null: dynamodb:LeadingKeys false).
//
// Document.JSON prints the document, deterministic and pretty-printed, for
// CloudFormation, Terraform or the console; `tenantctl policy` prints it
// from the command line:
//
//	tenantctl policy --table-arn arn:aws:dynamodb:eu-west-1:123456789012:table/shop --tag tenant
//	tenantctl policy --table shop --region eu-west-1 --account 123456789012 --tenant acme
//
// The role must have no other grant of DynamoDB actions on the table: the
// explicit Deny stops Scan, PartiQL and table-level grants elsewhere, but
// another Allow of an item action without the condition would widen it.
// A leading-keys policy limits the partition keys a request names, not the
// values a write stores: a tenant can write, in its own partition, an item
// whose index key names another tenant's index partition (package repo
// returns only items under the context's tenant's partition key).
//
// # What is verified, and what is not
//
// DynamoDB Local does not evaluate IAM, and no test here calls AWS. The
// tests check the documents byte for byte against golden files
// (testdata/*.json), and evaluate them with a small test-only evaluator
// of the IAM semantics the policy relies on, as AWS documents them
// (StringEquals/StringLike with '*' and '?', policy variables and their
// ${*} ${?} ${$} escapes, ForAllValues over the set of leading keys, Null,
// explicit Deny over Allow, default deny), against a table of requests:
// near-collision tenants (acme, acme-corp, "acme*", "acme?"), index keys,
// missing or empty leading keys, a missing or empty tag, Scan, PartiQL,
// another table. So the documents are verified against our reading of
// AWS's documentation, not against IAM itself: that IAM evaluates them
// the same way has not been tested here.
package iampolicy
