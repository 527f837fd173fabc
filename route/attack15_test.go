package route_test

// Attacks on the router's tenant isolation (issue 15, section 1): hostile
// application code through repositories over a Router, and hostile callers
// of the Router's backend.Backend methods, on memory and DynamoDB Local.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// attackTenants are tenant IDs that differ from one another by as little
// as the key layout allows: case, a suffix, unicode normalisation, the
// names "catalog" and "tenant", and IDs around the catalog's hashed sort
// key (longer than 1024 bytes), cut inside a multibyte character.
func attackTenants() []string {
	long := strings.Repeat("x", entity.MaxTenantIDBytes-1)
	cutAt := entity.MaxSortKeyBytes - 1 - 64 // where the hashed catalog key cuts
	multi := strings.Repeat("y", cutAt-1) + strings.Repeat("é", 40)
	return []string{
		"acme", "Acme", "ACME", "acme-corp", "acmecorp", "acme.", "acme_",
		"caf\u00e9", "cafe\u0301", // NFC and NFD
		"catalog", "tenant", "move", "-",
		strings.Repeat("k", entity.MaxSortKeyBytes),   // the longest plain catalog key
		strings.Repeat("k", entity.MaxSortKeyBytes+1), // the shortest hashed one
		long + "a", long + "b", // one hashed prefix, two hashes
		multi, multi + "z",
	}
}

// TestAttack15TenantClasses: tenants whose IDs differ by as little as
// possible keep their own placements, catalog items, cached placements,
// silo table names (distinct even ignoring case) and items.
func TestAttack15TenantClasses(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t)
		ctx := t.Context()
		tenants := attackTenants()
		cat, err := route.NewCatalog(f.pool) // a cache, to attack it too
		require.NoError(t, err)
		r, err := route.New(cat, f.tables)
		require.NoError(t, err)

		names := map[string]string{}
		for _, id := range tenants {
			n, err := f.tables.Name(id)
			require.NoError(t, err, id)
			folded := strings.ToLower(n)
			require.NotContains(t, names, folded, "tenants %q and %q: table names %q equal but for case", names[folded], id, n)
			names[folded] = id
		}
		// Every second tenant goes to a silo of its own (on DynamoDB Local,
		// the case pair only, to keep the test short).
		silo := map[string]string{}
		for i, id := range tenants {
			// Every tenant is in the catalog, so that catalog items of
			// near IDs meet: the others in the pool, by name.
			_, mem := f.pool.(*memory.Store)
			if (!mem && id != "acme" && id != "Acme" && id != "ACME") || (i%2 == 0 && id != "ACME") {
				_, err := f.cat.Put(ctx, route.Placement{Tenant: id})
				require.NoError(t, err)
				continue
			}
			n, err := f.tables.Name(id)
			require.NoError(t, err)
			_, err = f.tables.Create(ctx, n)
			require.NoError(t, err, "silo of %q", id)
			if _, mem := f.pool.(*memory.Store); !mem {
				dynamotest.DeleteTableOnCleanup(t, dynamotest.Client(t), n)
			}
			_, err = f.cat.Put(ctx, route.Placement{Tenant: id, Table: n})
			require.NoError(t, err)
			silo[id] = n
		}
		for _, id := range tenants {
			pk := entity.PartitionKey(id)
			require.NoError(t, r.Put(ctx, backend.PutInput{Item: item(pk, "u#1", "owner", id)}), id)
		}
		for _, id := range tenants {
			p, err := cat.Lookup(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, id, p.Tenant)
			assert.Equal(t, silo[id], p.Table, "placement of %q", id)
			pk := entity.PartitionKey(id)
			got, err := r.Get(ctx, backend.GetInput{Key: key(pk, "u#1"), ConsistentRead: true})
			require.NoError(t, err)
			assert.Equal(t, s(id), got["owner"])
			out, err := r.Query(ctx, backend.QueryInput{PK: pk, Limit: 100, ConsistentRead: true})
			require.NoError(t, err)
			require.Len(t, out.Items, 1, "%q's partition", id)
			want := f.pool
			if silo[id] != "" {
				want, err = f.tables.Open(ctx, silo[id])
				require.NoError(t, err)
			}
			assert.True(t, has(t, want, key(pk, "u#1")), "%q's item in its own table", id)
		}
		// The catalog lists each placed tenant once.
		seen := map[string]int{}
		cursor := ""
		for {
			ps, next, err := cat.List(ctx, cursor, 3)
			require.NoError(t, err)
			for _, p := range ps {
				seen[p.Tenant]++
			}
			if next == "" {
				break
			}
			cursor = next
		}
		for _, id := range tenants {
			assert.Equal(t, 1, seen[id], id)
		}
		assert.Len(t, seen, len(tenants))
	})
}

