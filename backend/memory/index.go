package memory

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // DynamoDB Local's tie order, not security
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/btree"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// The secondary indexes GSI1 ... GSI<n> of a Store (n is Options.Indexes).
// Each index is a map from index partition key to a B-tree of the items of
// that partition, ordered as DynamoDB Local orders them: by index sort key
// (UTF-8 bytes), and items with equal index sort keys by tieHash of their
// table key. Every write updates them in O(log n) per index.

// indexKeys are an item's keys in one index; ok when it has both.
type indexKeys struct {
	pk, sk string
	ok     bool
}

// ixEntry is an item's place in one index partition.
type ixEntry struct {
	sk string
	h  [sha1.Size]byte // tieHash of the item's table key
	e  *entry
}

func lessIx(a, b *ixEntry) bool {
	if a.sk != b.sk {
		return a.sk < b.sk
	}
	return bytes.Compare(a.h[:], b.h[:]) < 0
}

// localSalt is the salt DynamoDB Local (3.3.0) puts before every value it
// hashes with SHA-1 (LocalDBUtils.SALT, "LocalDdb").
var localSalt = []byte("LocalDdb")

// tieHash returns the value by which DynamoDB Local orders the items of an
// index partition that have equal index sort keys, in ascending byte order:
// the SHA-1 of the salt and the salted SHA-1s of the table's partition and
// sort keys (its column hashRangeValue; the SQLite index of a GSI is on the
// index keys and that column). DynamoDB promises no order for such items;
// the Store follows DynamoDB Local so that tests see the same order on
// both. A start key is placed among them by the same value.
func tieHash(pk, sk string) [sha1.Size]byte {
	h := sha1.New() //nolint:gosec
	salted := func(s string) []byte {
		h.Reset()
		h.Write(localSalt)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	a, b := salted(pk), salted(sk)
	h.Reset()
	h.Write(localSalt)
	h.Write(a)
	h.Write(b)
	var out [sha1.Size]byte
	h.Sum(out[:0])
	return out
}

// indexNumber returns n for the index name "GSI<n>" of a Store with the
// index slots slots, or an error wrapping backend.ErrMissingIndex (and so
// backend.ErrInvalidArgument), as DynamoDB refuses a query on an index the
// table lacks.
func indexNumber(name string, slots backend.IndexSet) (int, error) {
	for _, n := range slots.Slots() {
		if name == backend.IndexName(n) {
			return n, nil
		}
	}
	return 0, fmt.Errorf("memory: %w: The table does not have the specified index: %s", backend.ErrMissingIndex, name)
}

// indexTypeError is the error of an item whose index key attribute is a
// number or binary value rather than a string: DynamoDB's "Type mismatch
// for Index Key", which a transaction reports as the action's
// cancellation reason (of kind backend.KindInvalidArgument) rather than
// failing the request.
type indexTypeError struct{ attr string }

func (e *indexTypeError) Error() string {
	return "memory: " + backend.ErrInvalidArgument.Error() + ": " + typeMismatchMessage + " " + e.attr
}

func (e *indexTypeError) Unwrap() error { return backend.ErrInvalidArgument }

const typeMismatchMessage = "One or more parameter values were invalid: Type mismatch for Index Key"

// checkIndexKeys refuses an item whose index key attributes DynamoDB
// refuses, for the indexes the Store has, whether or not the item has the
// other key attribute of the index: a value of another type than string
// (a number or binary value is an *indexTypeError; the other types are
// "Invalid attribute value type"), an empty string, or a string over the
// key size limits (2048 bytes for a partition key, 1024 for a sort key).
// Errors wrap backend.ErrInvalidArgument. An *indexTypeError is returned
// only when nothing else is wrong, as DynamoDB fails a transaction whole
// for the others.
func checkIndexKeys(item backend.Item, slots backend.IndexSet) error {
	var mismatch error
	for _, n := range slots.Slots() {
		pkName, skName := backend.IndexKeyNames(backend.IndexName(n))
		for _, a := range []struct {
			name string
			max  int
		}{{pkName, entity.MaxPartitionKeyBytes}, {skName, entity.MaxSortKeyBytes}} {
			v, ok := item[a.name]
			if !ok {
				continue
			}
			switch v := v.(type) {
			case *types.AttributeValueMemberS:
				switch {
				case v.Value == "":
					return fmt.Errorf("memory: %w: One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s",
						backend.ErrInvalidArgument, backend.IndexName(n), a.name)
				case len(v.Value) > a.max:
					return fmt.Errorf("memory: %w: One or more parameter values were invalid: Size limit exceeded: index key %s of %d bytes exceeds %d",
						backend.ErrInvalidArgument, a.name, len(v.Value), a.max)
				}
			case *types.AttributeValueMemberN, *types.AttributeValueMemberB:
				if mismatch == nil {
					mismatch = &indexTypeError{attr: a.name}
				}
			default:
				return fmt.Errorf("memory: %w: Invalid attribute value type: index key %s", backend.ErrInvalidArgument, a.name)
			}
		}
	}
	return mismatch
}

// keysIn returns the item's keys in index n (1-based).
func keysIn(item backend.Item, n int) indexKeys {
	pkName, skName := backend.IndexKeyNames(backend.IndexName(n))
	pk, ok1 := item[pkName].(*types.AttributeValueMemberS)
	sk, ok2 := item[skName].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 {
		return indexKeys{}
	}
	return indexKeys{pk: pk.Value, sk: sk.Value, ok: true}
}

// newEntry returns the entry of an item with key k, checked already, with
// its index keys for the Store's indexes.
func (s *Store) newEntry(k backend.Key, item backend.Item, size int) *entry {
	e := &entry{pk: k.PK, sk: k.SK, item: item, size: size}
	for _, n := range s.slots.Slots() {
		e.ix[n-1] = keysIn(item, n)
		if e.ix[n-1].ok && !e.hashed {
			e.h = tieHash(k.PK, k.SK)
			e.hashed = true
		}
	}
	return e
}

// index updates the indexes for the entry old (nil for none) replaced by
// new (nil for none) at one table key. The caller holds s.mu for writing.
func (s *Store) index(old, new *entry) {
	for i := range backend.MaxIndexes {
		if !s.slots.Has(i + 1) {
			continue
		}
		var o, n indexKeys
		if old != nil {
			o = old.ix[i]
		}
		if new != nil {
			n = new.ix[i]
		}
		if o.ok && (!n.ok || o.pk != n.pk || o.sk != n.sk) {
			if t := s.idx[i][o.pk]; t != nil {
				t.Delete(&ixEntry{sk: o.sk, h: old.h})
				if t.Len() == 0 {
					delete(s.idx[i], o.pk)
				}
			}
		}
		if n.ok {
			// Insert, or replace the entry an unchanged position holds.
			t := s.idx[i][n.pk]
			if t == nil {
				t = btree.NewG(degree, lessIx)
				s.idx[i][n.pk] = t
			}
			t.ReplaceOrInsert(&ixEntry{sk: n.sk, h: new.h, e: new})
		}
	}
}

// indexCount returns the number of items in each index, for tests.
func (s *Store) indexCount(n int) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := 0
	for _, t := range s.idx[n-1] {
		c += t.Len()
	}
	return c
}

