package route

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/tenantrepo/tenantrepo/entity"
)

// Table names. DynamoDB takes table names of 3 to 255 characters of
// [a-zA-Z0-9_.-].
const (
	// TenantPlaceholder is the part of a table name template that Name
	// replaces with the tenant's ID, encoded.
	TenantPlaceholder = "{tenant}"
	// MaxTableNameLen and MinTableNameLen bound DynamoDB's table names.
	MaxTableNameLen = 255
	MinTableNameLen = 3
	// hashedLen is the length of the hashed form's suffix: '_' and the
	// SHA-256 of the tenant ID in hex.
	hashedLen = 1 + 2*sha256.Size
)

// ValidTableName reports whether name is a valid DynamoDB table name: 3 to
// 255 characters of a-z, A-Z, 0-9, '_', '.' and '-'.
func ValidTableName(name string) bool {
	if len(name) < MinTableNameLen || len(name) > MaxTableNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !nameChar(name[i]) {
			return false
		}
	}
	return true
}

func nameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// keptChar reports whether the tenant encoding keeps c as it is: lower-case
// letters, digits and '-'. Upper-case letters are escaped, so that the
// names of two tenants differ even ignoring case: DynamoDB's table names
// are case-sensitive, but DynamoDB Local keeps its tables in SQLite, whose
// table names are not (it fails to create "t-acme" next to "t-Acme").
func keptChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// template is a parsed table name template: the text before and after
// the placeholder.
type template struct {
	before, after string
}

// parseTemplate checks a table name template: exactly one TenantPlaceholder,
// every other character valid in a table name, at least 2 of them (so the
// shortest name has 3), and room left for the longest tenant part.
func parseTemplate(t string) (template, error) {
	before, after, ok := strings.Cut(t, TenantPlaceholder)
	switch {
	case !ok:
		return template{}, fmt.Errorf("%w %q: it has no %s", ErrInvalidTemplate, t, TenantPlaceholder)
	case strings.Contains(after, TenantPlaceholder):
		return template{}, fmt.Errorf("%w %q: %s appears more than once", ErrInvalidTemplate, t, TenantPlaceholder)
	case len(before)+len(after) < MinTableNameLen-1:
		return template{}, fmt.Errorf("%w %q: it needs at least %d characters besides %s", ErrInvalidTemplate, t, MinTableNameLen-1, TenantPlaceholder)
	case len(before)+len(after) > MaxTableNameLen-hashedLen-1:
		return template{}, fmt.Errorf("%w %q: longer than %d characters besides %s", ErrInvalidTemplate, t, MaxTableNameLen-hashedLen-1, TenantPlaceholder)
	}
	for _, s := range []string{before, after} {
		for i := 0; i < len(s); i++ {
			if !nameChar(s[i]) {
				return template{}, fmt.Errorf("%w %q: %q may not be in a table name", ErrInvalidTemplate, t, s[i])
			}
		}
	}
	return template{before: before, after: after}, nil
}

// name returns the table name of tenant: the template with the tenant ID
// encoded in place of the placeholder. The encoding keeps the bytes a-z,
// 0-9 and '-' and writes every other byte (upper-case letters too) as '.'
// and two lower-case hex digits, so it is one-to-one, its output has no
// '_' and no upper-case letter, and two tenants' names differ even
// ignoring case.
// When the name would be longer than 255 characters, the encoding is cut
// (at a whole byte's code) to leave room for '_' and the SHA-256 of the ID
// in hex: the '_' tells such names from the others, and two IDs give one
// name only if their SHA-256 hashes are equal.
func (t template) name(tenant string) (string, error) {
	if err := entity.ValidateTenantID(tenant); err != nil {
		return "", fmt.Errorf("route: table name: %w", err)
	}
	room := MaxTableNameLen - len(t.before) - len(t.after)
	var b strings.Builder
	b.WriteString(t.before)
	enc := encodeTenant(tenant)
	if len(enc) > room {
		cut := room - hashedLen
		for cut > 0 && cut < len(enc) && (enc[cut-1] == '.' || cut >= 2 && enc[cut-2] == '.') {
			cut-- // do not split a byte's code
		}
		sum := sha256.Sum256([]byte(tenant))
		enc = enc[:cut] + "_" + hex.EncodeToString(sum[:])
	}
	b.WriteString(enc)
	b.WriteString(t.after)
	return b.String(), nil
}

// encodeTenant encodes a tenant ID for a table name (see template.name).
func encodeTenant(id string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(id))
	for i := 0; i < len(id); i++ {
		c := id[i]
		if keptChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('.')
		b.WriteByte(digits[c>>4])
		b.WriteByte(digits[c&0xf])
	}
	return b.String()
}