// TestAttack15NamesIgnoringCase: table names of tenants whose IDs differ
// only by case differ even ignoring case (DynamoDB Local keeps tables in
// SQLite, whose table names ignore case: it cannot create "t-acme" next
// to "t-Acme").
func TestAttack15NamesIgnoringCase(t *testing.T) {
	tables := route.NewMemoryTables(memory.New(), "App-{tenant}")
	seen := map[string]string{}
	for _, id := range []string{"acme", "Acme", "ACME", "aCME", "a", "A", "é", "É", "z.41", "Z", ".5a", "x41"} {
		n, err := tables.Name(id)
		require.NoError(t, err)
		require.True(t, route.ValidTableName(n), n)
		folded := strings.ToLower(n)
		require.NotContains(t, seen, folded, "%q and %q give %q", seen[folded], id, n)
		seen[folded] = id
	}
}

// TestAttack15BatchWriteBadRequest: a batch write with a request that
// holds both a put and a delete, or neither, is refused with nothing
// written, during a move as without one (the fenced path took the delete
// and dropped the put).
func TestAttack15BatchWriteBadRequest(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t)
		ctx := t.Context()
		for _, fenced := range []bool{false, true} {
			a := fmt.Sprintf("a%v", fenced)
			pk := entity.PartitionKey(a)
			require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item(pk, "u#1", "v", "keep")}))
			if fenced {
				f.startMove(t, a, route.PhaseCopy)
			}
			for _, w := range []backend.WriteRequest{
				{Put: item(pk, "u#2"), Delete: &backend.Key{PK: pk, SK: "u#1"}},
				{Put: item("tenant#b", "u#2"), Delete: &backend.Key{PK: pk, SK: "u#1"}},
				{},
			} {
				_, err := f.r.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: item(pk, "u#3")}, w}})
				require.ErrorIs(t, err, backend.ErrInvalidArgument, "fenced %v", fenced)
				assert.True(t, has(t, f.pool, key(pk, "u#1")), "fenced %v: nothing deleted", fenced)
				assert.False(t, has(t, f.pool, key(pk, "u#2")), "fenced %v", fenced)
				assert.False(t, has(t, f.pool, key(pk, "u#3")), "fenced %v", fenced)
				assert.False(t, has(t, f.pool, key("tenant#b", "u#2")), "fenced %v", fenced)
			}
		}
	})
}

