package route_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/route"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func item(pk, sk string, kv ...string) backend.Item {
	it := backend.Item{"PK": s(pk), "SK": s(sk)}
	for i := 0; i+1 < len(kv); i += 2 {
		it[kv[i]] = s(kv[i+1])
	}
	return it
}

func key(pk, sk string) backend.Key { return backend.Key{PK: pk, SK: sk} }

func expr(t *testing.T, b expression.Builder) backend.Expressions {
	t.Helper()
	e, err := b.Build()
	require.NoError(t, err)
	ex := backend.Expressions{Names: e.Names(), Values: e.Values()}
	if c := e.Condition(); c != nil {
		ex.Condition = *c
	}
	if u := e.Update(); u != nil {
		ex.Update = *u
	}
	return ex
}

// fixture is a Router over a pool and the silo table "silo-x" (on
// DynamoDB, the pool's name and "-x"), with a catalog that keeps no cache,
// so each test sees its changes of placement at once.
type fixture struct {
	pool, silo backend.Backend
	siloName   string
	tables     route.Tables
	cat        *route.Catalog
	r          *route.Router
}

func newFixture(t *testing.T, optFns ...func(*route.Options)) *fixture {
	t.Helper()
	pool := memory.New()
	return newFixtureOn(t, pool, route.NewMemoryTables(pool, "silo-{tenant}"), "silo-x", optFns...)
}

func newDynamoDBFixture(t *testing.T, optFns ...func(*route.Options)) *fixture {
	t.Helper()
	client := dynamotest.Client(t)
	pool := dynamotest.NewTable(t)
	tables, err := route.NewDynamoDBTables(client, pool, pool.Table()+"-{tenant}")
	require.NoError(t, err)
	dynamotest.DeleteTableOnCleanup(t, client, pool.Table()+"-x")
	return newFixtureOn(t, pool, tables, pool.Table()+"-x", optFns...)
}

func newFixtureOn(t *testing.T, pool backend.Backend, tables route.Tables, silo string, optFns ...func(*route.Options)) *fixture {
	t.Helper()
	f := &fixture{pool: pool, tables: tables, siloName: silo}
	var err error
	f.silo, err = tables.Create(t.Context(), silo)
	require.NoError(t, err)
	f.cat, err = route.NewCatalog(pool, func(o *route.CatalogOptions) { o.MaxStale = -1 })
	require.NoError(t, err)
	f.r, err = route.New(f.cat, tables, optFns...)
	require.NoError(t, err)
	return f
}

// onBoth runs test on a memory fixture and on a DynamoDB Local one.
func onBoth(t *testing.T, test func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture)) {
	t.Run("memory", func(t *testing.T) { test(t, newFixture) })
	t.Run("dynamodb", func(t *testing.T) { test(t, newDynamoDBFixture) })
}

// count returns how many items the partition pk of b holds.
func count(t *testing.T, b backend.Backend, pk string) int {
	t.Helper()
	out, err := b.Query(context.Background(), backend.QueryInput{PK: pk, Limit: 1000, ConsistentRead: true})
	require.NoError(t, err)
	return len(out.Items)
}

// startMove records a move of tenant from the pool to "silo-x" in phase.
func (f *fixture) startMove(t *testing.T, tenant string, phase route.Phase) route.Placement {
	t.Helper()
	p, err := f.cat.LookupFresh(t.Context(), tenant)
	require.NoError(t, err)
	p.Move = &route.Move{ID: "m", From: "", To: f.siloName, Phase: phase}
	p, err = f.cat.Put(t.Context(), p)
	require.NoError(t, err)
	return p
}

// fence writes the tenant's fence items into the pool.
func (f *fixture) fence(t *testing.T, tenant string) {
	t.Helper()
	for i := range route.FenceShards {
		k := route.FenceKey(tenant, i)
		require.NoError(t, f.pool.Put(t.Context(), backend.PutInput{Item: k.Item()}))
	}
}

// switchTo records the move as switched to the silo.
func (f *fixture) switchTo(t *testing.T, p route.Placement) route.Placement {
	t.Helper()
	p.Table = f.siloName
	p.Move.Phase = route.PhaseSwitched
	p, err := f.cat.Put(context.Background(), p)
	require.NoError(t, err)
	return p
}