// queryIndex walks partition in.PK of index n for Query, which checked in
// and holds s.mu for reading.
func (s *Store) queryIndex(n int, in backend.QueryInput, w *walker) {
	t := s.idx[n-1][in.PK]
	if t == nil {
		return
	}
	var start *ixEntry
	if k := in.StartKey; k != nil {
		start = &ixEntry{sk: k.IndexSK, h: tieHash(k.PK, k.SK)}
	}
	visit := func(ie *ixEntry) bool {
		if start != nil && ie.sk == start.sk && ie.h == start.h {
			return true // exclusive start
		}
		if !in.Range.Contains(ie.sk) {
			return false // walked out of the range
		}
		return w.visit(ie.e)
	}
	var lowest, highest [sha1.Size]byte
	for i := range highest {
		highest[i] = 0xFF
	}
	switch {
	case !in.Descending && start != nil:
		t.AscendGreaterOrEqual(start, visit)
	case !in.Descending:
		t.AscendGreaterOrEqual(&ixEntry{sk: in.Range.Lo, h: lowest}, visit)
	case start != nil:
		t.DescendLessOrEqual(start, visit)
	case in.Range.Op == backend.Between:
		t.DescendLessOrEqual(&ixEntry{sk: in.Range.Hi, h: highest}, visit)
	default:
		// Start below the first string after every string with prefix Lo.
		if next, ok := successor(in.Range.Lo); ok {
			t.DescendLessOrEqual(&ixEntry{sk: next, h: lowest}, func(ie *ixEntry) bool {
				return ie.sk == next || visit(ie)
			})
		} else {
			t.Descend(visit)
		}
	}
}

// checkIndexStartKey refuses the start keys of an index query that
// DynamoDB refuses (ErrInvalidStartKey): one without all four keys
// ("The provided starting key is invalid"), and one of another index
// partition or whose index sort key the key condition does not select
// ("does not match the range key predicate"). Unlike a table query's, a
// start key on the BETWEEN bound the query reads towards is accepted.
func checkIndexStartKey(in backend.QueryInput) error {
	k := in.StartKey
	if k == nil {
		return nil
	}
	if k.PK == "" || k.SK == "" || k.IndexPK == "" || k.IndexSK == "" {
		return fmt.Errorf("memory: %w: The provided starting key is invalid: every key of an index position is needed", backend.ErrInvalidStartKey)
	}
	if k.IndexPK != in.PK || !in.Range.Contains(k.IndexSK) {
		return fmt.Errorf("memory: %w: The provided starting key does not match the range key predicate: index key %q, %q",
			backend.ErrInvalidStartKey, k.IndexPK, k.IndexSK)
	}
	return nil
}

// txIndexTypeReason returns the cancellation reason of a transaction's
// action whose item has an index key of the wrong type, or false.
func txIndexTypeReason(err error) (backend.TxReason, bool) {
	var ite *indexTypeError
	if !errors.As(err, &ite) {
		return backend.TxReason{}, false
	}
	return reasonInvalid(typeMismatchMessage), true
}

// checkIndexes returns the index slots opts give a Store, and panics
// unless Options.Indexes and Options.IndexSlots are valid.
func checkIndexes(opts Options) backend.IndexSet {
	switch n := opts.Indexes; {
	case opts.IndexSlots != nil && n != 0:
		panic("memory: Options.IndexSlots and Options.Indexes are both set")
	case opts.IndexSlots != nil:
		set, err := backend.NewIndexSet(opts.IndexSlots...)
		if err != nil {
			panic("memory: Options.IndexSlots: " + err.Error())
		}
		return set
	case n == 0:
		return backend.AllIndexes
	case n < 0 || n > backend.MaxIndexes:
		panic("memory: Options.Indexes is " + strconv.Itoa(n) + ", not between 0 and backend.MaxIndexes")
	}
	return backend.FirstIndexes(opts.Indexes)
}
