package repo_test

import (
	"context"
	"errors"
	"runtime"
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
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Gadget is the observer tests' entity: indexed by group, with a note
// that is not.
type Gadget struct {
	ID    string `dynamodbav:"-"`
	Group string `dynamodbav:"group"`
	At    string `dynamodbav:"at"`
	Note  string `dynamodbav:"note,omitempty"`
}

func (Gadget) EntityPrefix() string     { return "gadget" }
func (g Gadget) EntityID() string       { return g.ID }
func (g *Gadget) SetEntityID(id string) { g.ID = id }
func (Gadget) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-group", Slot: 1, PartitionAttr: "group", SortAttr: "at"}}
}

// Widget is a second type, for transactions across types.
type Widget struct {
	ID string `dynamodbav:"-"`
	N  int    `dynamodbav:"n"`
}

func (Widget) EntityPrefix() string     { return "widget" }
func (w Widget) EntityID() string       { return w.ID }
func (w *Widget) SetEntityID(id string) { w.ID = id }

// recorder is an Observer that keeps a copy of every Call it is shown, at
// Start and at End, and puts a mark in the context Start returns.
type recorder struct {
	mu     sync.Mutex
	starts []repo.Call
	ends   []repo.Call
	// endCtx reports, for each End, whether its context carried the mark
	// of the Start before it.
	endCtx []bool
}

// markKey is the key of the mark a recorder puts in the context.
type markKey struct{}

func (r *recorder) Start(ctx context.Context, c *repo.Call) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starts = append(r.starts, *c)
	return context.WithValue(ctx, markKey{}, len(r.starts))
}

func (r *recorder) End(ctx context.Context, c *repo.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ends = append(r.ends, *c)
	r.endCtx = append(r.endCtx, ctx.Value(markKey{}) == len(r.starts))
}

// take returns the calls recorded since the last take, checking that each
// End followed its Start and repeats its fields.
func (r *recorder) take(t *testing.T) []repo.Call {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Equal(t, len(r.starts), len(r.ends), "a Start without an End, or an End without a Start")
	for i, e := range r.ends {
		s := r.starts[i]
		assert.Equal(t, repo.Call{Tenant: s.Tenant, Type: s.Type, Prefix: s.Prefix, Op: s.Op, Index: s.Index, Begin: s.Begin},
			repo.Call{Tenant: e.Tenant, Type: e.Type, Prefix: e.Prefix, Op: e.Op, Index: e.Index, Begin: e.Begin}, "End %d repeats its Start", i)
		assert.Zero(t, s.Items, "Start sees no result")
		assert.Nil(t, s.Err, "Start sees no result")
		assert.False(t, s.Begin.IsZero())
		assert.GreaterOrEqual(t, e.Duration, time.Duration(0))
		assert.True(t, r.endCtx[i], "End %d is given the context Start returned", i)
	}
	out := r.ends
	r.starts, r.ends, r.endCtx = nil, nil, nil
	return out
}

// spy is a backend over another that records the partition keys every
// request names, checks that each request is made in a context the
// observer marked (when marked is set), charges each request to the
// context's Meter (when charge is set: for backends that do not charge
// themselves yet), and leaves all but take items of each batch
// unprocessed (when take is set), as DynamoDB does under load. It embeds
// the interface, so the repository sees no Lender: every read comes here.
type spy struct {
	backend.Backend
	charge, marked bool
	take           int

	mu       sync.Mutex
	pks      []string
	unmarked int
}

func (s *spy) request(ctx context.Context, pks ...string) {
	if s.charge {
		backend.Charge(ctx, backend.Usage{Requests: 1})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pks = append(s.pks, pks...)
	if s.marked && ctx.Value(markKey{}) == nil {
		s.unmarked++
	}
}

func pkOf(item backend.Item) string {
	if s, ok := item[entity.PartitionKeyName].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func (s *spy) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	s.request(ctx, in.Key.PK)
	return s.Backend.Get(ctx, in)
}

func (s *spy) Put(ctx context.Context, in backend.PutInput) error {
	s.request(ctx, pkOf(in.Item))
	return s.Backend.Put(ctx, in)
}

func (s *spy) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	s.request(ctx, in.Key.PK)
	return s.Backend.Update(ctx, in)
}