func has(t *testing.T, b backend.Backend, k backend.Key) bool {
	t.Helper()
	_, err := b.Get(context.Background(), backend.GetInput{Key: k, ConsistentRead: true})
	if errors.Is(err, backend.ErrNotFound) {
		return false
	}
	require.NoError(t, err)
	return true
}

func TestRouterSendsToTenantTable(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	_, err := f.cat.Put(ctx, route.Placement{Tenant: "big", Table: f.siloName})
	require.NoError(t, err)
	require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#big", "u#1", "v", "big")}))
	require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#small", "u#1", "v", "small")}))
	assert.True(t, has(t, f.silo, key("tenant#big", "u#1")))
	assert.False(t, has(t, f.pool, key("tenant#big", "u#1")))
	assert.True(t, has(t, f.pool, key("tenant#small", "u#1")))
	assert.False(t, has(t, f.silo, key("tenant#small", "u#1")))

	got, err := f.r.Get(ctx, backend.GetInput{Key: key("tenant#big", "u#1")})
	require.NoError(t, err)
	assert.Equal(t, s("big"), got["v"])
}

// TestRouterIsolation: requests across tenants, or outside tenant
// partitions, are refused with nothing read or written; an index query
// goes to the table of the tenant whose index partition it reads.
func TestRouterIsolation(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	_, err := f.cat.Put(ctx, route.Placement{Tenant: "b", Table: f.siloName})
	require.NoError(t, err)

	refused := func(t *testing.T, err error) {
		t.Helper()
		require.ErrorIs(t, err, route.ErrCrossTenant)
		require.ErrorIs(t, err, backend.ErrInvalidArgument)
		require.Equal(t, backend.KindInvalidArgument, backend.KindOf(err))
	}
	t.Run("mixed batch write", func(t *testing.T) {
		_, err := f.r.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
			{Put: item("tenant#a", "u#1")}, {Put: item("tenant#b", "u#1")},
		}})
		refused(t, err)
	})
	t.Run("mixed batch get", func(t *testing.T) {
		_, err := f.r.BatchGet(ctx, backend.BatchGetInput{Keys: []backend.Key{key("tenant#a", "u#1"), key("tenant#b", "u#1")}})
		refused(t, err)
	})
	t.Run("mixed transaction", func(t *testing.T) {
		err := f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
			{Kind: backend.TxPut, Item: item("tenant#a", "u#2")},
			{Kind: backend.TxDelete, Key: key("tenant#b", "u#2")},
		}})
		refused(t, err)
	})
	t.Run("catalog and other partitions", func(t *testing.T) {
		for _, pk := range []string{route.CatalogPartition, "tenant#", "tenant#a#x", "junk", ""} {
			_, err := f.r.Get(ctx, backend.GetInput{Key: key(pk, "a")})
			refused(t, err)
			refused(t, f.r.Put(ctx, backend.PutInput{Item: item(pk, "a")}))
			_, err = f.r.Update(ctx, backend.UpdateInput{Key: key(pk, "a"), Expr: expr(t, expression.NewBuilder().WithUpdate(expression.Set(expression.Name("v"), expression.Value("x"))))})
			refused(t, err)
			refused(t, f.r.Delete(ctx, backend.DeleteInput{Key: key(pk, "a")}))
			_, err = f.r.Query(ctx, backend.QueryInput{PK: pk, Limit: 10})
			refused(t, err)
		}
		// The catalog holds b's placement, which no request reaches.
		_, err := f.r.Get(ctx, backend.GetInput{Key: key(route.CatalogPartition, "b")})
		refused(t, err)
	})
	t.Run("fence items", func(t *testing.T) {
		refused(t, f.r.Put(ctx, backend.PutInput{Item: route.FenceKey("a", 3).Item()}))
		refused(t, f.r.Delete(ctx, backend.DeleteInput{Key: route.FenceKey("a", 0)}))
	})
	t.Run("index queries", func(t *testing.T) {
		for _, pk := range []string{"tenant#a", "tenant#", "junk", "tenant#a#", "tenant##x"} {
			_, err := f.r.Query(ctx, backend.QueryInput{Index: "GSI1", PK: pk, Limit: 10})
			refused(t, err)
		}
		// a plants an item in b's index partition, in a's table (the pool).
		bIPK := "tenant#b#user#by-x#v"
		require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#9", "GSI1PK", bIPK, "GSI1SK", "s")}))
		require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#b", "u#9", "GSI1PK", bIPK, "GSI1SK", "s")}))
		out, err := f.r.Query(ctx, backend.QueryInput{Index: "GSI1", PK: bIPK, Limit: 10})
		require.NoError(t, err)
		require.Len(t, out.Items, 1, "b's index partition is read in b's table")
		assert.Equal(t, s("tenant#b"), out.Items[0]["PK"])
	})
	// Nothing was written by the refused requests.
	for _, b := range []*memory.Store{f.pool.(*memory.Store), f.silo.(*memory.Store)} {
		for _, it := range b.Snapshot() {
			k, _ := backend.KeyOf(it)
			assert.Contains(t, []string{"u#9", "b"}, k.SK, "%s/%s", k.PK, k.SK)
		}
	}
}