// TestAttack15FencedBatchWriteSize: a batch write DynamoDB takes (25 items
// of up to 400 KB: up to 10 MB) is taken during a move too, although a
// transaction carries at most 4 MB: what does not fit is returned
// unprocessed, and the repository's retry writes it.
func TestAttack15FencedBatchWriteSize(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t)
		ctx := t.Context()
		f.startMove(t, "a", route.PhaseCatchup)
		var writes []backend.WriteRequest
		for i := range 11 { // 4.3 MB
			writes = append(writes, backend.WriteRequest{Put: item("tenant#a", fmt.Sprintf("big#%02d", i), "v", strings.Repeat("x", 390*1024))})
		}
		writes = append(writes, backend.WriteRequest{Delete: &backend.Key{PK: "tenant#a", SK: "gone#1"}})
		in := backend.BatchWriteInput{Writes: writes}
		rounds := 0
		for ; len(in.Writes) > 0; rounds++ {
			require.Less(t, rounds, 5)
			out, err := f.r.BatchWrite(ctx, in)
			require.NoError(t, err)
			require.Less(t, len(out.Unprocessed), len(in.Writes), "progress")
			in.Writes = out.Unprocessed
		}
		assert.Equal(t, 2, rounds, "what does not fit one transaction is left unprocessed")
		for _, sk := range []string{"big#00", "big#09", "big#10"} {
			assert.True(t, has(t, f.pool, key("tenant#a", sk)), sk)
		}

		// A bad write in the part left unprocessed fails the batch first.
		writes[10] = backend.WriteRequest{Put: item("tenant#a", "big#00")} // twice
		_, err := f.r.BatchWrite(ctx, backend.BatchWriteInput{Writes: append([]backend.WriteRequest{{Delete: &backend.Key{PK: "tenant#a", SK: "big#09"}}}, writes...)})
		require.ErrorIs(t, err, backend.ErrInvalidArgument)
		assert.True(t, has(t, f.pool, key("tenant#a", "big#09")), "nothing written")
	})
}

// TestAttack15IndexQueryForeignItems: an index query names one tenant's
// index partition; items another tenant of the same table stored under
// that index key are not returned (the router answers for one tenant).
func TestAttack15IndexQueryForeignItems(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t)
		ctx := t.Context()
		ipk := "tenant#a#user#by-x#v"
		// b and a both in the pool; b plants items in a's index partition.
		for i := range 3 {
			require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#b", fmt.Sprintf("u#%d", i), "GSI1PK", ipk, "GSI1SK", fmt.Sprintf("s%d", i))}))
		}
		require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#9", "GSI1PK", ipk, "GSI1SK", "s9")}))
		for _, shared := range []bool{false, true} {
			var items []backend.Item
			in := backend.QueryInput{Index: "GSI1", PK: ipk, Limit: 2}
			for range 10 {
				var out backend.QueryOutput
				var err error
				if shared {
					out, err = f.r.QueryShared(ctx, in)
				} else {
					out, err = f.r.Query(ctx, in)
				}
				require.NoError(t, err)
				items = append(items, out.Items...)
				if out.LastKey == nil {
					break
				}
				in.StartKey = out.LastKey
			}
			var pks []string
			for _, it := range items {
				pks = append(pks, it["PK"].(*types.AttributeValueMemberS).Value)
			}
			assert.Equal(t, []string{"tenant#a"}, pks, "shared %v", shared)
		}
	})
}

// TestAttack15MissingTable: a tenant whose table is missing (the catalog or
// CatalogOptions.Default names a table no one created) gets an error, not
// "not found": a repository must not report its entities as absent.
func TestAttack15MissingTable(t *testing.T) {
	ctx := t.Context()
	pool := memory.New()
	tables := route.NewMemoryTables(pool, "silo-{tenant}")
	cat, err := route.NewCatalog(pool, func(o *route.CatalogOptions) {
		o.Default = func(tenant string) string {
			if tenant == "lost" {
				return "silo-never-made"
			}
			if tenant == "bad" {
				return "not a table name!"
			}
			return ""
		}
	})
	require.NoError(t, err)
	r, err := route.New(cat, tables)
	require.NoError(t, err)
	notes := repo.MustNew[Note](r)
	for _, tenant := range []string{"lost", "bad"} {
		tctx := tenantctx.MustWithTenant(ctx, tenant)
		_, err = notes.Get(tctx, "1")
		require.Error(t, err)
		assert.NotErrorIs(t, err, repo.ErrNotFound, tenant)
		assert.ErrorIs(t, err, route.ErrNoTable, tenant)
		err = notes.Delete(tctx, "1")
		assert.NotErrorIs(t, err, repo.ErrNotFound, tenant)
		_, err = notes.List(tctx)
		assert.NotErrorIs(t, err, repo.ErrNotFound, tenant)
		assert.ErrorIs(t, err, route.ErrNoTable, tenant)
	}
	assert.Zero(t, pool.Len())
}

