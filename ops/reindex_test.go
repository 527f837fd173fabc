package ops

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/repo"
)

// seedUser and seedOrder are the seed article's user and order, as a Go
// program declares them, with indexes on user_id.
type seedUser struct {
	ID    string `dynamodbav:"user_id"`
	Name  string `dynamodbav:"user_name"`
	Email string `dynamodbav:"user_email"`
}

func (seedUser) EntityPrefix() string     { return "user" }
func (u seedUser) EntityID() string       { return u.ID }
func (u *seedUser) SetEntityID(id string) { u.ID = id }
func (seedUser) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-id", Slot: 2, PartitionAttr: "user_id", SortAttr: "user_name"}}
}

type seedOrder struct {
	ID      string `dynamodbav:"-"`
	UserID  string `dynamodbav:"user_id"`
	Amount  int64  `dynamodbav:"order_amount"`
	OrderID string `dynamodbav:"order_id"`
}

func (seedOrder) EntityPrefix() string     { return "order" }
func (o seedOrder) EntityID() string       { return o.ID }
func (o *seedOrder) SetEntityID(id string) { o.ID = id }
func (seedOrder) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-user", Slot: 1, PartitionAttr: "user_id", SortAttr: "order_id"}}
}

// indexKeyAttrs are the index key attributes of every slot.
var indexKeyAttrs = []string{"GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "GSI4PK", "GSI4SK", "GSI5PK", "GSI5SK"}

// without returns a copy of item without the attributes.
func without(item backend.Item, attrs ...string) backend.Item {
	out := backend.CopyItem(item)
	for _, a := range attrs {
		delete(out, a)
	}
	return out
}

// indexIDs returns the IDs of the entities an index query returns.
func indexIDs[T entity.Entity](t *testing.T, ctx context.Context, r *repo.Repository[T], index, partition string) []string {
	t.Helper()
	var ids []string
	for e, err := range r.Index(index).All(ctx, partition) {
		require.NoError(t, err)
		ids = append(ids, e.EntityID())
	}
	return ids
}

// Seed interop: items written in the seed layout by another client, with
// no index keys, are missing from index queries until a reindex; after
// it they are found, their index keys are the repository's, and nothing
// else about them changed. Other tenants, with items of the same types
// and keys, are untouched.
func TestReindexSeedInterop(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		s, n := testfixture.S, testfixture.N
		raw := []backend.Item{
			testfixture.Item("tenant#acme", "user#42", "user_id", s("42"), "user_name", s("Alice"), "user_email", s("alice@example.com")),
			testfixture.Item("tenant#acme", "order#7", "user_id", s("42"), "order_amount", n("150"), "order_id", s("7")),
			testfixture.Item("tenant#acme", "order#8", "user_id", s("42"), "order_amount", n("200"), "order_id", s("8"),
				"note", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"gift": &types.AttributeValueMemberBOOL{Value: true}}}),
			// Not in the index: no order_id, or an empty one.
			testfixture.Item("tenant#acme", "order#9", "user_id", s("42"), "order_amount", n("1")),
			testfixture.Item("tenant#acme", "order#10", "user_id", s("42"), "order_amount", n("1"), "order_id", s("")),
			// Failed: a number where a string belongs, a sort key that is
			// no entity's, a value too long for an index key.
			testfixture.Item("tenant#acme", "order#11", "user_id", n("42"), "order_amount", n("1"), "order_id", s("11")),
			testfixture.Item("tenant#acme", "order#12#x", "user_id", s("42"), "order_amount", n("1"), "order_id", s("12")),
			testfixture.Item("tenant#acme", "order#13", "user_id", s(strings.Repeat("x", 2040)), "order_id", s("13")),
			// Not the type's: "orders" and "order" without the separator.
			testfixture.Item("tenant#acme", "orders#1", "user_id", s("42"), "order_id", s("1")),
			testfixture.Item("tenant#acme", "order", "user_id", s("42"), "order_id", s("1")),
		}
		for _, pk := range tenantPKs(neighbours...) {
			raw = append(raw, testfixture.Item(pk, "order#7", "user_id", s("42"), "order_amount", n("150"), "order_id", s("7")))
			raw = append(raw, testfixture.Item(pk, "user#42", "user_id", s("42"), "user_name", s("Alice")))
		}
		writeItems(t, b, raw)
		all := tenantPKs(append([]string{"acme"}, neighbours...)...)
		before := snapshot(t, b, all)

		ctx := tenantCtx(t, "acme")
		users := repo.MustNew[seedUser](b)
		orders := repo.MustNew[seedOrder](b)
		assert.Empty(t, indexIDs(t, ctx, orders, "by-user", "42"), "before the reindex")
		assert.Empty(t, indexIDs(t, ctx, users, "by-id", "42"))

		dry, err := ReindexType(ctx, b, SpecOf[seedOrder](), WithDryRun())
		require.NoError(t, err)
		assert.Equal(t, Counts{Examined: 7, Done: 2, Skipped: 2, Failed: 3, Bytes: dry.Bytes, Units: dry.Units}, dry.Counts)
		assert.True(t, dry.DryRun)
		assert.Equal(t, before, snapshot(t, b, all), "a dry run changes nothing")

		res, err := ReindexType(ctx, b, SpecOf[seedOrder]())
		require.NoError(t, err)
		assert.Equal(t, Counts{Examined: 7, Done: 2, Skipped: 2, Failed: 3, Bytes: dry.Bytes, Units: res.Units}, res.Counts)
		assert.Empty(t, res.Checkpoint)
		ures, err := Reindex(ctx, users)
		require.NoError(t, err)
		assert.Equal(t, int64(1), ures.Done)

		assert.Equal(t, []string{"7", "8"}, indexIDs(t, ctx, orders, "by-user", "42"))
		assert.Equal(t, []string{"42"}, indexIDs(t, ctx, users, "by-id", "42"))
		o, err := orders.Get(ctx, "8")
		require.NoError(t, err)
		assert.Equal(t, seedOrder{ID: "8", UserID: "42", Amount: 200, OrderID: "8"}, o)

		after := snapshot(t, b, all)
		for sk, it := range before["tenant#acme"] {
			got := after["tenant#acme"][sk]
			assert.Equal(t, it, without(got, indexKeyAttrs...), "%s: every other attribute as it was", sk)
		}
		assert.Equal(t, s(entity.IndexPartitionKey("acme", "order", "by-user", "42")), after["tenant#acme"]["order#7"]["GSI1PK"])
		assert.Equal(t, s("7"), after["tenant#acme"]["order#7"]["GSI1SK"])
		assert.Equal(t, s(entity.IndexPartitionKey("acme", "user", "by-id", "42")), after["tenant#acme"]["user#42"]["GSI2PK"])
		assert.Equal(t, s("Alice"), after["tenant#acme"]["user#42"]["GSI2SK"])
		for _, sk := range []string{"order#9", "order#10", "order#11", "order#12#x", "order#13", "orders#1", "order"} {
			assert.Equal(t, before["tenant#acme"][sk], after["tenant#acme"][sk], "%s is untouched", sk)
		}
		delete(before, "tenant#acme")
		delete(after, "tenant#acme")
		assert.Equal(t, before, after, "other tenants are untouched")

		again, err := ReindexType(ctx, b, SpecOf[seedOrder]())
		require.NoError(t, err)
		assert.Equal(t, Counts{Examined: 7, Skipped: 4, Failed: 3, Units: again.Units}, again.Counts, "a second run fixes nothing")
	})
}