func TestFenceWritesBeforePause(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t)
		ctx := t.Context()
		require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#1", "v", "old")}))
		f.startMove(t, "a", route.PhaseCopy)

		// Writes go to the source, fenced, and behave as without a fence.
		require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#2", "v", "two")}))
		assert.True(t, has(t, f.pool, key("tenant#a", "u#2")))

		upd := expr(t, expression.NewBuilder().WithUpdate(expression.Set(expression.Name("v"), expression.Value("new"))).
			WithCondition(expression.Name("v").Equal(expression.Value("old"))))
		got, err := f.r.Update(ctx, backend.UpdateInput{Key: key("tenant#a", "u#1"), Expr: upd})
		require.NoError(t, err)
		assert.Equal(t, item("tenant#a", "u#1", "v", "new"), got, "Update under a fence returns the item")

		// The action's own condition fails: ConditionFailedError with the item.
		_, err = f.r.Update(ctx, backend.UpdateInput{Key: key("tenant#a", "u#1"), Expr: upd})
		var cf *backend.ConditionFailedError
		require.ErrorAs(t, err, &cf)
		assert.Equal(t, item("tenant#a", "u#1", "v", "new"), cf.Item)
		notExists := expr(t, expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("PK"))))
		err = f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#1", "v", "x"), Expr: notExists})
		require.ErrorAs(t, err, &cf)
		assert.Equal(t, item("tenant#a", "u#1", "v", "new"), cf.Item)
		err = f.r.Delete(ctx, backend.DeleteInput{Key: key("tenant#a", "u#404"), Expr: expr(t, expression.NewBuilder().WithCondition(expression.AttributeExists(expression.Name("PK"))))})
		require.ErrorAs(t, err, &cf)
		assert.Nil(t, cf.Item)

		require.NoError(t, f.r.Delete(ctx, backend.DeleteInput{Key: key("tenant#a", "u#2")}))
		assert.False(t, has(t, f.pool, key("tenant#a", "u#2")))

		out, err := f.r.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
			{Put: item("tenant#a", "b#1")}, {Put: item("tenant#a", "b#2")}, {Delete: &backend.Key{PK: "tenant#a", SK: "u#1"}},
		}})
		require.NoError(t, err)
		assert.Empty(t, out.Unprocessed)
		assert.True(t, has(t, f.pool, key("tenant#a", "b#2")))
		assert.False(t, has(t, f.pool, key("tenant#a", "u#1")))

		// A transaction's reasons are its own actions', without the fence's.
		err = f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
			{Kind: backend.TxPut, Item: item("tenant#a", "t#1")},
			{Kind: backend.TxCheck, Key: key("tenant#a", "b#1"), Expr: expr(t, expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("PK"))))},
		}})
		var tc *backend.TxCanceledError
		require.ErrorAs(t, err, &tc)
		require.Len(t, tc.Reasons, 2)
		assert.Equal(t, backend.KindNone, tc.Reasons[0].Kind)
		assert.Equal(t, backend.KindConditionFailed, tc.Reasons[1].Kind)
		assert.False(t, has(t, f.pool, key("tenant#a", "t#1")))
		require.NoError(t, f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
			{Kind: backend.TxPut, Item: item("tenant#a", "t#1")},
		}}))
		assert.True(t, has(t, f.pool, key("tenant#a", "t#1")))

		// Nothing reached the silo, and other tenants are not fenced.
		assert.Zero(t, count(t, f.silo, "tenant#a"))
	})
}