// TestAttack15CatalogPutTableNames: the catalog refuses placements whose
// table, or move's tables, are not valid DynamoDB table names.
func TestAttack15CatalogPutTableNames(t *testing.T) {
	ctx := t.Context()
	pool := memory.New()
	cat, err := route.NewCatalog(pool)
	require.NoError(t, err)
	for _, p := range []route.Placement{
		{Tenant: "a", Table: "no spaces"},
		{Tenant: "a", Table: "ab"},
		{Tenant: "a", Table: "silo-a", Move: &route.Move{ID: "m", From: "silo-a", To: "x/y", Phase: route.PhaseCopy}},
		{Tenant: "a", Move: &route.Move{ID: "m", From: "é-table", To: "silo-a", Phase: route.PhaseCopy}},
	} {
		_, err := cat.Put(ctx, p)
		require.ErrorIs(t, err, backend.ErrInvalidArgument, "%+v", p)
	}
	assert.Zero(t, pool.Len())
	_, err = cat.Put(ctx, route.Placement{Tenant: "a", Table: "silo-a", Move: &route.Move{ID: "m", From: "silo-a", To: "", Phase: route.PhaseCopy}})
	require.NoError(t, err)
}

// getFails is a backend whose Get fails with a throttling error, for the
// Get an Update under a fence reads its item with.
type getFails struct {
	backend.Backend
	gets *atomic.Int32
}

func (b getFails) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	if b.gets.Add(-1) >= 0 {
		return nil, fmt.Errorf("test: %w", backend.ErrThrottled)
	}
	return b.Backend.Get(ctx, in)
}

type getFailsTables struct {
	*route.MemoryTables
	gets *atomic.Int32
}

func (t getFailsTables) Open(ctx context.Context, table string) (backend.Backend, error) {
	b, err := t.MemoryTables.Open(ctx, table)
	if err != nil {
		return nil, err
	}
	return getFails{b, t.gets}, nil
}

// TestAttack15UpdateAppliedOnce: an Update under a fence is applied once,
// and when the item cannot be read after it, the error does not invite a
// retry (which would apply it twice): it is not retryable, and says the
// update was applied.
func TestAttack15UpdateAppliedOnce(t *testing.T) {
	ctx := t.Context()
	pool := memory.New()
	gets := &atomic.Int32{}
	tables := getFailsTables{route.NewMemoryTables(pool, "silo-{tenant}"), gets}
	f := newFixtureOn(t, pool, tables, "silo-x")
	f.startMove(t, "a", route.PhaseCopy)
	add := expr(t, expression.NewBuilder().WithUpdate(expression.Add(expression.Name("n"), expression.Value(1))))
	upd := backend.UpdateInput{Key: key("tenant#a", "c#1"), Expr: add}

	gets.Store(2) // the reads after the update fail twice: read again
	got, err := f.r.Update(ctx, upd)
	require.NoError(t, err)
	assert.Equal(t, &types.AttributeValueMemberN{Value: "1"}, got["n"])

	gets.Store(1000) // they keep failing
	_, err = f.r.Update(ctx, upd)
	require.Error(t, err)
	assert.NotErrorIs(t, err, backend.ErrThrottled, "not retryable: it was applied")
	assert.NotContains(t, []backend.ErrorKind{backend.KindThrottled, backend.KindConflict}, backend.KindOf(err))
	assert.Contains(t, err.Error(), "applied")
	gets.Store(0)
	it, err := pool.Get(ctx, backend.GetInput{Key: upd.Key, ConsistentRead: true})
	require.NoError(t, err)
	assert.Equal(t, &types.AttributeValueMemberN{Value: "2"}, it["n"], "applied once each")
}

