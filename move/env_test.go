package move

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Rec is the entity of the tests: each writer owns a set of IDs, so the
// final value of each is known.
type Rec struct {
	ID     string `dynamodbav:"rec_id"`
	Owner  string `dynamodbav:"owner"` // the tenant that wrote it
	Writer int    `dynamodbav:"writer"`
	Seq    int64  `dynamodbav:"seq"`
	Pad    string `dynamodbav:"pad,omitempty"`
}

func (Rec) EntityPrefix() string     { return "rec" }
func (r Rec) EntityID() string       { return r.ID }
func (r *Rec) SetEntityID(id string) { r.ID = id }

// The tenants of the tests: moving moves, bystander stays in the pool.
const (
	moving    = "mover"
	bystander = "bystander"
)

// Test timings: short, so that the moves' waits are short.
const (
	testMaxStale = 150 * time.Millisecond
	testSettle   = 100 * time.Millisecond
)

// testWriteTimeout is the routers' and movers' WriteTimeout on backend
// kind: short, so that the moves' waits are short, and longer than a
// write of the tests usually takes (DynamoDB Local under the race detector
// on a loaded machine is slower). The load's writers send again a write
// that was given up.
func testWriteTimeout(kind string) time.Duration {
	if kind == "memory" {
		return 200 * time.Millisecond
	}
	return time.Second
}

// env is a pool table, the silo tables, a catalog for the moving and
// routers for the application, on memory or DynamoDB Local.
type env struct {
	name   string // "memory" or "dynamodb"
	tables route.Tables
	cat    *route.Catalog // the moving's
	silo   string         // the moving tenant's silo table name
	// routers are the application's, each with a catalog (and a cache)
	// of its own.
	routers []*route.Router
}

// newEnv returns an env on backend kind ("memory" or "dynamodb") with n
// routers whose writes wait pauseWait during a pause.
func newEnv(t *testing.T, kind string, n int, pauseWait time.Duration) *env {
	t.Helper()
	e := &env{name: kind}
	switch kind {
	case "memory":
		pool := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
		e.tables = route.NewMemoryTables(pool, "silo-{tenant}")
	case "dynamodb":
		pool := dynamotest.NewFeedTable(t)
		client := dynamotest.Client(t)
		tables, err := route.NewDynamoDBTables(client, pool, pool.Table()+"-silo-{tenant}")
		require.NoError(t, err)
		e.tables = tables
		name, err := tables.Name(moving)
		require.NoError(t, err)
		deleteIfMade(t, client, name)
	default:
		t.Fatalf("backend %q", kind)
	}
	var err error
	e.silo, err = e.tables.Name(moving)
	require.NoError(t, err)
	e.cat = e.newCatalog(t)
	for range n {
		r, err := route.New(e.newCatalog(t), e.tables, func(o *route.Options) { o.PauseWait = pauseWait })
		require.NoError(t, err)
		e.routers = append(e.routers, r)
	}
	return e
}

func (e *env) newCatalog(t *testing.T) *route.Catalog {
	t.Helper()
	c, err := route.NewCatalog(e.tables.Pool(), func(o *route.CatalogOptions) {
		o.MaxStale, o.WriteTimeout = testMaxStale, testWriteTimeout(e.name)
	})
	require.NoError(t, err)
	return c
}

func (e *env) config() Config { return Config{Catalog: e.cat, Tables: e.tables} }

// deleteIfMade deletes the table name when the test ends, if it exists.
func deleteIfMade(t *testing.T, client *dynamodb.Client, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			t.Errorf("delete table %s: %v", name, err)
		}
	})
}

// testOptions are the options of the tests' moves.
func testOptions(more ...func(*Options)) []func(*Options) {
	return append([]func(*Options){func(o *Options) { o.Settle = testSettle }}, more...)
}

func tctx(tenant string) context.Context {
	return tenantctx.MustWithTenant(context.Background(), tenant)
}

