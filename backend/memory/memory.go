package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/btree"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/expreval"
	"github.com/tenantrepo/tenantrepo/entity"
)

// Store is an in-memory table. It holds the items of every tenant and entity
// type of one application, ordered by sort key within each partition. The
// zero value is not ready; use New. A Store is safe for concurrent use.
type Store struct {
	backend.Registry

	opts Options
	now  func() time.Time // the clock of transaction tokens

	slots backend.IndexSet // the Store has the indexes GSI<n>, n in slots

	mu    sync.RWMutex
	parts map[string]*partition // by partition key
	// idx[n-1] is index GSI<n>: index partition key -> items by index
	// sort key (see index.go).
	idx    [backend.MaxIndexes]map[string]*btree.BTreeG[*ixEntry]
	tokens tokenCache // tokens of recent transactions
	// scanList caches the partition keys in scan order (see scan.go); a
	// write that makes or empties a partition clears it.
	scanList atomic.Pointer[[]scanPart]
	// feed records every change when the change feed is on (see
	// feed.go); nil when it is off.
	feed *feed
}

// Options tune a Store. New starts from the zero value, which is
// DynamoDB's behaviour with every index slot, and applies the caller's
// functions to it, as the DynamoDB backend's New does.
type Options struct {
	// Unprocessed, when set, is asked before a BatchGet or BatchWrite
	// takes effect about the key of each of its keys or writes, in request
	// order; those it reports true for are left undone and returned as
	// Unprocessed, as DynamoDB returns UnprocessedKeys and
	// UnprocessedItems when it is busy. Tests use it to exercise retries.
	// It is called without the Store's lock held and must not call the
	// Store. Nil leaves nothing unprocessed.
	Unprocessed func(k backend.Key) bool

	// Indexes is how many of the secondary indexes GSI1 ...
	// GSI<backend.MaxIndexes> the Store has, as the DynamoDB backend's
	// Options.Indexes says how many its table has: set both alike so
	// that a query of an index the table lacks, or an index key of the
	// wrong type, fails in unit tests as it fails on DynamoDB. Zero means
	// backend.MaxIndexes; New panics on a value below zero or
	// over backend.MaxIndexes. IndexSlots, when set, decides instead.
	Indexes int

	// IndexSlots, when not nil, lists exactly the index slots the Store
	// has (n stands for GSI<n>), as the DynamoDB backend's
	// Options.IndexSlots lists those its table needs; an empty, non-nil
	// list means none. WithIndexSlots sets it. New panics on a slot out of 1 ...
	// backend.MaxIndexes, a slot given twice, or IndexSlots set together
	// with Indexes.
	IndexSlots []int

	// Feed, when set, turns on the Store's change feed (see
	// WithChangeFeed and FeedOptions).
	Feed *FeedOptions
}

// entry is one stored item and its size, kept so pages need not recount,
// with its keys in the Store's indexes.
type entry struct {
	pk, sk string
	item   backend.Item
	size   int
	ix     [backend.MaxIndexes]indexKeys // the item's keys in GSI1, ...
	h      [20]byte                      // tieHash(pk, sk) when hashed
	hashed bool                          // the item is in an index
}

func lessEntry(a, b *entry) bool { return a.sk < b.sk }

// partition holds the items of one partition key twice: in a B-tree by
// sort key, for queries, and in a map by sort key, for the reads and
// writes of one item, which then take the same time whatever the size of
// the partition.
type partition struct {
	tree *btree.BTreeG[*entry]
	bySK map[string]*entry
}

// degree of the B-trees: wide nodes keep lookups shallow and cache-friendly.
const degree = 32

var (
	_ backend.Backend = (*Store)(nil)
	_ backend.Lender  = (*Store)(nil)
)