// Stale keys are rewritten, keys of an item that left its index are
// removed, and keys in slots the spec does not declare are left alone.
func TestReindexStale(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		s := testfixture.S
		ipk := func(v string) types.AttributeValue { return s(entity.IndexPartitionKey("acme", "order", "by-user", v)) }
		writeItems(t, b, []backend.Item{
			testfixture.Item("tenant#acme", "order#1", "user_id", s("2"), "order_id", s("1"), "GSI1PK", ipk("1"), "GSI1SK", s("1")),
			testfixture.Item("tenant#acme", "order#2", "order_id", s("2"), "GSI1PK", ipk("1"), "GSI1SK", s("2"), "GSI3PK", s("mine"), "GSI3SK", s("x")),
			testfixture.Item("tenant#acme", "order#3", "user_id", s("1"), "order_id", s("3"), "GSI1PK", ipk("1"), "GSI1SK", s("3")),
			testfixture.Item("tenant#acme", "order#4", "user_id", s("1"), "order_id", s("4"), "GSI1PK", s("tenant#acme-corp#order#by-user#1"), "GSI1SK", s("4")),
		})
		// An item the keys would make too large fails and stays as it is.
		big := testfixture.Item("tenant#acme", "order#5", "user_id", s("1"), "order_id", s("5"))
		big["data"] = s(strings.Repeat("x", backend.MaxItemBytes-backend.ItemSize(big)-len("data")-5))
		writeItems(t, b, []backend.Item{big})
		big = partitionItems(t, b, "tenant#acme")["order#5"]

		res, err := ReindexType(tenantCtx(t, "acme"), b, SpecOf[seedOrder]())
		require.NoError(t, err)
		assert.Equal(t, int64(3), res.Done)
		assert.Equal(t, int64(1), res.Skipped)
		assert.Equal(t, int64(1), res.Failed)
		got := partitionItems(t, b, "tenant#acme")
		assert.Equal(t, ipk("2"), got["order#1"]["GSI1PK"])
		assert.Equal(t, testfixture.Item("tenant#acme", "order#2", "order_id", s("2"), "GSI3PK", s("mine"), "GSI3SK", s("x")), got["order#2"])
		assert.Equal(t, ipk("1"), got["order#4"]["GSI1PK"])
		assert.Equal(t, big, got["order#5"])
	})
}