func (s *spy) Delete(ctx context.Context, in backend.DeleteInput) error {
	s.request(ctx, in.Key.PK)
	return s.Backend.Delete(ctx, in)
}

func (s *spy) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	pks := []string{in.PK}
	if in.StartKey != nil {
		pks = append(pks, in.StartKey.PK)
	}
	s.request(ctx, pks...)
	return s.Backend.Query(ctx, in)
}

func (s *spy) BatchGet(ctx context.Context, in backend.BatchGetInput) (backend.BatchGetOutput, error) {
	var pks []string
	for _, k := range in.Keys {
		pks = append(pks, k.PK)
	}
	s.request(ctx, pks...)
	n := len(in.Keys)
	if s.take > 0 {
		n = min(n, s.take)
	}
	out, err := s.Backend.BatchGet(ctx, backend.BatchGetInput{Keys: in.Keys[:n], ConsistentRead: in.ConsistentRead})
	out.Unprocessed = append(out.Unprocessed, in.Keys[n:]...)
	return out, err
}

func (s *spy) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	var pks []string
	for _, w := range in.Writes {
		if w.Delete != nil {
			pks = append(pks, w.Delete.PK)
		} else {
			pks = append(pks, pkOf(w.Put))
		}
	}
	s.request(ctx, pks...)
	n := len(in.Writes)
	if s.take > 0 {
		n = min(n, s.take)
	}
	out, err := s.Backend.BatchWrite(ctx, backend.BatchWriteInput{Writes: in.Writes[:n]})
	out.Unprocessed = append(out.Unprocessed, in.Writes[n:]...)
	return out, err
}

func (s *spy) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	var pks []string
	for _, a := range in.Actions {
		if a.Item != nil {
			pks = append(pks, pkOf(a.Item))
		} else {
			pks = append(pks, a.Key.PK)
		}
	}
	s.request(ctx, pks...)
	return s.Backend.TransactWrite(ctx, in)
}

// keys returns the partition keys the requests named so far, and forgets
// them.
func (s *spy) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.pks
	s.pks = nil
	return k
}

// chargesRequests reports whether b charges its requests to the context's
// Meter itself, as the backend contract asks (backend.Charge).
func chargesRequests(t *testing.T, b backend.Backend) bool {
	ctx, m := backend.WithMeter(context.Background())
	_, err := b.Get(ctx, backend.GetInput{Key: backend.Key{PK: entity.PartitionKey("probe"), SK: entity.SortKey("probe", "x")}})
	require.True(t, err == nil || errors.Is(err, backend.ErrNotFound), "probe: %v", err)
	return m.Usage().Requests == 1
}

// observerStores runs f on a new memory store and on a new table of
// DynamoDB Local (skipped without DYNAMODB_ENDPOINT, failed with CI=true).
func observerStores(t *testing.T, f func(t *testing.T, b backend.Backend)) {
	t.Run("memory", func(t *testing.T) { f(t, memory.New()) })
	t.Run("dynamodb", func(t *testing.T) { f(t, dynamotest.NewTable(t)) })
}

// newSpy returns a spy over b, charging requests when b does not yet.
func newSpy(t *testing.T, b backend.Backend) *spy {
	return &spy{Backend: b, charge: !chargesRequests(t, b)}
}

func fastRetries(o *repo.Options) { o.RetryDelay = func(int) time.Duration { return time.Millisecond } }

// want is what a test expects of one Call: the fields a scripted workload
// determines.
type want struct {
	Tenant   string
	Op       repo.Op
	Index    string
	Items    int
	Kind     error
	Requests int
	Retries  int
}