// New returns an empty Store tuned by optFns, which are applied in order
// to a zero Options:
//
//	store := memory.New(memory.WithIndexSlots(1, 2))
//
// It panics on options that cannot describe a table (see Options.Indexes
// and Options.IndexSlots), as a program's fixed configuration is wrong
// then, not its input.
func New(optFns ...func(*Options)) *Store {
	var opts Options
	for _, fn := range optFns {
		fn(&opts)
	}
	s := &Store{
		opts:  opts,
		now:   time.Now,
		slots: checkIndexes(opts),
		parts: make(map[string]*partition),
	}
	for _, n := range s.slots.Slots() {
		s.idx[n-1] = make(map[string]*btree.BTreeG[*ixEntry])
	}
	if opts.Feed != nil {
		s.feed = newFeed(*opts.Feed)
	}
	return s
}

// WithIndexSlots returns an option that sets Options.IndexSlots to exactly
// slots, and clears Options.Indexes, as the DynamoDB backend's
// WithIndexSlots does: give both backends the same slots. WithIndexSlots()
// with no slot makes a Store without secondary indexes.
func WithIndexSlots(slots ...int) func(*Options) {
	return func(o *Options) {
		o.IndexSlots = append([]int{}, slots...)
		o.Indexes = 0
	}
}

// Options returns a copy of the options the Store was made with:
// New(func(o *Options) { *o = s.Options() }) makes an empty Store with the
// same index slots and change-feed setting (a feed of its own).
func (s *Store) Options() Options {
	o := s.opts
	if o.IndexSlots != nil {
		o.IndexSlots = slices.Clone(o.IndexSlots)
	}
	if o.Feed != nil {
		f := *o.Feed
		o.Feed = &f
	}
	return o
}

// Indexes returns how many of the indexes GSI1, GSI2, ... the Store has;
// IndexSlots says which.
func (s *Store) Indexes() int { return s.slots.Len() }

// IndexSlots returns the index slots the Store has (Options.IndexSlots or
// Options.Indexes).
func (s *Store) IndexSlots() backend.IndexSet { return s.slots }

// KnownIndexes returns the index slots the Store has, and true: the Store
// always knows. It implements backend.IndexReporter.
func (s *Store) KnownIndexes() (backend.IndexSet, bool) { return s.slots, true }

// TableIndexes returns the index slots the Store has. It implements
// backend.IndexReporter.
func (s *Store) TableIndexes(context.Context) (backend.IndexSet, error) { return s.slots, nil }

// Len returns the number of items stored, for all tenants and types.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, p := range s.parts {
		n += len(p.bySK)
	}
	return n
}

// Snapshot returns a deep copy of every stored item, in partition and
// sort-key order. Tests use it to check that a failed call changed nothing.
func (s *Store) Snapshot() []backend.Item {
	s.mu.RLock()
	defer s.mu.RUnlock()
	pks := make([]string, 0, len(s.parts))
	for pk := range s.parts {
		pks = append(pks, pk)
	}
	slices.Sort(pks)
	var out []backend.Item
	for _, pk := range pks {
		s.parts[pk].tree.Ascend(func(e *entry) bool {
			out = append(out, backend.CopyItem(e.item))
			return true
		})
	}
	return out
}

// checkKey rejects keys DynamoDB rejects (see backend.Key.Check).
func checkKey(k backend.Key) error {
	if err := k.Check(); err != nil {
		return fmt.Errorf("memory: %w", err) // as the DynamoDB backend refuses it
	}
	return nil
}

// keyOf returns the table key of item.
func keyOf(item backend.Item) backend.Key {
	k, _ := backend.KeyOf(item)
	return k
}

// checkItem rejects items DynamoDB rejects: bad keys, bad values, bad index
// keys, too large. An index key of the wrong type is an *indexTypeError,
// returned when nothing else is wrong.
func (s *Store) checkItem(item backend.Item) (size int, err error) {
	size, err = backend.CheckItem(item) // values and size in one pass
	if err != nil {
		return 0, fmt.Errorf("memory: %w", err)
	}
	if err := checkKey(keyOf(item)); err != nil {
		return 0, err
	}
	ixErr := checkIndexKeys(item, s.slots)
	var ite *indexTypeError
	if ixErr != nil && !errors.As(ixErr, &ite) {
		return 0, ixErr
	}
	if err := checkSizeOf(size); err != nil {
		return 0, err
	}
	return size, ixErr
}

