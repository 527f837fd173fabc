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

var (
	// ErrInvalidTenant reports a tenant ID that breaks the key rules.
	ErrInvalidTenant = errors.New("entity: invalid tenant ID")
	// ErrInvalidID reports an entity ID that breaks the key rules.
	ErrInvalidID = errors.New("entity: invalid entity ID")
	// ErrInvalidPrefix reports a sort-key prefix that breaks the key rules.
	ErrInvalidPrefix = errors.New("entity: invalid sort-key prefix")
	// ErrInvalidIndex reports a type's indexes that break the rules of
	// Index (see ValidateIndexes).
	ErrInvalidIndex = errors.New("entity: invalid index")
)

// ValidateIndexes reports whether idx may be the indexes of one entity
// type, by the rules Index states: each name non-empty valid UTF-8 without
// '#', each slot from 1 to MaxIndexes, no name or slot used twice, and
// two attributes per index, distinct, non-empty valid UTF-8, and none a
// key attribute of the table or of an index (IsKeyAttribute). It knows
// nothing of the type's fields: package repo checks, besides, that each
// attribute is a field stored as a string. The error wraps
// ErrInvalidIndex.
func ValidateIndexes(idx []Index) error {
	for i, ix := range idx {
		switch {
		case ix.Name == "" || strings.Contains(ix.Name, Separator) || !utf8.ValidString(ix.Name):
			return fmt.Errorf("%w: index name %q must be non-empty UTF-8 without %q", ErrInvalidIndex, ix.Name, Separator)
		case ix.Slot < 1 || ix.Slot > MaxIndexes:
			return fmt.Errorf("%w: index %q: slot %d is not between 1 and %d", ErrInvalidIndex, ix.Name, ix.Slot, MaxIndexes)
		case ix.PartitionAttr == ix.SortAttr:
			return fmt.Errorf("%w: index %q: one attribute %q for partition and sort", ErrInvalidIndex, ix.Name, ix.PartitionAttr)
		}
		for _, a := range []string{ix.PartitionAttr, ix.SortAttr} {
			if a == "" || IsKeyAttribute(a) || !utf8.ValidString(a) {
				return fmt.Errorf("%w: index %q: attribute %q cannot be used", ErrInvalidIndex, ix.Name, a)
			}
		}
		for _, o := range idx[:i] {
			if o.Name == ix.Name || o.Slot == ix.Slot {
				return fmt.Errorf("%w: indexes %q and %q share a name or a slot", ErrInvalidIndex, o.Name, ix.Name)
			}
		}
	}
	return nil
}

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
