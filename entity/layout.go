package entity

import (
	"fmt"
	"strings"
)

// This file holds the table layout: the key attribute names, the key
// formats and their builders and parsers, the secondary indexes' names and
// key attributes, the limits on keys, and the bounds of sort-key ranges.
// Every package builds keys through it.
//
//	attribute   value
//	PK          "tenant#" + tenantID                       (PartitionKey)
//	SK          prefix + "#" + entityID                    (SortKey)
//	GSI<n>PK    "tenant#" + tenantID + "#" + prefix + "#" + index + "#" + value
//	                                                       (IndexPartitionKey)
//	GSI<n>SK    the value of the index's sort attribute
//
// The table's global secondary indexes are GSI1 ... GSI<MaxIndexes>, each
// keyed by the string attributes GSI<n>PK and GSI<n>SK and projecting every
// attribute; an item is in an index when it has both of its key attributes.

// Key attribute names and limits, as DynamoDB defines them for the table.
const (
	// PartitionKeyName is the name of the partition key attribute.
	PartitionKeyName = "PK"
	// SortKeyName is the name of the sort key attribute.
	SortKeyName = "SK"
	// Separator joins the parts of a key. It may not appear in tenant IDs,
	// prefixes or entity IDs, so every key splits in exactly one way.
	Separator = "#"
	// TenantPrefix starts every partition key.
	TenantPrefix = "tenant" + Separator
	// MaxPartitionKeyBytes is DynamoDB's limit on a partition key value.
	MaxPartitionKeyBytes = 2048
	// MaxSortKeyBytes is DynamoDB's limit on a sort key value.
	MaxSortKeyBytes = 1024
	// MaxTenantIDBytes is the longest tenant ID whose partition key fits.
	MaxTenantIDBytes = MaxPartitionKeyBytes - len(TenantPrefix)
	// MaxIndexes is the most global secondary indexes the table has:
	// GSI1 ... GSI5 (see IndexName).
	MaxIndexes = 5
)

// Tenant is a tenant whose ID has been checked (ValidateTenantID), with its
// partition key: what every key of the tenant's items starts with. The zero
// Tenant has no ID; NewTenant makes the others.
type Tenant struct {
	id, pk string
}

// NewTenant checks a tenant ID and returns the Tenant. The error wraps
// ErrInvalidTenant.
func NewTenant(id string) (Tenant, error) {
	if err := ValidateTenantID(id); err != nil {
		return Tenant{}, err
	}
	return Tenant{id: id, pk: PartitionKey(id)}, nil
}

// ID returns the tenant ID.
func (t Tenant) ID() string { return t.id }

// PartitionKey returns the tenant's partition key, "tenant#" + ID.
func (t Tenant) PartitionKey() string { return t.pk }

// IndexPartitionKey returns the partition key an entity of the tenant has
// in an index: IndexPartitionKey(t.ID(), prefix, indexName, value).
func (t Tenant) IndexPartitionKey(prefix, indexName, value string) string {
	return t.pk + Separator + prefix + Separator + indexName + Separator + value
}

// OwnsIndexPartitionKey reports whether v is one of the tenant's index
// partition keys: its partition key, the separator, and more, as
// IndexPartitionKey writes them. "tenant#acme-corp#..." is not acme's.
func (t Tenant) OwnsIndexPartitionKey(v string) bool {
	return InIndexPartition(t.pk, v)
}

// InIndexPartition reports whether v is an index partition key of the
// tenant whose partition key is pk: pk, the separator, and more (see
// Tenant.OwnsIndexPartitionKey).
func InIndexPartition(pk, v string) bool {
	return len(v) > len(pk)+len(Separator) && v[:len(pk)] == pk && v[len(pk):len(pk)+len(Separator)] == Separator
}

// PartitionKey returns the partition key of a tenant: "tenant#" + tenantID.
// The caller has validated tenantID.
func PartitionKey(tenantID string) string {
	return TenantPrefix + tenantID
}

// SortKey returns the sort key of an entity: prefix + "#" + id. The caller
// has validated both parts.
func SortKey(prefix, id string) string {
	return prefix + Separator + id
}

// SortKeyPrefix returns the part every sort key of a type starts with:
// prefix + "#".
func SortKeyPrefix(prefix string) string {
	return prefix + Separator
}

// SortKeyEnd returns the first string after every sort key of a type:
// prefix + "$" ('$' follows the separator '#'), so the range from
// SortKeyPrefix(prefix) to SortKeyEnd(prefix) holds the type's keys and no
// other type's ("user" never reaches "users").
func SortKeyEnd(prefix string) string {
	return prefix + string(rune(Separator[0]+1))
}

// IndexSortKeyBounds returns bounds of index sort key values: no index sort
// key (a non-empty string of at most MaxSortKeyBytes bytes) is below lo or
// above hi, so a query can take a one-sided condition on index sort keys
// (> or <) as BETWEEN within a partition, as DynamoDB requires. DynamoDB
// takes both as BETWEEN bounds (checked against DynamoDB Local by the
// conformance suite).
func IndexSortKeyBounds() (lo, hi string) { return minIndexSortKey, maxIndexSortKey }

