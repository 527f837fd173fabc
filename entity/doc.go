// Package entity defines what a stored type is and the key rules every
// backend shares.
//
// # Entities
//
// A type becomes storable by implementing Entity: a constant sort-key prefix
// for the type and the ID of each value. Types that let the repository assign
// IDs (and fill them in from the stored key) also implement IDSetter on their
// pointer.
//
// # Keys
//
// All tenants share one table. An entity of type prefix P with ID I, owned by
// tenant T, lives at
//
//	PK = "tenant#" + T
//	SK = P + "#" + I
//
// Tenant IDs, prefixes and entity IDs may not contain '#', so each key splits
// back into its parts in exactly one way, and the prefix "user#" can never
// match an item of the type "users". Sizes follow DynamoDB's limits: 2048
// bytes for a partition key, 1024 for a sort key.
package entity
