package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/btree"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/expr"
)

// Store is an in-memory table. It holds the items of every tenant and entity
// type of one application, ordered by sort key within each partition. The
// zero value is not ready; use New. A Store is safe for concurrent use.
type Store struct {
	backend.Registry

	opts Options
	now  func() time.Time // the clock of transaction tokens

	mu     sync.RWMutex
	parts  map[string]*btree.BTreeG[*entry] // partition key -> items by SK
	tokens tokenCache                       // tokens of recent transactions
}

// Options tune a Store. The zero value is what New uses.
type Options struct {
	// Unprocessed, when set, is asked before a BatchGet or BatchWrite
	// takes effect about the key of each of its keys or writes, in request
	// order; those it reports true for are left undone and returned as
	// Unprocessed, as DynamoDB returns UnprocessedKeys and
	// UnprocessedItems when it is busy. Tests use it to exercise retries.
	// It is called without the Store's lock held and must not call the
	// Store. Nil leaves nothing unprocessed.
	Unprocessed func(k backend.Key) bool
}

// entry is one stored item and its size, kept so pages need not recount.
type entry struct {
	sk   string
	item backend.Item
	size int
}

func lessEntry(a, b *entry) bool { return a.sk < b.sk }

// degree of the B-trees: wide nodes keep lookups shallow and cache-friendly.
const degree = 32

var _ backend.Backend = (*Store)(nil)

// New returns an empty Store.
func New() *Store { return NewWithOptions(Options{}) }

// NewWithOptions returns an empty Store tuned by opts.
func NewWithOptions(opts Options) *Store {
	return &Store{
		opts:  opts,
		now:   time.Now,
		parts: make(map[string]*btree.BTreeG[*entry]),
	}
}

// Len returns the number of items stored, for all tenants and types.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, t := range s.parts {
		n += t.Len()
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
		s.parts[pk].Ascend(func(e *entry) bool {
			out = append(out, backend.CopyItem(e.item))
			return true
		})
	}
	return out
}

// checkKey rejects keys DynamoDB rejects: empty, or over its size limits.
func checkKey(k backend.Key) error {
	switch {
	case k.PK == "" || k.SK == "":
		return fmt.Errorf("memory: %w: empty key attribute", backend.ErrInvalidArgument)
	case len(k.PK) > entity.MaxPartitionKeyBytes:
		return fmt.Errorf("memory: %w: partition key of %d bytes exceeds %d", backend.ErrInvalidArgument, len(k.PK), entity.MaxPartitionKeyBytes)
	case len(k.SK) > entity.MaxSortKeyBytes:
		return fmt.Errorf("memory: %w: sort key of %d bytes exceeds %d", backend.ErrInvalidArgument, len(k.SK), entity.MaxSortKeyBytes)
	}
	return nil
}

func keyOf(item backend.Item) backend.Key {
	var k backend.Key
	if s, ok := item[entity.PartitionKeyName].(*types.AttributeValueMemberS); ok {
		k.PK = s.Value
	}
	if s, ok := item[entity.SortKeyName].(*types.AttributeValueMemberS); ok {
		k.SK = s.Value
	}
	return k
}

// keyItem returns an item of just the key k.
func keyItem(k backend.Key) backend.Item {
	return backend.Item{
		entity.PartitionKeyName: &types.AttributeValueMemberS{Value: k.PK},
		entity.SortKeyName:      &types.AttributeValueMemberS{Value: k.SK},
	}
}

// checkItem rejects items DynamoDB rejects: bad keys, bad values, too large.
func checkItem(item backend.Item) (size int, err error) {
	if err := backend.ValidateItem(item); err != nil {
		return 0, fmt.Errorf("memory: %w", err)
	}
	if err := checkKey(keyOf(item)); err != nil {
		return 0, err
	}
	return checkSize(item)
}

func checkSize(item backend.Item) (int, error) {
	size := backend.ItemSize(item)
	if size > backend.MaxItemBytes {
		return 0, fmt.Errorf("memory: %w: %d bytes, more than %d", backend.ErrItemTooLarge, size, backend.MaxItemBytes)
	}
	return size, nil
}