// putWhole writes item whole, as a concurrent writer.
func putWhole(t *testing.T, b backend.Backend, item backend.Item) {
	require.NoError(t, b.Put(context.Background(), backend.PutInput{Item: item}))
}

// A write between the reindex's read and its update wins: the update's
// condition fails, the item is counted as skipped and left as the writer
// wrote it; a deleted item is not made again; a write to another
// attribute is kept, the keys added beside it.
func TestReindexConcurrentWrite(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		s, n := testfixture.S, testfixture.N
		items := []backend.Item{
			testfixture.Item("tenant#acme", "order#1", "user_id", s("1"), "order_id", s("1"), "order_amount", n("1")),
			testfixture.Item("tenant#acme", "order#2", "user_id", s("1"), "order_id", s("2"), "order_amount", n("1")),
			testfixture.Item("tenant#acme", "order#3", "user_id", s("1"), "order_id", s("3"), "order_amount", n("1")),
			testfixture.Item("tenant#acme", "order#4", "user_id", s("1"), "order_id", s("4"), "order_amount", n("1")),
		}
		writeItems(t, b, items)
		changed := testfixture.Item("tenant#acme", "order#1", "user_id", s("9"), "order_id", s("1"), "order_amount", n("1"))
		keysBy := testfixture.Item("tenant#acme", "order#4", "user_id", s("1"), "order_id", s("4"), "order_amount", n("1"),
			"GSI1PK", s("written by the user"), "GSI1SK", s("4"))
		f := &faultyWrites{Backend: b, beforeUpdate: func(in backend.UpdateInput) {
			switch in.Key.SK {
			case "order#1":
				putWhole(t, b, changed)
			case "order#2":
				require.NoError(t, b.Delete(context.Background(), backend.DeleteInput{Key: in.Key}))
			case "order#3":
				_, err := b.Update(context.Background(), backend.UpdateInput{Key: in.Key, Expr: testfixture.Build(t, setAmount("7"))})
				require.NoError(t, err)
			case "order#4":
				putWhole(t, b, keysBy)
			}
		}}
		res, err := ReindexType(tenantCtx(t, "acme"), f, SpecOf[seedOrder](), WithConcurrency(2))
		require.NoError(t, err)
		assert.Equal(t, Counts{Examined: 4, Done: 1, Skipped: 3, Bytes: res.Bytes, Units: res.Units}, res.Counts)
		got := partitionItems(t, b, "tenant#acme")
		assert.Equal(t, changed, got["order#1"], "the user's write is not overwritten")
		assert.NotContains(t, got, "order#2", "a deleted item is not made again")
		assert.Equal(t, n("7"), got["order#3"]["order_amount"])
		assert.Equal(t, s(entity.IndexPartitionKey("acme", "order", "by-user", "1")), got["order#3"]["GSI1PK"])
		assert.Equal(t, keysBy, got["order#4"])
	})
}