// check compares the recorded calls with the expected ones, and checks
// that the fields every call of the repository's type shares are right
// and that Err and Kind agree.
func check(t *testing.T, got []repo.Call, typ, prefix string, wants ...want) {
	t.Helper()
	gotW := make([]want, len(got))
	for i, c := range got {
		gotW[i] = want{Tenant: c.Tenant, Op: c.Op, Index: c.Index, Items: c.Items, Kind: c.Kind, Requests: c.Usage.Requests, Retries: c.Usage.Retries}
		assert.Equal(t, typ, c.Type, "call %d", i)
		assert.Equal(t, prefix, c.Prefix, "call %d", i)
		if c.Kind != nil {
			assert.ErrorIs(t, c.Err, c.Kind, "call %d: Kind is the kind of Err", i)
		} else {
			assert.NoError(t, c.Err, "call %d", i)
		}
		assert.Zero(t, c.Usage.Throttles, "call %d", i)
	}
	assert.Equal(t, wants, gotW)
}

// TestObserverSeesEveryCall: a scripted workload of every kind of call,
// with its errors (not found, already exists, condition failed, invalid
// ID, no tenant, an invalid tenant, a nil context, bad arguments), pages,
// index queries and transactions, shows the observer exactly one Start and
// one End per call (per page for All, QueryAll and an index's All), with
// the tenant, type, operation, index, items, error kind and requests of
// each, on both backends. Calls refused before any request are observed
// too, with no requests; a context's invalid tenant is reported as "".
func TestObserverSeesEveryCall(t *testing.T) {
	observerStores(t, func(t *testing.T, b backend.Backend) {
		sp := newSpy(t, b)
		rec := &recorder{}
		obs := func(o *repo.Options) { o.Observer = rec }
		gadgets := repo.MustNew[Gadget](sp, obs)
		widgets := repo.MustNew[Widget](sp)
		ctx := tenantctx.MustWithTenant(context.Background(), "acme")
		const typ = "repo_test.Gadget"
		w := func(op repo.Op, items int, kind error, requests int) want {
			return want{Tenant: "acme", Op: op, Items: items, Kind: kind, Requests: requests}
		}
		g := func(id, at string) Gadget { return Gadget{ID: id, Group: "red", At: at} }

		// Single entities.
		_, err := gadgets.Create(ctx, g("g1", "2026-01"))
		require.NoError(t, err)
		_, err = gadgets.Create(ctx, g("g1", "2026-01"))
		require.ErrorIs(t, err, repo.ErrAlreadyExists)
		_, err = gadgets.Put(ctx, g("g2", "2026-02"))
		require.NoError(t, err)
		_, err = gadgets.Put(ctx, g("g3", "2026-03"))
		require.NoError(t, err)
		_, err = gadgets.Get(ctx, "g1")
		require.NoError(t, err)
		_, err = gadgets.Get(ctx, "g9")
		require.ErrorIs(t, err, repo.ErrNotFound)
		_, err = gadgets.Get(ctx, "a#b")
		require.ErrorIs(t, err, repo.ErrInvalidID)
		_, err = gadgets.Get(context.Background(), "g1")
		require.ErrorIs(t, err, repo.ErrNoTenant)
		forged := testfixture.ForgedContext{Context: context.Background(), V: strings.Repeat("\xff", 1<<16)}
		_, err = gadgets.Get(forged, "g1")
		require.ErrorIs(t, err, repo.ErrInvalidTenant)
		_, err = gadgets.Get(nil, "g1") //nolint:staticcheck // a nil context is refused, and observed
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
		_, err = gadgets.Update(ctx, Gadget{ID: "g1", Note: "x"}, []string{"note"},
			repo.WithCondition(expression.Name("note").Equal(expression.Value("y"))))
		require.ErrorIs(t, err, repo.ErrConditionFailed)
		_, err = gadgets.UpdateExpr(ctx, "g1", expression.Set(expression.Name("note"), expression.Value("n")))
		require.NoError(t, err)
		_, err = gadgets.UpdateExpr(ctx, "g9", expression.Set(expression.Name("note"), expression.Value("n")))
		require.ErrorIs(t, err, repo.ErrNotFound)
		require.NoError(t, gadgets.Delete(ctx, "g3"))
		require.ErrorIs(t, gadgets.Delete(ctx, "g3", repo.IfVersion(1)), repo.ErrInvalidArgument)
		_, err = gadgets.Put(ctx, g("g3", "2026-03"))
		require.NoError(t, err)
		check(t, rec.take(t), typ, "gadget",
			w(repo.OpCreate, 1, nil, 1),
			w(repo.OpCreate, 0, repo.ErrAlreadyExists, 1),
			w(repo.OpPut, 1, nil, 1),
			w(repo.OpPut, 1, nil, 1),
			w(repo.OpGet, 1, nil, 1),
			w(repo.OpGet, 0, repo.ErrNotFound, 1),
			w(repo.OpGet, 0, repo.ErrInvalidID, 0),
			want{Op: repo.OpGet, Kind: repo.ErrNoTenant},
			want{Op: repo.OpGet, Kind: repo.ErrInvalidTenant},
			want{Op: repo.OpGet, Kind: repo.ErrInvalidArgument},
			w(repo.OpUpdate, 0, repo.ErrConditionFailed, 1),
			w(repo.OpUpdateExpr, 1, nil, 1),
			w(repo.OpUpdateExpr, 0, repo.ErrNotFound, 1),
			w(repo.OpDelete, 1, nil, 1),
			w(repo.OpDelete, 0, repo.ErrInvalidArgument, 0),
			w(repo.OpPut, 1, nil, 1),
		)

		// Pages: one call per page.
		page, err := gadgets.List(ctx, repo.WithLimit(2))
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		n := 0
		for _, err := range gadgets.All(ctx, repo.WithLimit(2)) {
			require.NoError(t, err)
			n++
		}
		require.Equal(t, 3, n)
		n = 0
		for _, err := range gadgets.QueryAll(ctx, repo.BeginsWith("g"), repo.WithLimit(2)) {
			require.NoError(t, err)
			n++
		}
		require.Equal(t, 3, n)
		_, err = gadgets.Query(ctx, repo.BeginsWith("g"), repo.WithCursor("forged"))
		require.ErrorIs(t, err, repo.ErrInvalidCursor)
		_, err = gadgets.List(ctx, repo.WithLimit(-1))
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
		check(t, rec.take(t), typ, "gadget",
			w(repo.OpList, 2, nil, 1),
			w(repo.OpList, 2, nil, 1), w(repo.OpList, 1, nil, 1),
			w(repo.OpQuery, 2, nil, 1), w(repo.OpQuery, 1, nil, 1),
			w(repo.OpQuery, 0, repo.ErrInvalidCursor, 0),
			w(repo.OpList, 0, repo.ErrInvalidArgument, 0),
		)

		// Index queries: Call.Index is the index's name.
		byGroup := gadgets.Index("by-group")
		page, err = byGroup.Query(ctx, "red", repo.WithLimit(2))
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		n = 0
		for _, err := range byGroup.All(ctx, "red", repo.WithLimit(2)) {
			require.NoError(t, err)
			n++
		}
		require.Equal(t, 3, n)
		_, err = gadgets.Index("nope").Query(ctx, "red")
		require.ErrorIs(t, err, repo.ErrUnknownIndex)
		_, err = byGroup.Query(ctx, "red", repo.ConsistentRead)
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
		ix := func(name string, items int, kind error, requests int) want {
			c := w(repo.OpQuery, items, kind, requests)
			c.Index = name
			return c
		}
		check(t, rec.take(t), typ, "gadget",
			ix("by-group", 2, nil, 1),
			ix("by-group", 2, nil, 1), ix("by-group", 1, nil, 1),
			ix("nope", 0, repo.ErrUnknownIndex, 0),
			ix("by-group", 0, repo.ErrInvalidArgument, 0),
		)

		// Batches.
		require.NoError(t, gadgets.BatchPut(ctx, []Gadget{g("b1", "x"), g("b2", "x"), g("b3", "x")}))
		found, missing, err := gadgets.BatchGet(ctx, []string{"b1", "b2", "b3", "b9"})
		require.NoError(t, err)
		require.Len(t, found, 3)
		require.Equal(t, []string{"b9"}, missing)
		require.NoError(t, gadgets.BatchDelete(ctx, []string{"b1", "b2"}))
		require.ErrorIs(t, gadgets.BatchPut(ctx, []Gadget{g("b1", "x"), g("b1", "x")}), repo.ErrInvalidArgument)
		_, _, err = gadgets.BatchGet(ctx, []string{"ok", "a#b"})
		require.ErrorIs(t, err, repo.ErrInvalidID)
		require.ErrorIs(t, gadgets.BatchDelete(context.Background(), []string{"b3"}), repo.ErrNoTenant)
		check(t, rec.take(t), typ, "gadget",
			w(repo.OpBatchPut, 3, nil, 1),
			w(repo.OpBatchGet, 3, nil, 1),
			w(repo.OpBatchDelete, 2, nil, 1),
			w(repo.OpBatchPut, 0, repo.ErrInvalidArgument, 0),
			w(repo.OpBatchGet, 0, repo.ErrInvalidID, 0),
			want{Op: repo.OpBatchDelete, Kind: repo.ErrNoTenant},
		)

		// Transactions: the observer of the first action's repository,
		// with its type; a transaction led by a repository without an
		// observer is not seen.
		require.NoError(t, repo.Transact(ctx, gadgets.TxPut(g("g4", "2026-04")), widgets.TxPut(Widget{ID: "w1", N: 1}), gadgets.TxDelete("g2")))
		err = repo.Transact(ctx, gadgets.TxCreate(g("g1", "2026-01")), widgets.TxPut(Widget{ID: "w2"}))
		require.ErrorIs(t, err, repo.ErrTxCanceled)
		require.ErrorIs(t, err, repo.ErrAlreadyExists)
		require.ErrorIs(t, repo.Transact(ctx, gadgets.TxPut(g("g5", "x")), gadgets.TxDelete("g5")), repo.ErrInvalidArgument)
		require.NoError(t, repo.Transact(ctx, widgets.TxPut(Widget{ID: "w3"}), gadgets.TxDelete("g4")))
		check(t, rec.take(t), typ, "gadget",
			w(repo.OpTransact, 3, nil, 1),
			w(repo.OpTransact, 0, repo.ErrTxCanceled, 1),
			w(repo.OpTransact, 0, repo.ErrInvalidArgument, 0),
		)
	})
}