// exprParts names the expressions a request may carry.
type exprParts uint8

const (
	partCondition exprParts = 1 << iota
	partUpdate
	partFilter
)

// parseExpr parses the expressions of a request that may carry the parts
// allowed; the others must be empty, as the DynamoDB backend requires.
func parseExpr(e backend.Expressions, allowed exprParts) (*expr.Request, error) {
	for _, p := range []struct {
		part exprParts
		name string
		expr string
	}{
		{partCondition, "condition", e.Condition},
		{partUpdate, "update", e.Update},
		{partFilter, "filter", e.Filter},
	} {
		if p.expr != "" && allowed&p.part == 0 {
			return nil, fmt.Errorf("memory: %w: this request takes no %s expression", backend.ErrInvalidArgument, p.name)
		}
	}
	return expr.Parse(e)
}

// find returns the stored entry at k, or nil. The caller holds s.mu.
func (s *Store) find(k backend.Key) *entry {
	t := s.parts[k.PK]
	if t == nil {
		return nil
	}
	e, _ := t.Get(&entry{sk: k.SK})
	return e
}

// holds returns a *backend.ConditionFailedError, with a copy of the item
// as it is, unless cond (nil for none) holds for old (nil for a missing
// item). The caller holds s.mu.
func holds(cond *expr.Condition, old *entry) error {
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

// store saves e. The caller holds s.mu for writing.
func (s *Store) store(pk string, e *entry) {
	t := s.parts[pk]
	if t == nil {
		t = btree.NewG(degree, lessEntry)
		s.parts[pk] = t
	}
	t.ReplaceOrInsert(e)
}

// remove deletes the item at k, if any. The caller holds s.mu for writing.
func (s *Store) remove(k backend.Key) {
	if t := s.parts[k.PK]; t != nil {
		t.Delete(&entry{sk: k.SK})
		if t.Len() == 0 {
			delete(s.parts, k.PK)
		}
	}
}

// Get returns a copy of the item at in.Key, or an error wrapping
// backend.ErrNotFound.
func (s *Store) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.find(in.Key)
	if e == nil {
		return nil, fmt.Errorf("memory: %w", backend.ErrNotFound)
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
	size, err := checkItem(in.Item)
	if err != nil {
		return err
	}
	req, err := parseExpr(in.Expr, partCondition)
	if err != nil {
		return err
	}
	k := keyOf(in.Item)
	e := &entry{sk: k.SK, item: backend.StoredItem(in.Item), size: size}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := holds(req.Condition, s.find(k)); err != nil {
		return fmt.Errorf("memory: put: %w", err)
	}
	s.store(k.PK, e)
	return nil
}

// Update applies in.Expr.Update to the item at in.Key when
// in.Expr.Condition holds, creating the item from its key when it is
// missing (as DynamoDB's UpdateItem does), and returns a copy of the item
// afterwards. A failed condition returns a *backend.ConditionFailedError
// with the item as it was. The update is evaluated by package
// internal/expr; see its documentation for the subset supported.
func (s *Store) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	req, err := parseExpr(in.Expr, partCondition|partUpdate)
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
		return nil, fmt.Errorf("memory: update: %w", err)
	}
	if req.Update == nil && old != nil {
		return backend.CopyItem(old.item), nil
	}
	e, err := updated(in.Key, old, req.Update)
	if err != nil {
		return nil, err
	}
	s.store(in.Key.PK, e)
	return backend.CopyItem(e.item), nil
}

// checkUpdateValues refuses an update whose values alone are too large for
// an item, as DynamoDB does before it looks at the item.
func checkUpdateValues(u *expr.Update) error {
	if u != nil && u.ValueBytes() >= backend.MaxItemBytes {
		return fmt.Errorf("memory: %w: the update's values come to %d bytes, item size to update has exceeded the maximum allowed size",
			backend.ErrItemTooLarge, u.ValueBytes())
	}
	return nil
}