// seed writes n records of tenant into the pool directly, with IDs
// s-00000, ..., and returns them by ID.
func seed(t *testing.T, e *env, tenant string, n int) map[string]Rec {
	t.Helper()
	recs := repo.MustNew[Rec](e.tables.Pool())
	out := make(map[string]Rec, n)
	var batch []Rec
	for i := range n {
		r := Rec{ID: fmt.Sprintf("s-%05d", i), Owner: tenant, Writer: i % 4, Seq: 0, Pad: strings.Repeat("x", 64)}
		out[r.ID] = r
		batch = append(batch, r)
		if len(batch) == 500 || i == n-1 {
			require.NoError(t, recs.BatchPut(tctx(tenant), batch))
			batch = batch[:0]
		}
	}
	return out
}

// partition returns every item of tenant's partition in b, read directly,
// consistently.
func partition(t *testing.T, b backend.Backend, tenant string) []backend.Item {
	t.Helper()
	var items []backend.Item
	require.NoError(t, readPartition(context.Background(), b, entity.PartitionKey(tenant), 1000, func(page []backend.Item) error {
		items = append(items, page...)
		return nil
	}))
	return items
}

// table opens a table of the env.
func (e *env) table(t *testing.T, name string) backend.Backend {
	t.Helper()
	b, err := e.tables.Open(context.Background(), name)
	require.NoError(t, err)
	return b
}

// requireEmpty checks that table holds nothing of tenant (fence items
// included).
func (e *env) requireEmpty(t *testing.T, name, tenant string) {
	t.Helper()
	b, err := e.tables.Open(context.Background(), name)
	if errors.Is(err, route.ErrNoTable) {
		return
	}
	require.NoError(t, err)
	items := partition(t, b, tenant)
	keys := make([]string, 0, len(items))
	for _, it := range items {
		keys = append(keys, sortKey(it))
	}
	require.Empty(t, keys, "table %q holds items of %s", displayTable(name), tenant)
}

// requirePlacement checks that the catalog puts tenant in table with no
// move.
func (e *env) requirePlacement(t *testing.T, tenant, table string) {
	t.Helper()
	p, err := e.cat.LookupFresh(context.Background(), tenant)
	require.NoError(t, err)
	require.Nil(t, p.Move, "no move is left in the catalog")
	require.Equal(t, table, p.Table)
}

// records returns tenant's records read through the first router.
func (e *env) records(t *testing.T, tenant string) map[string]Rec {
	t.Helper()
	recs := repo.MustNew[Rec](e.routers[0])
	out := map[string]Rec{}
	for r, err := range recs.All(tctx(tenant), repo.ConsistentRead[*repo.PageOptions]) {
		require.NoError(t, err)
		out[r.ID] = r
	}
	return out
}

// requireRecords checks that tenant's records are want, and that the
// table holds them.
func requireRecords(t *testing.T, want, got map[string]Rec) {
	t.Helper()
	if len(want) == len(got) {
		same := true
		for id, w := range want {
			if got[id] != w {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	var diff []string
	for id, w := range want {
		if g, ok := got[id]; !ok {
			diff = append(diff, fmt.Sprintf("%s: missing, want seq %d", id, w.Seq))
		} else if g != w {
			diff = append(diff, fmt.Sprintf("%s: seq %d, want %d", id, g.Seq, w.Seq))
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			diff = append(diff, fmt.Sprintf("%s: extra, seq %d", id, g.Seq))
		}
	}
	slices.Sort(diff)
	if len(diff) > 20 {
		diff = append(diff[:20], fmt.Sprintf("... %d differences in all", len(diff)))
	}
	t.Fatalf("records differ from the model:\n%s", strings.Join(diff, "\n"))
}

// backends are the backends the tests run on: memory, and DynamoDB Local
// when DYNAMODB_ENDPOINT is set (or always, in CI).
func backends(t *testing.T) []string {
	return []string{"memory", "dynamodb"}
}