// TestObserverBatchRetries: the repository's own retries of the items a
// batch left unprocessed are charged as Retries, one per request that
// carries items an earlier one left: to the observer's Call, and to a
// Meter of the caller's without any observer. With BatchConcurrency above
// 1 the requests of every goroutine are counted.
func TestObserverBatchRetries(t *testing.T) {
	observerStores(t, func(t *testing.T, b backend.Backend) {
		sp := newSpy(t, b)
		sp.take = 2
		rec := &recorder{}
		gadgets := repo.MustNew[Gadget](sp, fastRetries, func(o *repo.Options) { o.Observer = rec })
		ctx := tenantctx.MustWithTenant(context.Background(), "acme")
		var vs []Gadget
		var ids []string
		for _, id := range []string{"a", "b", "c", "d", "e"} {
			vs = append(vs, Gadget{ID: id, Group: "g", At: id})
			ids = append(ids, id)
		}
		// 5 items, 2 a request: 3 requests, the last 2 retries.
		require.NoError(t, gadgets.BatchPut(ctx, vs))
		found, _, err := gadgets.BatchGet(ctx, ids)
		require.NoError(t, err)
		require.Len(t, found, 5)
		require.NoError(t, gadgets.BatchDelete(ctx, ids))
		retry := func(op repo.Op, items, requests, retries int) want {
			return want{Tenant: "acme", Op: op, Items: items, Requests: requests, Retries: retries}
		}
		check(t, rec.take(t), "repo_test.Gadget", "gadget",
			retry(repo.OpBatchPut, 5, 3, 2),
			retry(repo.OpBatchGet, 5, 3, 2),
			retry(repo.OpBatchDelete, 5, 3, 2),
		)

		// Without an observer, the caller's Meter is charged the same.
		plain := repo.MustNew[Gadget](sp, fastRetries)
		mctx, m := repo.WithMeter(ctx)
		require.NoError(t, plain.BatchPut(mctx, vs))
		assert.Equal(t, 3, m.Usage().Requests)
		assert.Equal(t, 2, m.Usage().Retries)

		// With the observer and a Meter of the caller's, both see it.
		mctx, m = repo.WithMeter(ctx)
		require.NoError(t, gadgets.BatchDelete(mctx, ids))
		assert.Equal(t, 2, m.Usage().Retries)
		check(t, rec.take(t), "repo_test.Gadget", "gadget", retry(repo.OpBatchDelete, 5, 3, 2))

		// In parallel: 60 writes are chunks of 25, 25 and 10; 10 a
		// request makes 3+3+1 requests, 2+2+0 retries. 250 reads are
		// chunks of 100, 100 and 50; 40 a request makes 3+3+2 requests,
		// 2+2+1 retries.
		sp.take = 10
		par := repo.MustNew[Gadget](sp, fastRetries, func(o *repo.Options) {
			o.Observer = rec
			o.BatchConcurrency = 3
		})
		vs, ids = nil, nil
		for i := range 250 {
			id := string(rune('a'+i/26%26)) + string(rune('a'+i%26)) + string(rune('a'+i/676))
			ids = append(ids, id)
			if i < 60 {
				vs = append(vs, Gadget{ID: id, Group: "g", At: id})
			}
		}
		require.NoError(t, par.BatchPut(ctx, vs))
		sp.take = 40
		found, missing, err := par.BatchGet(ctx, ids)
		require.NoError(t, err)
		require.Len(t, found, 60)
		require.Len(t, missing, 190)
		check(t, rec.take(t), "repo_test.Gadget", "gadget",
			retry(repo.OpBatchPut, 60, 7, 4),
			retry(repo.OpBatchGet, 60, 8, 5),
		)
	})
}