// TestAttack15HostileKeys: requests mixing a tenant's key with the
// catalog's, with another tenant's, or naming fence items, are refused
// whatever the request's form, during a move and its pause too; a tenant
// cannot delete its fence items to escape the pause, nor plant one.
func TestAttack15HostileKeys(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t, func(o *route.Options) { o.PauseWait = 30 * time.Millisecond; o.PollInterval = 5 * time.Millisecond })
		ctx := t.Context()
		_, err := f.cat.Put(ctx, route.Placement{Tenant: "b", Table: f.siloName})
		require.NoError(t, err)
		require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#1", "v", "a")}))
		require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#b", "u#1", "v", "b")}))
		snapshot := func() []string {
			var all []string
			for _, b := range []backend.Backend{f.pool, f.silo} {
				for _, pk := range []string{"tenant#a", "tenant#b", route.CatalogPartition} {
					out, err := b.Query(context.Background(), backend.QueryInput{PK: pk, Limit: 1000, ConsistentRead: true})
					require.NoError(t, err)
					for _, it := range out.Items {
						k, _ := backend.KeyOf(it)
						all = append(all, fmt.Sprintf("%s/%s/%v", k.PK, k.SK, it["v"]))
					}
				}
			}
			return all
		}
		set := expr(t, expression.NewBuilder().WithUpdate(expression.Set(expression.Name("v"), expression.Value("x"))))
		notExists := expr(t, expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("PK"))))
		cat := backend.Key{PK: route.CatalogPartition, SK: "b"}
		type req struct {
			name string
			do   func() error
		}
		reqs := func(tenant, other string) []req {
			pk := entity.PartitionKey(tenant)
			fence := route.FenceKey(tenant, 0)
			otherFence := route.FenceKey(other, 0)
			var rs []req
			for _, bad := range []backend.Key{cat, fence, otherFence, key(entity.PartitionKey(other), "u#1"), key("tenant#", "u#1"), key(pk+"#x", "u#1"), {PK: pk, SK: "#move#"}, {PK: pk, SK: "#move#zz"}} {
				if bad.PK != pk { // reading one's own partition, fence items too, is allowed
					rs = append(rs, req{"batch get", func() error {
						_, err := f.r.BatchGet(ctx, backend.BatchGetInput{Keys: []backend.Key{key(pk, "u#1"), bad}})
						return err
					}})
				}
				rs = append(rs,
					req{"batch put", func() error {
						_, err := f.r.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: item(pk, "u#1", "v", "x")}, {Put: bad.Item()}}})
						return err
					}},
					req{"batch delete", func() error {
						_, err := f.r.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: item(pk, "u#2", "v", "x")}, {Delete: &bad}}})
						return err
					}},
					req{"tx put", func() error {
						return f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxPut, Item: item(pk, "u#2")}, {Kind: backend.TxPut, Item: bad.Item()}}})
					}},
					req{"tx update", func() error {
						return f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxPut, Item: item(pk, "u#2")}, {Kind: backend.TxUpdate, Key: bad, Expr: set}}})
					}},
					req{"tx delete", func() error {
						return f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxDelete, Key: bad}, {Kind: backend.TxPut, Item: item(pk, "u#2")}}})
					}},
					req{"tx check", func() error {
						return f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxPut, Item: item(pk, "u#2")}, {Kind: backend.TxCheck, Key: bad, Expr: notExists}}})
					}},
					req{"tx bad kind", func() error {
						return f.r.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxPut, Item: item(pk, "u#2")}, {Kind: backend.TxKind(9), Key: key(pk, "u#1"), Item: bad.Item()}}})
					}},
				)
				if bad.PK == pk || bad == cat || bad == otherFence {
					rs = append(rs,
						req{"put", func() error { return f.r.Put(ctx, backend.PutInput{Item: bad.Item()}) }},
						req{"update", func() error { _, err := f.r.Update(ctx, backend.UpdateInput{Key: bad, Expr: set}); return err }},
						req{"delete", func() error { return f.r.Delete(ctx, backend.DeleteInput{Key: bad}) }},
					)
				}
			}
			return rs
		}
		before := snapshot()
		check := func(phase string) {
			for _, pair := range [][2]string{{"a", "b"}, {"b", "a"}} {
				for _, r := range reqs(pair[0], pair[1]) {
					err := r.do()
					require.ErrorIs(t, err, backend.ErrInvalidArgument, "%s: %s of %s", phase, r.name, pair[0])
					assert.NotErrorIs(t, err, route.ErrMoving, "%s: %s of %s refused before it waits", phase, r.name, pair[0])
				}
			}
			assert.Equal(t, before, snapshot(), phase)
		}
		check("no move")
		f.startMove(t, "a", route.PhaseCopy)
		before = snapshot()
		check("copy")
		p, err := f.cat.LookupFresh(ctx, "a")
		require.NoError(t, err)
		p.Move.Phase = route.PhasePause
		_, err = f.cat.Put(ctx, p)
		require.NoError(t, err)
		f.fence(t, "a")
		before = snapshot()
		check("pause")
		// The pause holds: the tenant's own writes still wait.
		require.ErrorIs(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#1")}), route.ErrMoving)
		assert.Equal(t, route.FenceShards, count(t, f.pool, "tenant#a")-1, "fence items in place")
	})
}

