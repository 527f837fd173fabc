package entity_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/entity"
)

func TestValidateTenantID(t *testing.T) {
	valid := []string{"a", "A", "acme", "ä", "テナント", "a b", strings.Repeat("t", entity.MaxTenantIDBytes)}
	for _, id := range valid {
		assert.NoError(t, entity.ValidateTenantID(id), "%q", id)
	}
	invalid := []string{"", "a#b", "#", "tab\t", "\x00", "\u0085", string([]byte{0xff}), strings.Repeat("t", entity.MaxTenantIDBytes+1)}
	for _, id := range invalid {
		assert.ErrorIs(t, entity.ValidateTenantID(id), entity.ErrInvalidTenant, "%q", id)
	}
	// The longest tenant ID makes a partition key of exactly the limit.
	assert.Len(t, entity.PartitionKey(strings.Repeat("t", entity.MaxTenantIDBytes)), entity.MaxPartitionKeyBytes)
}

func TestValidateID(t *testing.T) {
	longest := strings.Repeat("x", entity.MaxSortKeyBytes-len("user#"))
	for _, id := range []string{"1", "a-b", "日本", "with space", "tab\t", longest} {
		assert.NoError(t, entity.ValidateID("user", id), "%q", id)
	}
	assert.Len(t, entity.SortKey("user", longest), entity.MaxSortKeyBytes)
	for _, id := range []string{"", "a#b", "#", string([]byte{0xc3, 0x28}), longest + "x"} {
		err := entity.ValidateID("user", id)
		assert.ErrorIs(t, err, entity.ErrInvalidID, "%q", id)
	}
	// The limit depends on the prefix.
	assert.ErrorIs(t, entity.ValidateID("users", longest), entity.ErrInvalidID)
}

func TestValidatePrefix(t *testing.T) {
	for _, p := range []string{"user", "order", "users", "u"} {
		assert.NoError(t, entity.ValidatePrefix(p))
	}
	for _, p := range []string{"", "a#b", "#", "\n", string([]byte{0xff}), strings.Repeat("p", entity.MaxSortKeyBytes)} {
		assert.ErrorIs(t, entity.ValidatePrefix(p), entity.ErrInvalidPrefix, "%q", p)
	}
}

func TestKeysRoundTrip(t *testing.T) {
	sk := entity.SortKey("user", "42")
	require.Equal(t, "user#42", sk)
	prefix, id, ok := entity.ParseSortKey(sk)
	require.True(t, ok)
	assert.Equal(t, "user", prefix)
	assert.Equal(t, "42", id)
	for _, bad := range []string{"user", "user#", "#42", "user#4#2", ""} {
		_, _, ok := entity.ParseSortKey(bad)
		assert.False(t, ok, "%q", bad)
	}
	pk := entity.PartitionKey("acme")
	require.Equal(t, "tenant#acme", pk)
	tenant, ok := entity.ParsePartitionKey(pk)
	require.True(t, ok)
	assert.Equal(t, "acme", tenant)
	for _, bad := range []string{"acme", "tenant#", "tenant#a#b", "Tenant#acme"} {
		_, ok := entity.ParsePartitionKey(bad)
		assert.False(t, ok, "%q", bad)
	}
}

func TestErrorMessagesStartWithPackage(t *testing.T) {
	for _, err := range []error{entity.ValidateTenantID(""), entity.ValidateID("user", ""), entity.ValidatePrefix("")} {
		assert.True(t, strings.HasPrefix(err.Error(), "entity: "), err.Error())
	}
	long := entity.ValidateTenantID(strings.Repeat("#", 5000)).Error()
	assert.Less(t, len(long), 200, "long IDs are shortened in messages")
}

func TestIndexPartitionKeyIsUnambiguous(t *testing.T) {
	assert.Equal(t, "tenant#acme#order#by-user#42", entity.IndexPartitionKey("acme", "order", "by-user", "42"))
	// Near-collisions of every part give different keys, values with '#'
	// included: the parts before the value cannot hold '#'.
	type tuple struct{ tenant, prefix, index, value string }
	tuples := []tuple{
		{"a", "order", "by-user", "x"},
		{"ab", "order", "by-user", "x"},
		{"a", "orders", "by-user", "x"},
		{"a", "order", "by-users", "x"},
		{"a", "order", "by-user", "x#y"},
		{"a", "order", "by-user", "#x"},
		{"a", "order", "by", "user#x"},
		{"A", "order", "by-user", "x"},
	}
	seen := map[string]tuple{}
	for _, tp := range tuples {
		k := entity.IndexPartitionKey(tp.tenant, tp.prefix, tp.index, tp.value)
		prev, dup := seen[k]
		require.False(t, dup, "%v and %v give one key %q", prev, tp, k)
		seen[k] = tp
		assert.True(t, strings.HasPrefix(k, entity.PartitionKey(tp.tenant)+"#"), "%q starts with the tenant key", k)
	}
}