// updated returns the entry that update u (nil for none) makes of old (nil
// for a missing item, which starts as its key).
func updated(k backend.Key, old *entry, u *expr.Update) (*entry, error) {
	item := keyItem(k)
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
		if err := backend.ValidateItem(item); err != nil {
			return nil, fmt.Errorf("memory: %w", err)
		}
	}
	size, err := checkSize(item)
	if err != nil {
		return nil, err
	}
	return &entry{sk: k.SK, item: item, size: size}, nil
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
	req, err := parseExpr(in.Expr, partCondition)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := holds(req.Condition, s.find(in.Key)); err != nil {
		return fmt.Errorf("memory: delete: %w", err)
	}
	s.remove(in.Key)
	return nil
}

// Query returns one page of the partition in.PK, as DynamoDB's Query does:
// at most in.Limit items and at most backend.MaxPageBytes of item data,
// starting after in.StartKey, less the items in.Expr.Filter drops. The
// page's LastKey follows DynamoDB (checked by the conformance suite against
// DynamoDB Local):
//
//   - a page stopped at its Limit has a LastKey even when nothing follows,
//     except a Between page whose last item sits on the bound it reads
//     towards (Hi ascending, Lo descending);
//   - a page stopped by the 1 MB cut (the item that reaches MaxPageBytes is
//     included) has a LastKey only when more items of the range follow;
//   - the filter drops items after the Limit and the 1 MB cut have chosen
//     them, and does not change the LastKey. A filter may not read the key
//     attributes (ErrInvalidArgument, as in DynamoDB).
//
// A start key of another partition, outside the range, empty, or on the
// Between bound the query reads towards, is refused with
// backend.ErrInvalidStartKey.
func (s *Store) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	if err := ctx.Err(); err != nil {
		return backend.QueryOutput{}, err
	}
	if in.PK == "" || len(in.PK) > entity.MaxPartitionKeyBytes {
		return backend.QueryOutput{}, fmt.Errorf("memory: %w: bad partition key", backend.ErrInvalidArgument)
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
	req, err := parseExpr(in.Expr, partFilter)
	if err != nil {
		return backend.QueryOutput{}, err
	}
	filter := req.Filter
	if filter != nil {
		for _, name := range []string{entity.PartitionKeyName, entity.SortKeyName} {
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
	if k := in.StartKey; k != nil {
		if k.PK != in.PK || k.SK == "" || !in.Range.Contains(k.SK) || (between && k.SK == towards) {
			return backend.QueryOutput{}, fmt.Errorf("memory: %w: start key %q does not match the key condition", backend.ErrInvalidStartKey, k.SK)
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out backend.QueryOutput
	t := s.parts[in.PK]
	if t == nil {
		return out, nil
	}
	bytes, evaluated := 0, 0
	cut := "" // the last item of a page cut at 1 MB, while looking ahead
	var evalErr error
	visit := func(e *entry) bool {
		if in.StartKey != nil && e.sk == in.StartKey.SK {
			return true // exclusive start
		}
		if !in.Range.Contains(e.sk) {
			return false // walked out of the range
		}
		if cut != "" {
			// More of the range follows a page cut at 1 MB.
			out.LastKey = &backend.Key{PK: in.PK, SK: cut}
			return false
		}
		evaluated++
		bytes += e.size
		keep := true
		if filter != nil {
			if keep, evalErr = filter.Eval(e.item); evalErr != nil {
				return false
			}
		}
		if keep {
			out.Items = append(out.Items, backend.CopyItem(e.item))
		}
		switch {
		case evaluated == in.Limit:
			if !between || e.sk != towards {
				out.LastKey = &backend.Key{PK: in.PK, SK: e.sk}
			}
			return false
		case bytes >= backend.MaxPageBytes:
			cut = e.sk
		}
		return true
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
	case between:
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
	if evalErr != nil {
		return backend.QueryOutput{}, evalErr
	}
	return out, nil
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
