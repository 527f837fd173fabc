package entity_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/entity"
)

// TestLayout pins the table layout as it goes over the wire: the names and
// formats below are what stored items hold, so they may not change.
func TestLayout(t *testing.T) {
	assert.Equal(t, "PK", entity.PartitionKeyName)
	assert.Equal(t, "SK", entity.SortKeyName)
	assert.Equal(t, "tenant#acme", entity.PartitionKey("acme"))
	assert.Equal(t, "user#42", entity.SortKey("user", "42"))
	assert.Equal(t, "user#", entity.SortKeyPrefix("user"))
	assert.Equal(t, "user$", entity.SortKeyEnd("user"))
	assert.Equal(t, "tenant#acme#order#by-user#42", entity.IndexPartitionKey("acme", "order", "by-user", "42"))
	for n := 1; n <= entity.MaxIndexes; n++ {
		name := entity.IndexName(n)
		pk, sk := entity.IndexKeyNames(name)
		assert.Equal(t, []string{"GSI" + string(rune('0'+n)), name + "PK", name + "SK"}, []string{name, pk, sk})
		assert.True(t, entity.IsKeyAttribute(pk))
		assert.True(t, entity.IsKeyAttribute(sk))
	}
	assert.Equal(t, []string{"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "GSI4PK", "GSI4SK", "GSI5PK", "GSI5SK"},
		entity.KeyAttributes())
	for _, s := range []string{"pk", "GSI6PK", "GSI0SK", "GSI1", "x"} {
		assert.False(t, entity.IsKeyAttribute(s), s)
	}
}

// TestTenant: a Tenant is made only from a valid ID and gives the same keys
// as the functions of the layout.
func TestTenant(t *testing.T) {
	ten, err := entity.NewTenant("acme")
	assert.NoError(t, err)
	assert.Equal(t, "acme", ten.ID())
	assert.Equal(t, entity.PartitionKey("acme"), ten.PartitionKey())
	assert.Equal(t, entity.IndexPartitionKey("acme", "order", "by-user", "a#b"), ten.IndexPartitionKey("order", "by-user", "a#b"))
	for _, id := range []string{"", "a#b", "\xff", "a\nb", strings.Repeat("t", entity.MaxTenantIDBytes+1)} {
		ten, err := entity.NewTenant(id)
		assert.ErrorIs(t, err, entity.ErrInvalidTenant, "%q", id)
		assert.Equal(t, entity.Tenant{}, ten)
	}
}

// TestSortKeyBounds: the range from SortKeyPrefix to SortKeyEnd holds every
// sort key of the type and none of another, and no index sort key is
// outside IndexSortKeyBounds.
func TestSortKeyBounds(t *testing.T) {
	lo, hi := entity.SortKeyPrefix("user"), entity.SortKeyEnd("user")
	for _, sk := range []string{"user#1", "user#\U0010FFFF", "user#" + strings.Repeat("\xff", 10)} {
		assert.True(t, lo <= sk && sk < hi, sk)
	}
	for _, sk := range []string{"users#1", "use#1", "user", "user$", "userA#1"} {
		assert.False(t, lo <= sk && sk < hi, sk)
	}
	min, max := entity.IndexSortKeyBounds()
	assert.Equal(t, entity.MaxSortKeyBytes, len(max))
	for _, v := range []string{"\x00", "\x01", "a", strings.Repeat("\U0010FFFF", entity.MaxSortKeyBytes/4)} {
		assert.True(t, min <= v && v <= max, "%q", v)
	}
}

func TestInIndexPartition(t *testing.T) {
	acme, err := entity.NewTenant("acme")
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]bool{
		entity.IndexPartitionKey("acme", "order", "by-user", "u1"):      true,
		entity.IndexPartitionKey("acme", "order", "by-user", ""):        true,
		entity.IndexPartitionKey("acme-corp", "order", "by-user", "u1"): false,
		"tenant#acme":   false,
		"tenant#acme#":  false,
		"tenant#acm#x":  false,
		"tenant#ACME#x": false,
		"":              false,
	} {
		if got := acme.OwnsIndexPartitionKey(v); got != want {
			t.Errorf("OwnsIndexPartitionKey(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestParseIndexPartitionKey: the tenant of every index partition key
// IndexPartitionKey builds comes back, and keys of no tenant, or of a
// tenant only by prefix, are refused.
func TestParseIndexPartitionKey(t *testing.T) {
	for _, id := range []string{"acme", "acme-corp", "Acme", "a", strings.Repeat("x", entity.MaxTenantIDBytes-40)} {
		v := entity.IndexPartitionKey(id, "user", "GSI1", "v")
		got, ok := entity.ParseIndexPartitionKey(v)
		assert.True(t, ok, v)
		assert.Equal(t, id, got)
	}
	for _, v := range []string{"", "tenant#", "tenant#acme", "tenant#acme#", "catalog#acme#x", "tenant##x", "acme#x", "tenant#\xff#x"} {
		_, ok := entity.ParseIndexPartitionKey(v)
		assert.False(t, ok, "%q", v)
	}
}