// hostileObserver misbehaves in Start as its fields say.
type hostileObserver struct {
	nilCtx     bool   // Start returns nil
	panics     bool   // Start and End panic
	tenant     string // Start returns a context of this tenant
	started    int
	ended      int
	lastTenant string
}

func (h *hostileObserver) Start(ctx context.Context, c *repo.Call) context.Context {
	h.started++
	switch {
	case h.panics:
		panic("observer Start")
	case h.nilCtx:
		return nil
	case h.tenant != "":
		c.Tenant = h.tenant // what it changes in the Call changes nothing either
		return tenantctx.MustWithTenant(ctx, h.tenant)
	}
	return ctx
}

func (h *hostileObserver) End(ctx context.Context, c *repo.Call) {
	h.ended++
	h.lastTenant = c.Tenant
	if h.panics {
		panic("observer End")
	}
}

// TestObserverCannotMoveTenant: an observer whose Start returns a context
// of another tenant, returns nil, or panics (in Start and End) changes
// nothing a call does: every request names the keys of the tenant of the
// call's own context, the call returns what it returns without an
// observer, and End is still called once. A nil context from Start leaves
// the call's own; a panic is recovered and the call goes on.
func TestObserverCannotMoveTenant(t *testing.T) {
	observerStores(t, func(t *testing.T, b backend.Backend) {
		for _, h := range []*hostileObserver{{tenant: "globex"}, {nilCtx: true}, {panics: true}} {
			sp := newSpy(t, b)
			gadgets := repo.MustNew[Gadget](sp, func(o *repo.Options) { o.Observer = h })
			ctx := tenantctx.MustWithTenant(context.Background(), "acme")
			acme, err := entity.NewTenant("acme")
			require.NoError(t, err)

			_, err = gadgets.Put(ctx, Gadget{ID: "h1", Group: "blue", At: "1"})
			require.NoError(t, err)
			_, err = gadgets.Create(ctx, Gadget{ID: "h2", Group: "blue", At: "2"})
			require.NoError(t, err)
			_, err = gadgets.Update(ctx, Gadget{ID: "h2", Note: "n"}, []string{"note"})
			require.NoError(t, err)
			_, err = gadgets.UpdateExpr(ctx, "h2", expression.Set(expression.Name("note"), expression.Value("m")))
			require.NoError(t, err)
			got, err := gadgets.Get(ctx, "h2")
			require.NoError(t, err)
			require.Equal(t, "m", got.Note)
			page, err := gadgets.List(ctx)
			require.NoError(t, err)
			require.Len(t, page.Items, 2)
			page, err = gadgets.Index("by-group").Query(ctx, "blue")
			require.NoError(t, err)
			require.Len(t, page.Items, 2)
			require.NoError(t, gadgets.BatchPut(ctx, []Gadget{{ID: "h3", Group: "blue", At: "3"}}))
			found, _, err := gadgets.BatchGet(ctx, []string{"h1", "h2", "h3"})
			require.NoError(t, err)
			require.Len(t, found, 3)
			require.NoError(t, repo.Transact(ctx, gadgets.TxDelete("h3"), gadgets.TxPut(Gadget{ID: "h4"})))
			require.NoError(t, gadgets.BatchDelete(ctx, []string{"h4"}))
			require.NoError(t, gadgets.Delete(ctx, "h1"))

			assert.Equal(t, 12, h.started, "%+v", h)
			assert.Equal(t, 12, h.ended, "%+v", h)
			keys := sp.keys()
			require.NotEmpty(t, keys)
			for _, k := range keys {
				assert.True(t, k == acme.PartitionKey() || acme.OwnsIndexPartitionKey(k), "%+v: a request named %q", h, k)
			}
			// What is stored is acme's, and globex has nothing.
			plain := repo.MustNew[Gadget](b)
			page, err = plain.List(ctx)
			require.NoError(t, err)
			assert.Len(t, page.Items, 1)
			page, err = plain.List(tenantctx.MustWithTenant(context.Background(), "globex"))
			require.NoError(t, err)
			assert.Empty(t, page.Items)
			require.NoError(t, plain.Delete(ctx, "h2"))
		}
	})
}