// TestAttack15CursorsAcrossTables: a page position (StartKey) of a tenant
// in a silo, given to a query of a tenant in the pool, or of its index,
// reads only the pool tenant's partition, or is refused.
func TestAttack15CursorsAcrossTables(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t)
		ctx := t.Context()
		_, err := f.cat.Put(ctx, route.Placement{Tenant: "s", Table: f.siloName})
		require.NoError(t, err)
		for _, tn := range []string{"s", "p"} {
			for i := range 4 {
				require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#"+tn, fmt.Sprintf("u#%d", i), "GSI1PK", "tenant#"+tn+"#u#i#v", "GSI1SK", fmt.Sprintf("%d", i))}))
			}
		}
		out, err := f.r.Query(ctx, backend.QueryInput{PK: "tenant#s", Limit: 2, ConsistentRead: true})
		require.NoError(t, err)
		require.NotNil(t, out.LastKey)
		iout, err := f.r.Query(ctx, backend.QueryInput{Index: "GSI1", PK: "tenant#s#u#i#v", Limit: 2})
		require.NoError(t, err)
		require.NotNil(t, iout.LastKey)
		for _, in := range []backend.QueryInput{
			{PK: "tenant#p", Limit: 10, StartKey: out.LastKey, ConsistentRead: true},
			{PK: "tenant#p", Limit: 10, StartKey: iout.LastKey, ConsistentRead: true},
			{Index: "GSI1", PK: "tenant#p#u#i#v", Limit: 10, StartKey: iout.LastKey},
			{Index: "GSI1", PK: "tenant#p#u#i#v", Limit: 10, StartKey: out.LastKey},
			{Index: "GSI1", PK: "tenant#p#u#i#v", Limit: 10, StartKey: &backend.Key{PK: "tenant#p", SK: "u#1", IndexPK: "tenant#s#u#i#v", IndexSK: "1"}},
		} {
			got, err := f.r.Query(ctx, in)
			if err != nil {
				if !errors.Is(err, backend.ErrInvalidStartKey) {
					require.ErrorIs(t, err, backend.ErrInvalidArgument, "%+v", in.StartKey)
				}
				continue
			}
			for _, it := range got.Items {
				assert.Equal(t, s("tenant#p"), it["PK"], "%+v", in.StartKey)
			}
		}
	})
}