func checkSize(item backend.Item) (int, error) {
	size := backend.ItemSize(item)
	return size, checkSizeOf(size)
}

func checkSizeOf(size int) error {
	if size > backend.MaxItemBytes {
		return fmt.Errorf("memory: %w: %d bytes, more than %d", backend.ErrItemTooLarge, size, backend.MaxItemBytes)
	}
	return nil
}

// parseExpr parses the expressions of a request that may carry the parts
// allowed; the others must be empty, as the DynamoDB backend requires.
func parseExpr(e backend.Expressions, allowed backend.ExprParts) (*expreval.Request, error) {
	if err := e.CheckParts(allowed); err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	if err := e.CheckSendable(); err != nil {
		return nil, fmt.Errorf("memory: %w", err) // as the DynamoDB backend refuses it
	}
	return expreval.Parse(e)
}

// find returns the stored entry at k, or nil. The caller holds s.mu.
func (s *Store) find(k backend.Key) *entry {
	p := s.parts[k.PK]
	if p == nil {
		return nil
	}
	return p.bySK[k.SK]
}

// holds returns a *backend.ConditionFailedError, with a copy of the item
// as it is, unless cond (nil for none) holds for old (nil for a missing
// item). The caller holds s.mu.
func holds(cond *expreval.Condition, old *entry) error {
	if cond == nil {
		return nil
	}
	var item backend.Item
	if old != nil {
		item = old.item
	}
	ok, err := cond.Eval(item)
	if err != nil {
		return err
	}
	if !ok {
		return &backend.ConditionFailedError{Item: backend.CopyItem(item)}
	}
	return nil
}

// store saves e, in the table and in its indexes. The caller holds s.mu
// for writing.
func (s *Store) store(e *entry) {
	p := s.parts[e.pk]
	if p == nil {
		p = &partition{tree: btree.NewG(degree, lessEntry), bySK: make(map[string]*entry)}
		s.parts[e.pk] = p
		s.scanList.Store(nil)
	}
	old, _ := p.tree.ReplaceOrInsert(e)
	p.bySK[e.sk] = e
	s.index(old, e)
	if s.feed != nil {
		var was backend.Item
		if old != nil {
			was = old.item
		}
		s.feed.record(e.pk, was, e.item, false)
	}
}

// remove deletes the item at k, if any, from the table and its indexes.
// The caller holds s.mu for writing.
func (s *Store) remove(k backend.Key) { s.removeAs(k, false) }

// removeAs is remove; the change feed records the removal as one by the
// time to live when expired is set.
func (s *Store) removeAs(k backend.Key, expired bool) {
	if p := s.parts[k.PK]; p != nil {
		if old, ok := p.bySK[k.SK]; ok {
			p.tree.Delete(old)
			delete(p.bySK, k.SK)
			s.index(old, nil)
			if s.feed != nil {
				s.feed.record(k.PK, old.item, nil, expired)
			}
		}
		if len(p.bySK) == 0 {
			delete(s.parts, k.PK)
			s.scanList.Store(nil)
		}
	}
}

// Get returns a copy of the item at in.Key, or an error wrapping
// backend.ErrNotFound.
func (s *Store) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	return s.get(ctx, in, true)
}

// GetShared is Get without the copy: the item returned is the Store's own,
// which it never changes, and which the caller must not change (see
// backend.Lender).
func (s *Store) GetShared(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	return s.get(ctx, in, false)
}