// TestObserverRequestsInStartContext: every request of an observed call is
// made in the context Start returned (so an observer's span is the parent
// of the SDK's), and a Meter of the caller's context also sees what the
// call cost.
func TestObserverRequestsInStartContext(t *testing.T) {
	observerStores(t, func(t *testing.T, b backend.Backend) {
		sp := newSpy(t, b)
		sp.marked = true
		rec := &recorder{}
		gadgets := repo.MustNew[Gadget](sp, func(o *repo.Options) { o.Observer = rec })
		ctx, m := repo.WithMeter(tenantctx.MustWithTenant(context.Background(), "acme"))
		_, err := gadgets.Put(ctx, Gadget{ID: "m1", Group: "g", At: "1"})
		require.NoError(t, err)
		_, err = gadgets.Get(ctx, "m1")
		require.NoError(t, err)
		_, err = gadgets.Index("by-group").Query(ctx, "g")
		require.NoError(t, err)
		require.NoError(t, repo.Transact(ctx, gadgets.TxDelete("m1")))
		assert.Zero(t, sp.unmarked, "requests made outside the context Start returned")
		assert.Equal(t, 4, m.Usage().Requests)
		calls := rec.take(t)
		require.Len(t, calls, 4)
		for _, c := range calls {
			assert.Equal(t, 1, c.Usage.Requests, "%s", c.Op)
		}
	})
}