func TestFencePauseThenErrMoving(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t, func(o *route.Options) { o.PauseWait = 150 * time.Millisecond; o.PollInterval = 10 * time.Millisecond })
		ctx := t.Context()
		f.startMove(t, "a", route.PhasePause)
		f.fence(t, "a")

		before := count(t, f.pool, "tenant#a")
		start := time.Now()
		err := f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#1")})
		waited := time.Since(start)
		require.ErrorIs(t, err, route.ErrMoving)
		require.ErrorIs(t, err, backend.ErrThrottled)
		assert.Equal(t, backend.KindThrottled, backend.KindOf(err))
		assert.GreaterOrEqual(t, waited, 150*time.Millisecond, "the write waits PauseWait")

		_, err = f.r.Update(ctx, backend.UpdateInput{Key: key("tenant#a", "u#1"), Expr: expr(t, expression.NewBuilder().WithUpdate(expression.Set(expression.Name("v"), expression.Value("x"))))})
		require.ErrorIs(t, err, route.ErrMoving)
		require.ErrorIs(t, f.r.Delete(ctx, backend.DeleteInput{Key: key("tenant#a", "u#1")}), route.ErrMoving)
		_, err = f.r.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: item("tenant#a", "u#2")}}})
		require.ErrorIs(t, err, route.ErrMoving)
		require.ErrorIs(t, f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxPut, Item: item("tenant#a", "u#3")}}}), route.ErrMoving)
		assert.Equal(t, before, count(t, f.pool, "tenant#a"), "nothing written")
		assert.Zero(t, count(t, f.silo, "tenant#a"))

		// Other tenants write on.
		require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#b", "u#1")}))

		// A context canceled while waiting ends the wait with its error.
		cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		err = f.r.Put(cctx, backend.PutInput{Item: item("tenant#a", "u#1")})
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestFenceResumesOnNewTableAfterSwitch(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t, func(o *route.Options) { o.PauseWait = 5 * time.Second; o.PollInterval = 5 * time.Millisecond })
		ctx := t.Context()
		p := f.startMove(t, "a", route.PhasePause)
		f.fence(t, "a")

		var big []backend.TxAction // a full transaction: no room for the check
		for i := range backend.MaxTransactActions {
			big = append(big, backend.TxAction{Kind: backend.TxPut, Item: item("tenant#a", fmt.Sprintf("x#%03d", i))})
		}
		writes := map[string]func() error{
			"put": func() error { return f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#1", "v", "1")}) },
			"update": func() error {
				got, err := f.r.Update(ctx, backend.UpdateInput{Key: key("tenant#a", "u#2"), Expr: expr(t, expression.NewBuilder().WithUpdate(expression.Set(expression.Name("v"), expression.Value("2"))))})
				if err == nil && !assert.Equal(t, item("tenant#a", "u#2", "v", "2"), got) {
					return errors.New("update returned another item")
				}
				return err
			},
			"batch": func() error {
				_, err := f.r.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: item("tenant#a", "u#3")}}})
				return err
			},
			"tx": func() error {
				return f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxPut, Item: item("tenant#a", "u#4")}}})
			},
			"full tx": func() error { return f.r.TransactWrite(ctx, backend.TransactInput{Actions: big}) },
		}
		var wg sync.WaitGroup
		errs := make(map[string]error)
		var mu sync.Mutex
		started := make(chan struct{}, len(writes))
		for name, w := range writes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				started <- struct{}{}
				err := w()
				mu.Lock()
				errs[name] = err
				mu.Unlock()
			}()
		}
		for range writes {
			<-started
		}
		time.Sleep(50 * time.Millisecond) // the writes meet the fence and wait
		mu.Lock()
		assert.Empty(t, errs, "no write ends during the pause")
		mu.Unlock()
		f.switchTo(t, p)
		wg.Wait()
		for name, err := range errs {
			assert.NoError(t, err, name)
		}
		for _, sk := range []string{"u#1", "u#2", "u#3", "u#4", "x#000", "x#099"} {
			assert.True(t, has(t, f.silo, key("tenant#a", sk)), "%s in the new table", sk)
			assert.False(t, has(t, f.pool, key("tenant#a", sk)), "%s not in the source", sk)
		}
		// After the switch, writes go to the new table without a fence.
		require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#5")}))
		assert.True(t, has(t, f.silo, key("tenant#a", "u#5")))
	})
}