func (s *Store) get(ctx context.Context, in backend.GetInput, copyItem bool) (backend.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.find(in.Key)
	if backend.Metered(ctx) {
		size := 0
		if e != nil {
			size = e.size
		}
		charge(ctx, backend.Capacity{Table: backend.Units{Read: backend.GetUnits(size, in.ConsistentRead)}})
	}
	if e == nil {
		return nil, fmt.Errorf("memory: %w", backend.ErrNotFound)
	}
	if !copyItem {
		return e.item, nil
	}
	return backend.CopyItem(e.item), nil
}

// Put stores a copy of in.Item when in.Expr.Condition holds for the item
// stored at its key (an item without attributes when there is none), else
// returns a *backend.ConditionFailedError with the item as it was.
func (s *Store) Put(ctx context.Context, in backend.PutInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	size, err := s.checkItem(in.Item)
	if err != nil {
		return err
	}
	req, err := parseExpr(in.Expr, backend.PutParts)
	if err != nil {
		return err
	}
	k := keyOf(in.Item)
	e := s.newEntry(k, backend.StoredItem(in.Item), size)
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.find(k)
	if err := holds(req.Condition, old); err != nil {
		if backend.Metered(ctx) {
			charge(ctx, backend.FailedWriteCapacity(written(old), false))
		}
		return fmt.Errorf("memory: put: %w", err)
	}
	if backend.Metered(ctx) {
		charge(ctx, backend.WriteCapacity(written(old), written(e), s.slots, false))
	}
	s.store(e)
	return nil
}

// Update applies in.Expr.Update to the item at in.Key when
// in.Expr.Condition holds, creating the item from its key when it is
// missing (as DynamoDB's UpdateItem does), and returns a copy of the item
// afterwards. A failed condition returns a *backend.ConditionFailedError
// with the item as it was. The update is evaluated by package
// backend/expreval; see its documentation for the subset supported.
func (s *Store) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	req, err := parseExpr(in.Expr, backend.UpdateParts)
	if err != nil {
		return nil, err
	}
	if err := checkUpdateValues(req.Update); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.find(in.Key)
	if err := holds(req.Condition, old); err != nil {
		if backend.Metered(ctx) {
			charge(ctx, backend.FailedWriteCapacity(written(old), false))
		}
		return nil, fmt.Errorf("memory: update: %w", err)
	}
	if req.Update == nil && old != nil {
		if backend.Metered(ctx) {
			charge(ctx, backend.WriteCapacity(written(old), written(old), s.slots, false))
		}
		return backend.CopyItem(old.item), nil
	}
	e, err := s.updated(in.Key, old, req.Update)
	if err != nil {
		return nil, err
	}
	if backend.Metered(ctx) {
		charge(ctx, backend.WriteCapacity(written(old), written(e), s.slots, false))
	}
	s.store(e)
	return backend.CopyItem(e.item), nil
}

// checkUpdateValues refuses an update whose writes alone (names and
// values, see expreval.Update.WriteBytes) are too large for an item, as
// DynamoDB does before it looks at the item.
func checkUpdateValues(u *expreval.Update) error {
	if u == nil {
		return nil
	}
	if n := u.WriteBytes(); n > backend.MaxItemBytes {
		return fmt.Errorf("memory: %w: the update writes %d bytes, item size to update has exceeded the maximum allowed size",
			backend.ErrItemTooLarge, n)
	}
	return nil
}

// updated returns the entry that update u (nil for none) makes of old (nil
// for a missing item, which starts as its key). An index key of the wrong
// type afterwards is an *indexTypeError.
func (s *Store) updated(k backend.Key, old *entry, u *expreval.Update) (*entry, error) {
	item := k.Item()
	if old != nil {
		item = old.item
	}
	if u != nil {
		for _, name := range []string{entity.PartitionKeyName, entity.SortKeyName} {
			if u.Writes(name) {
				return nil, fmt.Errorf("memory: %w: Cannot update attribute %s. This attribute is part of the key", backend.ErrInvalidArgument, name)
			}
		}
		var err error
		if item, err = u.Apply(item); err != nil {
			return nil, err
		}
		normalizeNumbers(item)
		// Apply keeps DynamoDB's rules on values; check as for a put.
		size, err := backend.CheckItem(item)
		if err != nil {
			return nil, fmt.Errorf("memory: %w", err)
		}
		if err := checkIndexKeys(item, s.slots); err != nil {
			return nil, err
		}
		if err := checkSizeOf(size); err != nil {
			return nil, err
		}
		return s.newEntry(k, item, size), nil
	}
	size, err := checkSize(item)
	if err != nil {
		return nil, err
	}
	return s.newEntry(k, item, size), nil
}

