package entity

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Entity is a type stored by a repository. Its methods must work on the
// zero value: the repository calls EntityPrefix on a zero T once, when it is
// made, and the result must be the same for every value of the type.
type Entity interface {
	// EntityPrefix returns the sort-key prefix of the type, such as "user"
	// or "order". It is constant for the type, non-empty and without '#'.
	EntityPrefix() string
	// EntityID returns the entity's ID, the part of the sort key after the
	// prefix. It may be empty before the entity is created, when the type
	// also implements IDSetter on its pointer.
	EntityID() string
}

// IDSetter is implemented, on the pointer, by entity types whose ID the
// repository may set: Create assigns a new UUID to an entity with an empty ID,
// and reads set the ID from the stored sort key, so a type need not store its
// ID in an attribute of its own (for example with `dynamodbav:"-"`).
type IDSetter interface {
	SetEntityID(id string)
}

// Versioned is implemented by entity types that opt in to optimistic
// locking. VersionAttribute names a Number attribute of the type (an integer
// field, such as `Version int64 `+"`"+`dynamodbav:"version"`+"`"+`) that the repository
// owns: Create sets it to 1 and every write adds 1. A write or delete made
// from a copy whose version is no longer the stored one fails with
// repo.ErrConflict and changes nothing.
type Versioned interface {
	Entity
	VersionAttribute() string
}

// Expiring is implemented by entity types whose entities expire.
// ExpiryAttribute names the attribute holding the expiry time as a Number of
// Unix seconds, which DynamoDB's TTL reads (a time.Time field tagged
// `+"`"+`dynamodbav:"expires_at,unixtime"`+"`"+`, say). An entity whose expiry is at or
// before the present is treated as absent by every read, before DynamoDB's
// TTL gets round to deleting it. A missing expiry, or one at or before the
// Unix epoch (a zero time.Time), never expires.
type Expiring interface {
	Entity
	ExpiryAttribute() string
}

// Index declares a second access pattern of an entity type: its entities
// by the value of one attribute (the index partition), sorted by another.
// For an order: the orders of one user (PartitionAttr "user_id"), newest
// first (SortAttr "created_at").
type Index struct {
	// Name is what queries call the index, such as "by-user": non-empty,
	// without '#', unique within the type.
	Name string
	// Slot picks the table's generic index that holds it: 1 for GSI1, 2
	// for GSI2, up to 5. Types share slots; one type uses a slot once.
	Slot int
	// PartitionAttr and SortAttr are string attributes of the type: fields
	// stored as strings (repo.New refuses, with ErrInvalidArgument, a
	// field stored as a number, such as an int or a time.Time tagged
	// unixtime, or as a bool, binary, list, map or set). An entity with
	// either missing or empty is not in the index.
	PartitionAttr string
	SortAttr      string
}

// Indexed is implemented by entity types with secondary indexes.
type Indexed interface {
	Entity
	Indexes() []Index
}

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
	return PartitionKey(tenantID) + Separator + prefix + Separator + indexName + Separator + value
}

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
)

var (
	// ErrInvalidTenant reports a tenant ID that breaks the key rules.
	ErrInvalidTenant = errors.New("entity: invalid tenant ID")
	// ErrInvalidID reports an entity ID that breaks the key rules.
	ErrInvalidID = errors.New("entity: invalid entity ID")
	// ErrInvalidPrefix reports a sort-key prefix that breaks the key rules.
	ErrInvalidPrefix = errors.New("entity: invalid sort-key prefix")
)

// ValidateTenantID reports whether id may be a tenant ID: non-empty, valid
// UTF-8, without control characters or '#', and at most MaxTenantIDBytes
// long. The error wraps ErrInvalidTenant.
func ValidateTenantID(id string) error {
	if err := checkPart(id, MaxTenantIDBytes, true); err != "" {
		return fmt.Errorf("%w %s: %s", ErrInvalidTenant, quote(id), err)
	}
	return nil
}

// ValidatePrefix reports whether prefix may be a sort-key prefix: non-empty,
// valid UTF-8, without control characters or '#', and short enough to leave
// room for an ID in the sort key. The error wraps ErrInvalidPrefix.
func ValidatePrefix(prefix string) error {
	if err := checkPart(prefix, MaxSortKeyBytes-len(Separator)-1, true); err != "" {
		return fmt.Errorf("%w %s: %s", ErrInvalidPrefix, quote(prefix), err)
	}
	return nil
}

// ValidateID reports whether id may be the ID of an entity whose type has
// the given (valid) prefix: non-empty, valid UTF-8, without '#', and short
// enough that the sort key fits MaxSortKeyBytes. The error wraps ErrInvalidID.
func ValidateID(prefix, id string) error {
	if err := checkPart(id, MaxSortKeyBytes-len(prefix)-len(Separator), false); err != "" {
		return fmt.Errorf("%w %s for %q: %s", ErrInvalidID, quote(id), prefix, err)
	}
	return nil
}

// checkPart applies the rules shared by every key part and returns what is
// wrong, or "". The tenant ID is checked on every repository call (see
// tenantctx.FromContext), so the checks are byte loops: in valid UTF-8 the
// control characters are the bytes 0x00-0x1F and 0x7F (C0, DEL) and the
// pairs 0xC2 0x80-0x9F (C1, U+0080-U+009F), which unicode.IsControl lists.
func checkPart(s string, maxBytes int, noControl bool) string {
	switch {
	case s == "":
		return "empty"
	case len(s) > maxBytes:
		return fmt.Sprintf("%d bytes, more than %d", len(s), maxBytes)
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case strings.Contains(s, Separator):
		return "contains " + strings.TrimSpace(Separator)
	}
	if noControl {
		for i, c := range []byte(s) {
			if controlByte[c] && (c != 0xc2 || s[i+1] < 0xa0) {
				return "contains a control character"
			}
		}
	}
	return ""
}

// controlByte marks the bytes that are, or may start, a control character
// in valid UTF-8: C0, DEL, and 0xC2, which starts C1 when the next byte is
// below 0xA0 (a valid 0xC2 always has a next byte).
var controlByte = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t[0x7f], t[0xc2] = true, true
	return t
}()

// quote shortens long values so error messages stay readable.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q... (%d bytes)", s[:max], len(s))
	}
	return fmt.Sprintf("%q", s)
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