var (
	minIndexSortKey = "\x00"
	maxIndexSortKey = strings.Repeat("\U0010FFFF", MaxSortKeyBytes/4)
)

// IndexPartitionKey returns the partition key an entity has in one of its
// type's indexes:
//
//	"tenant#" + tenantID + "#" + prefix + "#" + indexName + "#" + value
//
// It starts with the tenant's partition key and a separator, so the keys
// the library writes never mix tenants in an index, and an IAM policy
// whose dynamodb:LeadingKeys allows "tenant#<id>" and "tenant#<id>#*"
// matches exactly the tenant's partition key and index partition keys (not
// "tenant#<id>*", which would also match tenant "<id>x"). Such a policy
// limits the partition key values a request names, not the values a write
// stores in other attributes: a client can store, in its own partition, an
// item whose GSI<n>PK is another tenant's index partition key, so readers
// of an index must check the items they get (package repo returns only
// items stored under the context's tenant's partition key).
//
// The parts are unambiguous: the tenant ID, the prefix and the index name
// may not contain '#', so the first four separators after "tenant" are
// exactly the ones written here, and everything after the last of them is
// the value, whatever it holds. Two different (tenant, type, index, value)
// tuples never give one key.
func IndexPartitionKey(tenantID, prefix, indexName, value string) string {
	return Tenant{id: tenantID, pk: PartitionKey(tenantID)}.IndexPartitionKey(prefix, indexName, value)
}

// ParseSortKey splits a sort key into its prefix and ID. It reports false when
// sk is not a well-formed sort key.
func ParseSortKey(sk string) (prefix, id string, ok bool) {
	prefix, id, ok = strings.Cut(sk, Separator)
	if !ok || prefix == "" || id == "" || strings.Contains(id, Separator) {
		return "", "", false
	}
	return prefix, id, true
}

// ParsePartitionKey returns the tenant ID of a partition key. It reports
// false when pk is not a well-formed partition key.
func ParsePartitionKey(pk string) (tenantID string, ok bool) {
	tenantID, ok = strings.CutPrefix(pk, TenantPrefix)
	if !ok || ValidateTenantID(tenantID) != nil {
		return "", false
	}
	return tenantID, true
}

// ParseIndexPartitionKey returns the tenant ID of an index partition key:
// "tenant#", a valid tenant ID (which holds no '#'), the separator, and
// more (IndexPartitionKey). It reports false for anything else.
func ParseIndexPartitionKey(v string) (tenantID string, ok bool) {
	rest, ok := strings.CutPrefix(v, TenantPrefix)
	if !ok {
		return "", false
	}
	id, _, found := strings.Cut(rest, Separator)
	if !found || ValidateTenantID(id) != nil || !InIndexPartition(PartitionKey(id), v) {
		return "", false
	}
	return id, true
}

// indexNames[n] are the name and key attribute names of index n (1-based),
// made once: they are asked for on every write.
var indexNames = func() (names [MaxIndexes + 1]struct{ name, pk, sk string }) {
	for n := 1; n <= MaxIndexes; n++ {
		name := fmt.Sprintf("GSI%d", n)
		names[n].name, names[n].pk, names[n].sk = name, name+PartitionKeyName, name+SortKeyName
	}
	return names
}()

// IndexName returns the name of the n-th index (1-based): "GSI1", ...
func IndexName(n int) string {
	if n >= 1 && n <= MaxIndexes {
		return indexNames[n].name
	}
	return fmt.Sprintf("GSI%d", n)
}

// IndexKeyNames returns the key attribute names of the index named name:
// name+"PK" and name+"SK".
func IndexKeyNames(name string) (pk, sk string) {
	for n := 1; n <= MaxIndexes; n++ {
		if ix := &indexNames[n]; ix.name == name {
			return ix.pk, ix.sk
		}
	}
	return name + PartitionKeyName, name + SortKeyName
}

// IsKeyAttribute reports whether name is a key attribute of the table or of
// one of its MaxIndexes possible indexes: "PK", "SK", "GSI1PK", "GSI1SK",
// ..., "GSI5SK".
func IsKeyAttribute(name string) bool {
	switch name {
	case PartitionKeyName, SortKeyName:
		return true
	}
	if len(name) < len("GSI1PK") || name[:3] != "GSI" {
		return false
	}
	for n := 1; n <= MaxIndexes; n++ {
		if ix := &indexNames[n]; name == ix.pk || name == ix.sk {
			return true
		}
	}
	return false
}

// KeyAttributes returns every key attribute of the table and of its
// MaxIndexes possible indexes: PK, SK, GSI1PK, GSI1SK, ..., GSI5SK.
func KeyAttributes() []string {
	keys := []string{PartitionKeyName, SortKeyName}
	for n := 1; n <= MaxIndexes; n++ {
		keys = append(keys, indexNames[n].pk, indexNames[n].sk)
	}
	return keys
}