// normalizeNumbers replaces the top-level numbers and number sets of item
// by ones in the form StoredItem gives, without changing the values item
// holds, which it may share with other items.
func normalizeNumbers(item backend.Item) {
	for name, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberN:
			if n := backend.NormalizeNumber(v.Value); n != v.Value {
				item[name] = &types.AttributeValueMemberN{Value: n}
			}
		case *types.AttributeValueMemberNS:
			for i, n := range v.Value {
				if backend.NormalizeNumber(n) != n {
					ns := slices.Clone(v.Value)
					for j := i; j < len(ns); j++ {
						ns[j] = backend.NormalizeNumber(ns[j])
					}
					item[name] = &types.AttributeValueMemberNS{Value: ns}
					break
				}
			}
		}
	}
}

// Delete removes the item at in.Key when in.Expr.Condition holds, else
// returns a *backend.ConditionFailedError with the item as it was.
// Deleting a missing item whose condition holds succeeds.
func (s *Store) Delete(ctx context.Context, in backend.DeleteInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(in.Key); err != nil {
		return err
	}
	req, err := parseExpr(in.Expr, backend.DeleteParts)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.find(in.Key)
	if err := holds(req.Condition, old); err != nil {
		if backend.Metered(ctx) {
			charge(ctx, backend.FailedWriteCapacity(written(old), false))
		}
		return fmt.Errorf("memory: delete: %w", err)
	}
	if backend.Metered(ctx) {
		charge(ctx, backend.WriteCapacity(written(old), backend.Written{}, s.slots, false))
	}
	s.remove(in.Key)
	return nil
}

// Query returns one page of the partition in.PK of the table, or with
// in.Index set of that index, as DynamoDB's Query does: at most in.Limit
// items and at most backend.MaxPageBytes of item data, starting after
// in.StartKey, less the items in.Expr.Filter drops. The page's LastKey
// follows DynamoDB (checked by the conformance suite against DynamoDB
// Local):
//
//   - a page stopped at its Limit has a LastKey even when nothing follows,
//     except, in a table query, a Between page whose last item sits on the
//     bound it reads towards (Hi ascending, Lo descending);
//   - a page stopped by the 1 MB cut (the item that reaches MaxPageBytes is
//     included) has a LastKey only when more items of the range follow;
//   - the filter drops items after the Limit and the 1 MB cut have chosen
//     them, and does not change the LastKey. A filter may not read the key
//     attributes of what is queried (PK and SK, or the index's GSI<n>PK and
//     GSI<n>SK), ErrInvalidArgument as in DynamoDB; an index query's filter
//     may read PK and SK.
//
// A table query's start key of another partition, outside the range,
// empty, on the Between bound the query reads towards, or with index keys
// is refused with backend.ErrInvalidStartKey. An index query's start key
// must hold all four keys, of the queried index partition, with an index
// sort key in the range (see checkIndexStartKey); it need not be the
// position of an item. An index query of an index the Store lacks, or with
// ConsistentRead, is backend.ErrInvalidArgument. A partition key over 2048
// bytes selects nothing, as in DynamoDB; a range bound over 1024 bytes is
// ErrInvalidArgument.
func (s *Store) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	return s.query(ctx, in, true)
}