// A reindex stopped after some updates (a canceled context, a failing
// backend) and resumed from its checkpoint, twice, ends in exactly the
// state of an uninterrupted reindex of the same data, with the same
// counts.
func TestReindexResume(t *testing.T) {
	page := WithPageSize(20)
	for _, kind := range []string{"cancel", "backend-failure"} {
		t.Run(kind, func(t *testing.T) {
			for _, kb := range testBackends {
				t.Run(kb.name, func(t *testing.T) {
					const n = 300 // 50 users, 50 orders, ...
					all := tenantPKs(append([]string{"acme"}, neighbours...)...)
					ref := kb.new(t)
					seedMixed(t, ref, n)
					want, err := ReindexType(tenantCtx(t, "acme"), ref, SpecOf[seedOrder](), page)
					require.NoError(t, err)
					require.Equal(t, int64(50), want.Done)

					b := kb.new(t)
					seedMixed(t, b, n)
					var cp Checkpoint
					for _, at := range []int64{15, 30} {
						var res ReindexResult
						var err error
						if kind == "cancel" {
							ctx, cancel := context.WithCancel(tenantCtx(t, "acme"))
							res, err = ReindexType(ctx, b, SpecOf[seedOrder](), page, WithConcurrency(3), WithResume(cp),
								WithProgress(func(p Progress) {
									if p.Done >= at {
										cancel()
									}
								}))
							cancel()
							require.ErrorIs(t, err, context.Canceled)
						} else {
							res, err = ReindexType(tenantCtx(t, "acme"), &faultyWrites{Backend: b, failAfter: 15}, SpecOf[seedOrder](), page, WithConcurrency(3), WithResume(cp))
							require.ErrorIs(t, err, errInjected)
						}
						require.NotEmpty(t, res.Checkpoint)
						pos, err := decodeTablePosition(res.Checkpoint, reindexOp(t, b, seedOrder{}), mustTenant(t, "acme"))
						require.NoError(t, err)
						for sk, it := range partitionItems(t, b, "tenant#acme") {
							if strings.HasPrefix(sk, "order#") && sk <= pos.SK {
								assert.Contains(t, it, "GSI1PK", "%s is before the checkpoint and not done", sk)
							}
						}
						assert.Less(t, pos.Counts.Done, int64(50))
						cp = res.Checkpoint
					}
					res, err := ReindexType(tenantCtx(t, "acme"), b, SpecOf[seedOrder](), page, WithResume(cp))
					require.NoError(t, err)
					// An item fixed past the checkpoint's position by a
					// stopped run is skipped by the next.
					assert.Equal(t, want.Done+want.Skipped, res.Done+res.Skipped, "the runs fixed what one run fixes")
					assert.GreaterOrEqual(t, res.Done, want.Done/2)
					assert.Equal(t, want.Examined, res.Examined)
					assert.Equal(t, want.Failed, res.Failed)
					assert.Equal(t, snapshot(t, ref, all), snapshot(t, b, all))
				})
			}
		})
	}
}

// reindexOp returns the checkpoint operation of a tenant reindex of T's
// spec.
func reindexOp[T entity.Entity](t *testing.T, b backend.Backend, _ T) string {
	rx, err := newReindexer(context.Background(), b, SpecOf[T]())
	require.NoError(t, err)
	return rx.op("reindex", false)
}

func mustTenant(t *testing.T, id string) entity.Tenant {
	tn, err := entity.NewTenant(id)
	require.NoError(t, err)
	return tn
}

