package route_test

import (
	"hash/fnv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/conformance"
	"github.com/tenantrepo/tenantrepo/route"
)

// spread places tenants by a hash of their ID: one in three in the pool,
// the others in one of two silo tables.
func spread(silos ...string) func(*route.CatalogOptions) {
	return func(o *route.CatalogOptions) {
		o.Default = func(tenant string) string {
			h := fnv.New32a()
			h.Write([]byte(tenant))
			n := int(h.Sum32() % uint32(len(silos)+1))
			if n == len(silos) {
				return ""
			}
			return silos[n]
		}
	}
}

// newMemoryRouter is a Router over a memory pool and two memory silos,
// placing tenants by spread.
func newMemoryRouter(t *testing.T) backend.Backend {
	t.Helper()
	ctx := t.Context()
	pool := memory.New()
	tables := route.NewMemoryTables(pool, "silo-{tenant}")
	for _, s := range []string{"silo-a", "silo-b"} {
		_, err := tables.Create(ctx, s)
		require.NoError(t, err)
	}
	cat, err := route.NewCatalog(pool, spread("silo-a", "silo-b"))
	require.NoError(t, err)
	r, err := route.New(cat, tables)
	require.NoError(t, err)
	return r
}

// TestConformanceMemory runs the conformance suite on a Router over memory
// tables: a pool and two silos, tenants spread among them.
func TestConformanceMemory(t *testing.T) {
	conformance.RunHarness(t, conformance.Harness{
		NewBackend:   newMemoryRouter,
		Capabilities: conformance.Contract &^ conformance.SharedTable,
	})
}
