package route_test

import (
	"context"
	"errors"
	"hash/fnv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/conformance"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
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

// lazyTables create a silo table the first time it is opened, so that a
// conformance case on DynamoDB Local makes only the tables of the tenants
// it uses, and delete them when the test ends.
type lazyTables struct {
	*route.DynamoDBTables
	t      *testing.T
	client *dynamodb.Client
	mu     sync.Mutex
	made   map[string]bool
}

func (l *lazyTables) Open(ctx context.Context, table string) (backend.Backend, error) {
	b, err := l.DynamoDBTables.Open(ctx, table)
	if !errors.Is(err, route.ErrNoTable) {
		return b, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.made[table] {
		l.made[table] = true
		dynamotest.DeleteTableOnCleanup(l.t, l.client, table)
	}
	return l.Create(ctx, table)
}

// newDynamoDBRouter is a Router over DynamoDB Local: a pool table and two
// silo tables made like it (Tables.Create) when first used, placing
// tenants by spread.
func newDynamoDBRouter(t *testing.T) backend.Backend {
	t.Helper()
	client := dynamotest.Client(t)
	pool := dynamotest.NewTable(t)
	tables, err := route.NewDynamoDBTables(client, pool, pool.Table()+"-{tenant}")
	require.NoError(t, err)
	cat, err := route.NewCatalog(pool, spread(pool.Table()+"-sa", pool.Table()+"-sb"))
	require.NoError(t, err)
	r, err := route.New(cat, &lazyTables{DynamoDBTables: tables, t: t, client: client, made: map[string]bool{}})
	require.NoError(t, err)
	return r
}

// dynamoDBCases picks the conformance cases TestConformanceDynamoDB runs:
// with the build tag long, all of them (long_test.go); else those about
// routing and isolation, as every case makes up to three tables (the
// memory run, TestConformanceMemory, runs every case).
var dynamoDBCases = func(name string) bool {
	for _, c := range []string{
		"Backend/PutGetRoundTrip", "Backend/BatchRoundTrip", "Backend/TxReasons", "Backend/IndexSparse",
		"Backend/Update", "Backend/Delete", "Backend/PutConditions",
		"Isolation/Tenants", "Isolation/WritesStayInTenant", "Isolation/HostileContextTenant",
		"Tx/StaysInTenant", "Tx/AtomicAcrossTypes", "Index/TenantsNeverMix", "Batch/BadInputWritesNothing",
	} {
		if strings.HasPrefix(name, c) {
			return true
		}
	}
	return false
}

// TestConformanceDynamoDB runs the conformance suite on a Router over
// DynamoDB Local tables: a pool and two silos, tenants spread among them.
func TestConformanceDynamoDB(t *testing.T) {
	conformance.RunHarness(t, conformance.Harness{
		NewBackend:   newDynamoDBRouter,
		Capabilities: conformance.Contract &^ conformance.SharedTable,
		Select:       dynamoDBCases,
	})
}