// A spec that breaks the layout's rules, or names a slot the table lacks,
// is refused, and a checkpoint that is not the run's; nothing changes.
func TestReindexRefuses(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		seedMixed(t, b, 60)
		all := tenantPKs(append([]string{"acme"}, neighbours...)...)
		before := snapshot(t, b, all)
		ctx := tenantCtx(t, "acme")
		ix := func(name string, slot int, p, s string) TypeSpec {
			return TypeSpec{Prefix: "order", Indexes: []entity.Index{{Name: name, Slot: slot, PartitionAttr: p, SortAttr: s}}}
		}
		bad := map[string]TypeSpec{
			"empty prefix":    {Prefix: ""},
			"prefix with #":   {Prefix: "or#der"},
			"empty name":      ix("", 1, "a", "b"),
			"name with #":     ix("by#user", 1, "a", "b"),
			"slot 0":          ix("x", 0, "a", "b"),
			"slot 6":          ix("x", 6, "a", "b"),
			"same attributes": ix("x", 1, "a", "a"),
			"empty attribute": ix("x", 1, "", "b"),
			"key attribute":   ix("x", 1, "GSI1PK", "b"),
			"PK attribute":    ix("x", 1, "a", "PK"),
			"same name": {Prefix: "order", Indexes: []entity.Index{
				{Name: "x", Slot: 1, PartitionAttr: "a", SortAttr: "b"}, {Name: "x", Slot: 2, PartitionAttr: "a", SortAttr: "b"}}},
			"same slot": {Prefix: "order", Indexes: []entity.Index{
				{Name: "x", Slot: 1, PartitionAttr: "a", SortAttr: "b"}, {Name: "y", Slot: 1, PartitionAttr: "a", SortAttr: "b"}}},
		}
		for name, spec := range bad {
			_, err := ReindexType(ctx, b, spec)
			assert.ErrorIs(t, err, ErrInvalidArgument, name)
			_, err = ReindexAllType(operatorCtx(t), b, spec)
			assert.ErrorIs(t, err, ErrInvalidArgument, name)
		}
		cps := map[string]Checkpoint{
			"garbage":      "!!",
			"purge":        encodeCheckpoint(position{Op: opPurge, Tenant: "acme"}),
			"other tenant": encodeCheckpoint(position{Op: reindexOp(t, b, seedOrder{}), Tenant: "acme-corp", SK: "order#00001"}),
			"other spec":   encodeCheckpoint(position{Op: reindexOp(t, b, seedUser{}), Tenant: "acme", SK: "order#00001"}),
			"out of range": encodeCheckpoint(position{Op: reindexOp(t, b, seedOrder{}), Tenant: "acme", SK: "user#00001"}),
			"version":      Checkpoint(strings.TrimRight(string(encodeCheckpoint(position{Op: reindexOp(t, b, seedOrder{}), Tenant: "acme"})), "=") + "x"),
		}
		for name, cp := range cps {
			_, err := ReindexType(ctx, b, SpecOf[seedOrder](), WithResume(cp))
			assert.ErrorIs(t, err, ErrInvalidCheckpoint, name)
			_, err = ReindexAllType(operatorCtx(t), b, SpecOf[seedOrder](), WithResume(cp))
			assert.ErrorIs(t, err, ErrInvalidCheckpoint, name)
		}
		_, err := ReindexType(context.Background(), b, SpecOf[seedOrder]())
		assert.Error(t, err)
		_, err = ReindexType(ctx, nil, SpecOf[seedOrder]())
		assert.ErrorIs(t, err, ErrInvalidArgument)
		_, err = Reindex[seedOrder](ctx, nil)
		assert.ErrorIs(t, err, ErrInvalidArgument)
		assert.Equal(t, before, snapshot(t, b, all))
	})
}

// An index in a slot the table lacks is refused with ErrMissingIndex.
func TestReindexMissingIndex(t *testing.T) {
	spec := TypeSpec{Prefix: "order", Indexes: []entity.Index{{Name: "x", Slot: 2, PartitionAttr: "a", SortAttr: "b"}}}
	for _, kb := range []testBackend{
		{"memory", func(t *testing.T) backend.Backend { return memory.New(memory.WithIndexSlots(1)) }},
		{"memory-count", func(t *testing.T) backend.Backend { return memory.New(func(o *memory.Options) { o.Indexes = 1 }) }},
		{"dynamodb", func(t *testing.T) backend.Backend { return dynamotest.NewTable(t, dynamodbbackend.WithIndexSlots(1)) }},
	} {
		t.Run(kb.name, func(t *testing.T) {
			b := kb.new(t)
			writeItems(t, b, []backend.Item{testfixture.Item("tenant#acme", "order#1", "a", testfixture.S("1"), "b", testfixture.S("2"))})
			_, err := ReindexType(tenantCtx(t, "acme"), b, spec)
			assert.ErrorIs(t, err, backend.ErrMissingIndex)
			_, err = ReindexAllType(operatorCtx(t), b, spec)
			assert.ErrorIs(t, err, backend.ErrMissingIndex)
			assert.NotContains(t, partitionItems(t, b, "tenant#acme")["order#1"], "GSI2PK")
		})
	}
}