// flipCtx answers the tenant key with a tenant that changes on every
// call: the tenant seen when the repository builds a key and the one seen
// later differ.
type flipCtx struct {
	context.Context
	key     any
	tenants []string
	n       *atomic.Int64
}

func (c flipCtx) Value(k any) any {
	if k == c.key {
		return c.tenants[c.n.Add(1)%int64(len(c.tenants))]
	}
	return c.Context.Value(k)
}

// TestAttack15FlippingContext: a context whose tenant changes between
// reads never makes a repository over a Router read or write another
// tenant's items: each call uses one tenant throughout.
func TestAttack15FlippingContext(t *testing.T) {
	ctx := t.Context()
	pool := memory.New()
	tables := route.NewMemoryTables(pool, "silo-{tenant}")
	_, err := tables.Create(ctx, "silo-s")
	require.NoError(t, err)
	cat, err := route.NewCatalog(pool)
	require.NoError(t, err)
	_, err = cat.Put(ctx, route.Placement{Tenant: "s", Table: "silo-s"})
	require.NoError(t, err)
	r, err := route.New(cat, tables)
	require.NoError(t, err)
	notes := repo.MustNew[Note](r)
	for _, tn := range []string{"s", "p"} {
		_, err := notes.Create(tenantctx.MustWithTenant(ctx, tn), Note{ID: "1", Text: tn})
		require.NoError(t, err)
	}
	// Find the tenant key: the context key under which tenantctx keeps it.
	probe := tenantctx.MustWithTenant(context.Background(), "s")
	var tkey any
	for _, k := range tenantctxKeys(probe) {
		tkey = k
	}
	require.NotNil(t, tkey)
	for i := range 40 {
		fc := flipCtx{Context: ctx, key: tkey, tenants: []string{"s", "p"}, n: &atomic.Int64{}}
		fc.n.Store(int64(i % 2))
		if n, err := notes.Get(fc, "1"); err == nil {
			assert.Contains(t, []string{"s", "p"}, n.Text)
		}
		_, _ = notes.Put(fc, Note{ID: "2", Text: fmt.Sprintf("w%d", i)})
		_, _ = notes.List(fc)
	}
	// Each tenant's items are its own: note 1 has the tenant's text, in
	// its own table.
	for _, tn := range []string{"s", "p"} {
		n, err := notes.Get(tenantctx.MustWithTenant(ctx, tn), "1")
		require.NoError(t, err)
		assert.Equal(t, tn, n.Text)
	}
	assert.Zero(t, count(t, pool, "tenant#s"), "s has nothing in the pool")
	assert.Zero(t, count(t, tables.Store("silo-s"), "tenant#p"), "p has nothing in s's silo")
}

// tenantctxKeys returns the key tenantctx stores the tenant under, found
// by asking the context for it through a wrapper that records the keys
// asked.
func tenantctxKeys(ctx context.Context) []any {
	rec := &keyRecorder{Context: ctx}
	_, _ = tenantctx.FromContext(rec)
	return rec.keys
}

type keyRecorder struct {
	context.Context
	keys []any
}

func (r *keyRecorder) Value(k any) any {
	v := r.Context.Value(k)
	if _, ok := v.(string); ok {
		r.keys = append(r.keys, k)
	}
	return v
}

