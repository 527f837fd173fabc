package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/btree"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// Store is an in-memory table. It holds the items of every tenant and entity
// type of one application, ordered by sort key within each partition. The
// zero value is not ready; use New. A Store is safe for concurrent use.
type Store struct {
	backend.Registry

	mu    sync.RWMutex
	parts map[string]*btree.BTreeG[*entry] // partition key -> items by SK
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
func New() *Store {
	return &Store{parts: make(map[string]*btree.BTreeG[*entry])}
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

// checkItem rejects items DynamoDB rejects: bad keys, bad values, too large.
func checkItem(item backend.Item) (size int, err error) {
	if err := backend.ValidateItem(item); err != nil {
		return 0, fmt.Errorf("memory: %w", err)
	}
	if err := checkKey(keyOf(item)); err != nil {
		return 0, err
	}
	size = backend.ItemSize(item)
	if size > backend.MaxItemBytes {
		return 0, fmt.Errorf("memory: %w: %d bytes, more than %d", backend.ErrItemTooLarge, size, backend.MaxItemBytes)
	}
	return size, nil
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

// holds reports whether cond allows a write where the item is (or is not).
func holds(cond backend.Condition, exists bool) error {
	switch {
	case cond > backend.IfNotExists:
		return fmt.Errorf("memory: %w: unknown condition %d", backend.ErrInvalidArgument, cond)
	case cond == backend.IfExists && !exists:
		return fmt.Errorf("memory: %w: item does not exist", backend.ErrConditionFailed)
	case cond == backend.IfNotExists && exists:
		return fmt.Errorf("memory: %w: item exists", backend.ErrConditionFailed)
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

// Put stores a copy of in.Item when in.Condition holds.
func (s *Store) Put(ctx context.Context, in backend.PutInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	size, err := checkItem(in.Item)
	if err != nil {
		return err
	}
	k := keyOf(in.Item)
	e := &entry{sk: k.SK, item: backend.StoredItem(in.Item), size: size}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := holds(in.Condition, s.find(k) != nil); err != nil {
		return err
	}
	s.store(k.PK, e)
	return nil
}

// Update sets and removes top-level attributes of the item at in.Key when
// in.Condition holds, creating the item when it is missing (as DynamoDB's
// UpdateItem does), and returns a copy of the item afterwards.
func (s *Store) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	touched := make(map[string]bool, len(in.Set)+len(in.Remove))
	for name := range in.Set {
		touched[name] = true
	}
	for _, name := range in.Remove {
		if touched[name] {
			return nil, fmt.Errorf("memory: %w: attribute %q is changed twice in one update", backend.ErrInvalidArgument, name)
		}
		touched[name] = true
	}
	for name := range touched {
		if name == entity.PartitionKeyName || name == entity.SortKeyName {
			return nil, fmt.Errorf("memory: %w: attribute %q is part of the key", backend.ErrInvalidArgument, name)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.find(in.Key)
	if err := holds(in.Condition, old != nil); err != nil {
		return nil, err
	}
	var item backend.Item
	if old != nil {
		item = make(backend.Item, len(old.item)+len(in.Set))
		for k, v := range old.item {
			item[k] = v // values are never changed in place, only replaced
		}
	} else {
		item = backend.Item{
			entity.PartitionKeyName: &types.AttributeValueMemberS{Value: in.Key.PK},
			entity.SortKeyName:      &types.AttributeValueMemberS{Value: in.Key.SK},
		}
	}
	for name, v := range backend.StoredItem(in.Set) {
		item[name] = v
	}
	for _, name := range in.Remove {
		delete(item, name)
	}
	size, err := checkItem(item)
	if err != nil {
		return nil, err
	}
	s.store(in.Key.PK, &entry{sk: in.Key.SK, item: item, size: size})
	return backend.CopyItem(item), nil
}

// Delete removes the item at in.Key when in.Condition holds.
func (s *Store) Delete(ctx context.Context, in backend.DeleteInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(in.Key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := holds(in.Condition, s.find(in.Key) != nil); err != nil {
		return err
	}
	if t := s.parts[in.Key.PK]; t != nil {
		t.Delete(&entry{sk: in.Key.SK})
		if t.Len() == 0 {
			delete(s.parts, in.Key.PK)
		}
	}
	return nil
}

// Query returns one page of the partition in.PK, as DynamoDB's Query does:
// at most in.Limit items and at most backend.MaxPageBytes of item data,
// starting after in.StartKey. The page's LastKey follows DynamoDB (checked
// by the conformance suite against DynamoDB Local):
//
//   - a page stopped at its Limit has a LastKey even when nothing follows,
//     except a Between page whose last item sits on the bound it reads
//     towards (Hi ascending, Lo descending);
//   - a page stopped by the 1 MB cut (the item that reaches MaxPageBytes is
//     included) has a LastKey only when more items of the range follow.
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
	bytes := 0
	cut := "" // the last item of a page cut at 1 MB, while looking ahead
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
		out.Items = append(out.Items, backend.CopyItem(e.item))
		bytes += e.size
		switch {
		case len(out.Items) == in.Limit:
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