// QueryShared is Query without copying the items of the page: they are
// the Store's own, which it never changes, and which the caller must not
// change (see backend.Lender).
func (s *Store) QueryShared(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	return s.query(ctx, in, false)
}

func (s *Store) query(ctx context.Context, in backend.QueryInput, copyItems bool) (backend.QueryOutput, error) {
	if err := ctx.Err(); err != nil {
		return backend.QueryOutput{}, err
	}
	if err := in.CheckSendable(); err != nil {
		return backend.QueryOutput{}, fmt.Errorf("memory: query: %w", err) // as the DynamoDB backend refuses it
	}
	n := 0 // the index queried, 0 for the table
	if in.Index != "" {
		var err error
		if n, err = indexNumber(in.Index, s.slots); err != nil {
			return backend.QueryOutput{}, err
		}
		if in.ConsistentRead {
			return backend.QueryOutput{}, fmt.Errorf("memory: %w: Consistent reads are not supported on global secondary indexes", backend.ErrInvalidArgument)
		}
	}
	if in.PK == "" {
		return backend.QueryOutput{}, fmt.Errorf("memory: %w: empty partition key", backend.ErrInvalidArgument)
	}
	if in.Limit < 1 {
		return backend.QueryOutput{}, fmt.Errorf("memory: %w: limit %d is below 1", backend.ErrInvalidArgument, in.Limit)
	}
	if in.Range.Op != backend.BeginsWith && in.Range.Op != backend.Between {
		return backend.QueryOutput{}, fmt.Errorf("memory: %w: unknown range operator %d", backend.ErrInvalidArgument, in.Range.Op)
	}
	between := in.Range.Op == backend.Between
	if between && in.Range.Lo > in.Range.Hi {
		return backend.QueryOutput{}, fmt.Errorf("memory: %w: range bounds are reversed", backend.ErrInvalidArgument)
	}
	if len(in.Range.Lo) > entity.MaxSortKeyBytes || between && len(in.Range.Hi) > entity.MaxSortKeyBytes {
		return backend.QueryOutput{}, fmt.Errorf("memory: %w: One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of %d bytes",
			backend.ErrInvalidArgument, entity.MaxSortKeyBytes)
	}
	req, err := parseExpr(in.Expr, backend.QueryParts)
	if err != nil {
		return backend.QueryOutput{}, err
	}
	filter := req.Filter
	if filter != nil {
		keyNames := []string{entity.PartitionKeyName, entity.SortKeyName}
		if n > 0 {
			pkName, skName := backend.IndexKeyNames(in.Index)
			keyNames = []string{pkName, skName}
		}
		for _, name := range keyNames {
			if filter.References(name) {
				return backend.QueryOutput{}, fmt.Errorf("memory: %w: Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", backend.ErrInvalidArgument, name)
			}
		}
	}
	// towards is the Between bound the walk reads towards.
	towards := in.Range.Hi
	if in.Descending {
		towards = in.Range.Lo
	}
	if k := in.StartKey; k != nil && n == 0 {
		if k.IndexPK != "" || k.IndexSK != "" {
			return backend.QueryOutput{}, fmt.Errorf("memory: %w: Exclusive Start Key must have same size as table's key schema: a table query's start key has no index keys", backend.ErrInvalidStartKey)
		}
		if k.PK != in.PK || k.SK == "" || !in.Range.Contains(k.SK) || (between && k.SK == towards) {
			return backend.QueryOutput{}, fmt.Errorf("memory: %w: start key %q does not match the key condition", backend.ErrInvalidStartKey, k.SK)
		}
	}
	if n > 0 {
		if err := checkIndexStartKey(in); err != nil {
			return backend.QueryOutput{}, err
		}
	}
	if len(in.PK) > entity.MaxPartitionKeyBytes {
		if backend.Metered(ctx) {
			charge(ctx, backend.Capacity{})
		}
		return backend.QueryOutput{}, nil // no partition has such a key
	}
	w := &walker{index: n, limit: in.Limit, filter: filter, copy: copyItems}
	if between && n == 0 {
		w.noLastKeyAt, w.towards = true, towards
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if n > 0 {
		s.queryIndex(n, in, w)
	} else {
		s.queryTable(in, w)
	}
	if w.err != nil {
		return backend.QueryOutput{}, w.err
	}
	if backend.Metered(ctx) {
		// The items the page evaluated, before the filter, summed then
		// rounded; nothing for an empty page, as DynamoDB Local charges.
		charge(ctx, readCapacity(n, w.bytes, in.ConsistentRead))
	}
	return w.out, nil
}

// walker collects one page of a query from the items a walk of the table
// or of an index visits in order.
type walker struct {
	index  int // the index walked, 0 for the table
	limit  int
	copy   bool // the page holds copies of the items, not the Store's own
	filter *expreval.Condition
	// A table query's page stopped at its Limit by an item on the
	// Between bound it reads towards has no LastKey.
	noLastKeyAt bool
	towards     string

	out       backend.QueryOutput
	bytes     int
	evaluated int
	cut       *entry // the last item of a page cut at 1 MB, while looking ahead
	err       error
}

// position returns the key of e as a page's LastKey.
func (w *walker) position(e *entry) *backend.Key {
	k := &backend.Key{PK: e.pk, SK: e.sk}
	if w.index > 0 {
		k.IndexPK, k.IndexSK = e.ix[w.index-1].pk, e.ix[w.index-1].sk
	}
	return k
}

// visit takes the next item of the range, after the start key, and reports
// whether the walk goes on.
func (w *walker) visit(e *entry) bool {
	if w.cut != nil {
		// More of the range follows a page cut at 1 MB.
		w.out.LastKey = w.position(w.cut)
		return false
	}
	w.evaluated++
	w.bytes += e.size
	keep := true
	if w.filter != nil {
		if keep, w.err = w.filter.Eval(e.item); w.err != nil {
			return false
		}
	}
	if keep {
		item := e.item
		if w.copy {
			item = backend.CopyItem(item)
		}
		if w.out.Items == nil {
			w.out.Items = make([]backend.Item, 0, min(w.limit, 128))
		}
		w.out.Items = append(w.out.Items, item)
	}
	switch {
	case w.evaluated == w.limit:
		if !w.noLastKeyAt || e.sk != w.towards {
			w.out.LastKey = w.position(e)
		}
		return false
	case w.bytes >= backend.MaxPageBytes:
		w.cut = e
	}
	return true
}

// queryTable walks partition in.PK of the table for Query, which checked
// in and holds s.mu for reading.
func (s *Store) queryTable(in backend.QueryInput, w *walker) {
	p := s.parts[in.PK]
	if p == nil {
		return
	}
	t := p.tree
	visit := func(e *entry) bool {
		if in.StartKey != nil && e.sk == in.StartKey.SK {
			return true // exclusive start
		}
		if !in.Range.Contains(e.sk) {
			return false // walked out of the range
		}
		return w.visit(e)
	}
	switch {
	case !in.Descending:
		from := in.Range.Lo
		if in.StartKey != nil {
			from = in.StartKey.SK
		}
		t.AscendGreaterOrEqual(&entry{sk: from}, visit)
	case in.StartKey != nil:
		t.DescendLessOrEqual(&entry{sk: in.StartKey.SK}, visit)
	case in.Range.Op == backend.Between:
		t.DescendLessOrEqual(&entry{sk: in.Range.Hi}, visit)
	default:
		// Start below the first string after every string with prefix Lo.
		if next, ok := successor(in.Range.Lo); ok {
			t.DescendLessOrEqual(&entry{sk: next}, func(e *entry) bool {
				return e.sk == next || visit(e)
			})
		} else {
			t.Descend(visit)
		}
	}
}

// successor returns the first string after every string that starts with p,
// or false when there is none (p is all 0xFF bytes).
func successor(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xFF {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}