// TestAttack15CatalogCacheRace: concurrent lookups, fresh reads and writes
// of many tenants' placements, with a cache small enough to be shrunk all
// the time, never answer one tenant with another's placement, and a
// Lookup after a Put in the same goroutine sees that Put's version or a
// later one.
func TestAttack15CatalogCacheRace(t *testing.T) {
	ctx := t.Context()
	pool := memory.New()
	cat, err := route.NewCatalog(pool, func(o *route.CatalogOptions) { o.MaxCached = 8; o.MaxStale = time.Minute })
	require.NoError(t, err)
	tenants := attackTenants()
	var wg sync.WaitGroup
	var bad atomic.Int32
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				id := tenants[(g*7+i)%len(tenants)]
				p, err := cat.LookupFresh(ctx, id)
				if err != nil || p.Tenant != id {
					bad.Add(1)
					continue
				}
				p.Table = fmt.Sprintf("silo-%d-%d", g, i)
				np, err := cat.Put(ctx, p)
				if errors.Is(err, route.ErrStalePlacement) {
					continue
				}
				if err != nil {
					bad.Add(1)
					continue
				}
				got, err := cat.Lookup(ctx, id)
				if err != nil || got.Tenant != id || got.Version < np.Version {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, bad.Load())
	assert.LessOrEqual(t, route.CachedLen(cat), 8)
}

// TestAttack15PlacementsNotShared: a placement the catalog returns shares
// no memory with its cache: a caller that changes the Move it got (as a
// mover building its next record would) changes neither what later
// lookups return nor where the router sends writes.
func TestAttack15PlacementsNotShared(t *testing.T) {
	ctx := t.Context()
	pool := memory.New()
	tables := route.NewMemoryTables(pool, "silo-{tenant}")
	_, err := tables.Create(ctx, "silo-a")
	require.NoError(t, err)
	cat, err := route.NewCatalog(pool, func(o *route.CatalogOptions) { o.MaxStale = time.Minute })
	require.NoError(t, err)
	r, err := route.New(cat, tables, func(o *route.Options) { o.PauseWait = 20 * time.Millisecond; o.PollInterval = 5 * time.Millisecond })
	require.NoError(t, err)

	put, err := cat.Put(ctx, route.Placement{Tenant: "a", Move: &route.Move{ID: "m", To: "silo-a", Phase: route.PhasePause}})
	require.NoError(t, err)
	for i := range route.FenceShards {
		require.NoError(t, pool.Put(ctx, backend.PutInput{Item: route.FenceKey("a", i).Item()}))
	}
	put.Move.Phase = route.PhaseSwitched // the caller's copy only
	looked, err := cat.Lookup(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, route.PhasePause, looked.Move.Phase, "Put's result is not the cache's")
	looked.Move.Phase = route.PhaseSwitched
	fresh, err := cat.LookupFresh(ctx, "a")
	require.NoError(t, err)
	fresh.Move.Phase = route.PhasePurge
	again, err := cat.Lookup(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, route.PhasePause, again.Move.Phase, "Lookup's and LookupFresh's results are not the cache's")

	// The router still fences a's writes: they wait, then fail.
	require.ErrorIs(t, r.Put(ctx, backend.PutInput{Item: item("tenant#a", "u#1")}), route.ErrMoving)
	assert.False(t, has(t, pool, key("tenant#a", "u#1")))
}

// TestAttack15NameIsNotThePool: no tenant's silo table name is the pool
// table's (a tenant named like the pool's suffix): Name fails instead, so
// the tenant cannot be "moved" into the table it is in.
func TestAttack15NameIsNotThePool(t *testing.T) {
	client := dynamotest.Client(t)
	pool := dynamotest.NewTable(t) // "t_" and 16 hex digits
	for _, tmpl := range []string{"t_{tenant}", "T_{tenant}"} {
		tables, err := route.NewDynamoDBTables(client, pool, tmpl)
		require.NoError(t, err)
		suffix := strings.TrimPrefix(pool.Table(), "t_")
		_, err = tables.Name(suffix)
		require.ErrorIs(t, err, route.ErrInvalidTemplate, tmpl)
		require.ErrorIs(t, err, backend.ErrInvalidArgument, tmpl)
		n, err := tables.Name(suffix + "x")
		require.NoError(t, err)
		assert.NotEqual(t, pool.Table(), n)
	}
}