func TestFenceKeys(t *testing.T) {
	seen := map[string]bool{}
	for i := range route.FenceShards {
		k := route.FenceKey("acme", i)
		assert.Equal(t, "tenant#acme", k.PK)
		assert.Equal(t, fmt.Sprintf("#move#%02d", i), k.SK)
		assert.True(t, route.IsFenceKey(k))
		seen[k.SK] = true
	}
	assert.Len(t, seen, route.FenceShards)
	assert.False(t, route.IsFenceKey(key("tenant#acme", "#move#16")))
	assert.False(t, route.IsFenceKey(key("tenant#acme", "user#1")))
	assert.False(t, route.IsFenceKey(key("catalog", "#move#00")))
	shards := map[int]bool{}
	for i := range 200 {
		n := route.FenceShard(key("tenant#acme", fmt.Sprintf("user#%d", i)))
		require.True(t, n >= 0 && n < route.FenceShards)
		shards[n] = true
	}
	assert.Len(t, shards, route.FenceShards, "writes spread over every shard")
}

// flakyTables are memory tables whose backends cancel the first
// transactions they get for a conflict of the last action (the fence
// check), as DynamoDB does when the mover writes a fence item at the time.
type flakyTables struct {
	*route.MemoryTables
	conflicts int // transactions left to cancel
	mu        sync.Mutex
}

type flakyBackend struct {
	backend.Backend
	t *flakyTables
}

func (f *flakyTables) Open(ctx context.Context, table string) (backend.Backend, error) {
	b, err := f.MemoryTables.Open(ctx, table)
	if err != nil {
		return nil, err
	}
	return flakyBackend{b, f}, nil
}

func (b flakyBackend) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	b.t.mu.Lock()
	defer b.t.mu.Unlock()
	if b.t.conflicts > 0 {
		b.t.conflicts--
		reasons := make([]backend.TxReason, len(in.Actions))
		reasons[len(reasons)-1] = backend.TxReason{Kind: backend.KindConflict, Code: "TransactionConflict"}
		return &backend.TxCanceledError{Reasons: reasons}
	}
	return b.Backend.TransactWrite(ctx, in)
}

func TestFenceConflictsRetried(t *testing.T) {
	pool := memory.New()
	tables := &flakyTables{MemoryTables: route.NewMemoryTables(pool, "silo-{tenant}")}
	f := newFixtureOn(t, pool, tables, "silo-x")
	ctx := t.Context()
	f.startMove(t, "a", route.PhaseCopy)

	tables.conflicts = 2 // a few conflicts: retried, the write lands
	require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#1")}))
	assert.True(t, has(t, pool, key("tenant#a", "u#1")))
	assert.Zero(t, tables.conflicts)

	tables.conflicts = 100 // conflicts that do not end: ErrConflict, nothing written
	err := f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#2")})
	require.ErrorIs(t, err, backend.ErrConflict)
	assert.Equal(t, backend.KindConflict, backend.KindOf(err))
	assert.False(t, has(t, pool, key("tenant#a", "u#2")))
	assert.Greater(t, tables.conflicts, 90, "a few retries, not a hundred")
}

// TestFenceErrorKinds: a fenced write's other failures keep their kind.
func TestFenceErrorKinds(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.startMove(t, "a", route.PhaseCatchup)
	big := item("tenant#a", "u#big", "v", strings.Repeat("x", 400*1024))
	err := f.r.Put(ctx, backend.PutInput{Item: big})
	require.ErrorIs(t, err, backend.ErrItemTooLarge)
	_, err = f.r.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: big}}})
	require.ErrorIs(t, err, backend.ErrItemTooLarge)
	assert.False(t, has(t, f.pool, key("tenant#a", "u#big")))
}