// TestNoObserverAllocatesAsBefore: without an observer, Get, Put and a
// List page allocate on the memory backend exactly what they did on the
// commit before observers existed (4c3a4bd), measured there with this
// test's calls and go1.26, with and without -race (the race detector
// changes what the compiler keeps on the stack). Compilers move
// allocations between versions, so the figures are checked with go1.26
// only; TestNoObserverAllocatesNothingMore (observe_alloc_test.go) checks
// the hook itself on any compiler and on both backends. A change that
// moves these figures on purpose updates them and says why.
func TestNoObserverAllocatesAsBefore(t *testing.T) {
	before := map[bool]map[string]uint64{
		false: {"Get": 4, "Put": 18, "List": 30, "Get missing": 7},
		true:  {"Get": 4, "Put": 24, "List": 30, "Get missing": 7},
	}[repo.RaceOn]
	users := repo.MustNew[User](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	for _, id := range strings.Fields("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19") {
		_, err := users.Put(ctx, User{ID: id, Name: "n", Email: "e"})
		require.NoError(t, err)
	}
	u := User{ID: "3", Name: "x", Email: "y"}
	got := map[string]uint64{
		"Get":         repo.MinAllocs(func() { _, _ = users.Get(ctx, "3") }),
		"Put":         repo.MinAllocs(func() { _, _ = users.Put(ctx, u) }),
		"List":        repo.MinAllocs(func() { _, _ = users.List(ctx, repo.WithLimit(10)) }),
		"Get missing": repo.MinAllocs(func() { _, _ = users.Get(ctx, "nope") }),
	}
	if !strings.HasPrefix(runtime.Version(), "go1.26") {
		t.Skipf("figures before observers are for go1.26, not %s; now: %v", runtime.Version(), got)
	}
	assert.Equal(t, before, got, "allocations without an observer (race %v)", repo.RaceOn)
}

// TestObserverCapacity: the capacity a call consumed reaches its Call and a
// caller's Meter, the same on both backends (DynamoDB Local reports it; the
// memory backend computes it by the published rules): Get 0.5 read units
// eventually consistent and 1 consistent, a small Put 1 write unit on the
// table and 1 on each index it enters, an index query's reads on the
// index, a batch's summed per item, a transaction's doubled (one action: DynamoDB Local's figures for more
// are not DynamoDB's), and nothing
// for a call refused before its first request.
func TestObserverCapacity(t *testing.T) {
	observerStores(t, func(t *testing.T, b backend.Backend) {
		rec := &recorder{}
		gadgets := repo.MustNew[Gadget](b, func(o *repo.Options) { o.Observer = rec })
		ctx := tenantctx.MustWithTenant(context.Background(), "acme")
		_, err := gadgets.Put(ctx, Gadget{ID: "c1", Group: "g", At: "1"})
		require.NoError(t, err)
		_, err = gadgets.Get(ctx, "c1")
		require.NoError(t, err)
		mctx, m := repo.WithMeter(ctx)
		_, err = gadgets.Get(mctx, "c1", repo.ConsistentRead)
		require.NoError(t, err)
		_, err = gadgets.Index("by-group").Query(ctx, "g")
		require.NoError(t, err)
		require.NoError(t, gadgets.BatchPut(ctx, []Gadget{{ID: "c2"}, {ID: "c3"}}))
		// One action: DynamoDB Local's figures for transactions of
		// several are not DynamoDB's (see internal/proptest's capacity
		// differential).
		require.NoError(t, repo.Transact(ctx, gadgets.TxDelete("c2")))
		_, err = gadgets.Get(ctx, "a#b")
		require.ErrorIs(t, err, repo.ErrInvalidID)

		calls := rec.take(t)
		require.Len(t, calls, 7)
		ix1 := func(u backend.Units) [backend.MaxIndexes]backend.Units {
			var x [backend.MaxIndexes]backend.Units
			x[0] = u
			return x
		}
		capOf := func(table backend.Units, gsi1 backend.Units) backend.Capacity {
			return backend.Capacity{Table: table, Indexes: ix1(gsi1)}
		}
		wants := []backend.Capacity{
			capOf(backend.Units{Write: 1}, backend.Units{Write: 1}), // Put, into GSI1
			capOf(backend.Units{Read: 0.5}, backend.Units{}),        // Get, eventually consistent
			capOf(backend.Units{Read: 1}, backend.Units{}),          // Get, consistent
			capOf(backend.Units{}, backend.Units{Read: 0.5}),        // index query: the index's reads
			capOf(backend.Units{Write: 2}, backend.Units{}),         // BatchPut of 2 items, no index
			capOf(backend.Units{Write: 2}, backend.Units{}),         // transaction of a delete: doubled
			{}, // refused before any request
		}
		for i, c := range calls {
			assert.Equal(t, wants[i], c.Usage.Capacity, "call %d (%s)", i, c.Op)
		}
		assert.Equal(t, calls[2].Usage, m.Usage(), "the caller's Meter sees what the Call does")
		assert.Zero(t, calls[6].Usage.Requests)
	})
}
