package route_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/route"
)

func TestNameTemplate(t *testing.T) {
	tables := route.NewMemoryTables(memory.New(), "app-silo-{tenant}")
	for id, want := range map[string]string{
		"acme":      "app-silo-acme",
		"Acme-9":    "app-silo-Acme-9",
		"a.b":       "app-silo-a.2eb",
		"a_b":       "app-silo-a.5fb",
		"a b":       "app-silo-a.20b",
		"é":         "app-silo-.c3.a9",
		"x":         "app-silo-x",
		".2e":       "app-silo-.2e2e",
		"tenant/42": "app-silo-tenant.2f42",
	} {
		got, err := tables.Name(id)
		require.NoError(t, err, id)
		assert.Equal(t, want, got, id)
		assert.True(t, route.ValidTableName(got), got)
	}
	_, err := tables.Name("bad#id")
	require.ErrorIs(t, err, entity.ErrInvalidTenant)
	_, err = tables.Name("")
	require.ErrorIs(t, err, entity.ErrInvalidTenant)

	// The longest IDs get a hashed name within 255 characters.
	long := strings.Repeat("é", entity.MaxTenantIDBytes/2)
	name, err := tables.Name(long)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(name), route.MaxTableNameLen)
	assert.Greater(t, len(name), route.MaxTableNameLen-3, "cut only to keep an escape whole")
	assert.Contains(t, name, "_", "the hashed form")
	assert.True(t, route.ValidTableName(name))
	other, err := tables.Name(long[:len(long)-2] + "e")
	require.NoError(t, err)
	assert.NotEqual(t, name, other)

	for _, bad := range []string{
		"app-silo",                            // no placeholder
		"{tenant}-{tenant}",                   // twice
		"{tenant}",                            // names of 1 character
		"a{tenant}",                           // of 2
		"app silo {tenant}",                   // a space
		"app/{tenant}",                        // a slash
		strings.Repeat("a", 200) + "{tenant}", // no room for the hashed form
	} {
		_, err := route.NewMemoryTables(memory.New(), bad).Name("acme")
		require.ErrorIs(t, err, route.ErrInvalidTemplate, bad)
		require.ErrorIs(t, err, backend.ErrInvalidArgument, bad)
	}
	name, err = route.NewMemoryTables(memory.New(), "{tenant}.s").Name("a")
	require.NoError(t, err)
	assert.Equal(t, "a.s", name)
}

// genTenantID generates valid tenant IDs, many of them near each other:
// short IDs of a small alphabet that has the characters the name encoding
// escapes ('.', '_', ' ', '%', non-ASCII), and IDs up to the longest.
func genTenantID() *rapid.Generator[string] {
	alphabet := []rune{'a', 'b', 'A', '0', '-', '.', '_', ' ', '%', 'é', 'e', '日', '😀', '\u00a0', '~'}
	short := rapid.Custom(func(t *rapid.T) string {
		rs := rapid.SliceOfN(rapid.SampledFrom(alphabet), 1, 12).Draw(t, "runes")
		return string(rs)
	})
	long := rapid.Custom(func(t *rapid.T) string {
		r := rapid.SampledFrom(alphabet).Draw(t, "fill")
		n := rapid.IntRange(60, entity.MaxTenantIDBytes/utf8.RuneLen(r)).Draw(t, "n")
		tail := rapid.SliceOfN(rapid.SampledFrom(alphabet), 0, 3).Draw(t, "tail")
		id := strings.Repeat(string(r), n) + string(tail)
		for len(id) > entity.MaxTenantIDBytes {
			_, size := utf8.DecodeLastRuneInString(id)
			id = id[:len(id)-size]
		}
		return id
	})
	any := rapid.StringMatching(`[^#\x00-\x1f\x7f]{1,40}`)
	return rapid.OneOf(short, long, any).Filter(func(id string) bool { return entity.ValidateTenantID(id) == nil })
}

// TestNameValidAndCollisionFree: for any two valid tenant IDs, Name gives
// valid DynamoDB table names, and different names for different IDs.
func TestNameValidAndCollisionFree(t *testing.T) {
	tables := route.NewMemoryTables(memory.New(), "t.{tenant}-x")
	rapid.Check(t, func(t *rapid.T) {
		a := genTenantID().Draw(t, "a")
		b := genTenantID().Draw(t, "b")
		na, err := tables.Name(a)
		if err != nil {
			t.Fatalf("Name(%q): %v", a, err)
		}
		nb, err := tables.Name(b)
		if err != nil {
			t.Fatalf("Name(%q): %v", b, err)
		}
		for _, n := range []string{na, nb} {
			if !route.ValidTableName(n) {
				t.Fatalf("invalid table name %q", n)
			}
		}
		if (a == b) != (na == nb) {
			t.Fatalf("ids %q and %q give names %q and %q", a, b, na, nb)
		}
	})
}

func TestValidTableName(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "a_b.c-D9": true, strings.Repeat("a", 255): true,
		"ab": false, strings.Repeat("a", 256): false, "a b": false, "a#b": false, "é12": false, "": false,
	} {
		assert.Equal(t, want, route.ValidTableName(name), name)
	}
}
