package thirdparty

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/expreval"
	"github.com/tenantrepo/tenantrepo/entity"
)

// Table is a backend of this module's own, written against the public
// contract of package backend only: it does not use the memory backend.
// Each partition is a slice of items sorted by sort key; the secondary
// indexes GSI1 ... GSI5 are maps from index partition key to the table
// keys of the items in them, sorted when queried. Expressions are
// evaluated by package backend/expreval, values and sizes checked by
// package backend's helpers. One mutex guards everything.
//
// Items with equal index sort keys come back in the order of their table
// keys (PK, then SK), an order DynamoDB does not promise and DynamoDB Local
// does not have: Table does not claim conformance.DynamoDBLocalFidelity.
type Table struct {
	backend.Registry

	mu     sync.Mutex
	parts  map[string][]*stored                            // by PK, sorted by SK
	index  [backend.MaxIndexes]map[string]map[tkey]*stored // GSI<n>: index PK -> items
	tokens map[string]token                                // transaction tokens
}

// tkey is the table key of an item.
type tkey struct{ pk, sk string }

// stored is one item as the Table keeps it, with its size.
type stored struct {
	tkey
	item backend.Item
	size int
}

// token is a transaction token seen in the last ten minutes.
type token struct {
	sum string
	at  time.Time
}

var _ backend.Backend = (*Table)(nil)

// NewTable returns an empty Table with every index.
func NewTable() *Table {
	t := &Table{parts: map[string][]*stored{}, tokens: map[string]token{}}
	for i := range t.index {
		t.index[i] = map[string]map[tkey]*stored{}
	}
	return t
}

// errorf returns an error wrapping kind.
func errorf(kind error, format string, args ...any) error {
	return fmt.Errorf("thirdparty: %w: %s", kind, fmt.Sprintf(format, args...))
}

// checkKey refuses keys DynamoDB refuses.
func checkKey(k backend.Key) error {
	switch {
	case k.PK == "" || k.SK == "":
		return errorf(backend.ErrInvalidArgument, "empty key attribute")
	case len(k.PK) > entity.MaxPartitionKeyBytes, len(k.SK) > entity.MaxSortKeyBytes:
		return errorf(backend.ErrInvalidArgument, "key too long")
	}
	return k.CheckSendable()
}

// keyOf returns the table key of item.
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

// errIndexType is an index key of the wrong type: ErrInvalidArgument for a
// single write, a ValidationError reason in a transaction.
type errIndexType struct{ attr string }

func (e *errIndexType) Error() string {
	return "thirdparty: " + backend.ErrInvalidArgument.Error() + ": Type mismatch for Index Key " + e.attr
}
func (e *errIndexType) Unwrap() error { return backend.ErrInvalidArgument }

// checkItem checks a whole item as DynamoDB does before a write and returns
// its size. A wrong index key type is reported last.
func checkItem(item backend.Item) (int, error) {
	size, err := backend.CheckItem(item)
	if err != nil {
		return 0, fmt.Errorf("thirdparty: %w", err)
	}
	if err := checkKey(keyOf(item)); err != nil {
		return 0, err
	}
	var mismatch error
	for n := 1; n <= backend.MaxIndexes; n++ {
		pkName, skName := backend.IndexKeyNames(backend.IndexName(n))
		for _, a := range []struct {
			name string
			max  int
		}{{pkName, entity.MaxPartitionKeyBytes}, {skName, entity.MaxSortKeyBytes}} {
			switch v := item[a.name].(type) {
			case nil:
			case *types.AttributeValueMemberS:
				if v.Value == "" || len(v.Value) > a.max {
					return 0, errorf(backend.ErrInvalidArgument, "index key %s is empty or too long", a.name)
				}
			case *types.AttributeValueMemberN, *types.AttributeValueMemberB:
				if mismatch == nil {
					mismatch = &errIndexType{a.name}
				}
			default:
				return 0, errorf(backend.ErrInvalidArgument, "index key %s is not a string", a.name)
			}
		}
	}
	if size > backend.MaxItemBytes {
		return 0, errorf(backend.ErrItemTooLarge, "%d bytes", size)
	}
	return size, mismatch
}

// parse checks the parts of e a request may carry and parses them.
func parse(e backend.Expressions, condition, update, filter bool) (*expreval.Request, error) {
	if e.Condition != "" && !condition || e.Update != "" && !update || e.Filter != "" && !filter {
		return nil, errorf(backend.ErrInvalidArgument, "an expression this request does not take")
	}
	if err := e.CheckSendable(); err != nil {
		return nil, err
	}
	return expreval.Parse(e)
}

// find returns the item at k, or nil, and where it is or would be in its
// partition. The caller holds t.mu.
func (t *Table) find(k tkey) (*stored, int) {
	p := t.parts[k.pk]
	i, ok := slices.BinarySearchFunc(p, k.sk, func(s *stored, sk string) int { return cmp.Compare(s.sk, sk) })
	if !ok {
		return nil, i
	}
	return p[i], i
}

// itemOf returns the item of s, nil for none.
func itemOf(s *stored) backend.Item {
	if s == nil {
		return nil
	}
	return s.item
}

// check returns a *backend.ConditionFailedError unless cond holds.
func check(cond *expreval.Condition, old *stored) error {
	if cond == nil {
		return nil
	}
	ok, err := cond.Eval(itemOf(old))
	if err != nil {
		return err
	}
	if !ok {
		var item backend.Item
		if old != nil {
			item = backend.CopyItem(old.item)
		}
		return &backend.ConditionFailedError{Item: item}
	}
	return nil
}

// indexKeys returns the keys of item in index n, if it is in it.
func indexKeys(item backend.Item, n int) (pk, sk string, ok bool) {
	pkName, skName := backend.IndexKeyNames(backend.IndexName(n))
	p, ok1 := item[pkName].(*types.AttributeValueMemberS)
	s, ok2 := item[skName].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 {
		return "", "", false
	}
	return p.Value, s.Value, true
}

// put stores s, replacing any item at its key. The caller holds t.mu.
func (t *Table) put(s *stored) {
	t.remove(s.tkey)
	_, i := t.find(s.tkey)
	t.parts[s.pk] = slices.Insert(t.parts[s.pk], i, s)
	for n := 1; n <= backend.MaxIndexes; n++ {
		if ipk, _, ok := indexKeys(s.item, n); ok {
			m := t.index[n-1][ipk]
			if m == nil {
				m = map[tkey]*stored{}
				t.index[n-1][ipk] = m
			}
			m[s.tkey] = s
		}
	}
}

// remove deletes the item at k, if any. The caller holds t.mu.
func (t *Table) remove(k tkey) {
	old, i := t.find(k)
	if old == nil {
		return
	}
	t.parts[k.pk] = slices.Delete(t.parts[k.pk], i, i+1)
	if len(t.parts[k.pk]) == 0 {
		delete(t.parts, k.pk)
	}
	for n := 1; n <= backend.MaxIndexes; n++ {
		if ipk, _, ok := indexKeys(old.item, n); ok {
			delete(t.index[n-1][ipk], k)
			if len(t.index[n-1][ipk]) == 0 {
				delete(t.index[n-1], ipk)
			}
		}
	}
}

// Get returns a copy of the item at in.Key, or ErrNotFound.
func (t *Table) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s, _ := t.find(tkey{in.Key.PK, in.Key.SK})
	if s == nil {
		return nil, errorf(backend.ErrNotFound, "no item")
	}
	return backend.CopyItem(s.item), nil
}

// Put stores a copy of in.Item when its condition holds.
func (t *Table) Put(ctx context.Context, in backend.PutInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	size, err := checkItem(in.Item)
	if err != nil {
		return err
	}
	req, err := parse(in.Expr, true, false, false)
	if err != nil {
		return err
	}
	k := keyOf(in.Item)
	s := &stored{tkey{k.PK, k.SK}, backend.StoredItem(in.Item), size}
	t.mu.Lock()
	defer t.mu.Unlock()
	old, _ := t.find(s.tkey)
	if err := check(req.Condition, old); err != nil {
		return err
	}
	t.put(s)
	return nil
}

// updated returns the item update u makes of old (nil: missing; it starts
// as its key), checked as a put is.
func updated(k backend.Key, old *stored, u *expreval.Update) (*stored, error) {
	item := backend.Item{
		entity.PartitionKeyName: &types.AttributeValueMemberS{Value: k.PK},
		entity.SortKeyName:      &types.AttributeValueMemberS{Value: k.SK},
	}
	if old != nil {
		item = old.item
	}
	if u != nil {
		if key := writesKey(u); key != "" {
			return nil, errorf(backend.ErrInvalidArgument, "Cannot update attribute %s. This attribute is part of the key", key)
		}
		var err error
		if item, err = u.Apply(item); err != nil {
			return nil, err
		}
		item = backend.StoredItem(item)
	}
	size, err := checkItem(item)
	if err != nil {
		return nil, err
	}
	return &stored{tkey{k.PK, k.SK}, item, size}, nil
}

// writesKey returns the key attribute u writes, or "".
func writesKey(u *expreval.Update) string {
	for _, name := range []string{entity.PartitionKeyName, entity.SortKeyName} {
		if u != nil && u.Writes(name) {
			return name
		}
	}
	return ""
}

// checkWrites refuses an update whose writes alone are over the item limit.
func checkWrites(u *expreval.Update) error {
	if u != nil && u.WriteBytes() > backend.MaxItemBytes {
		return errorf(backend.ErrItemTooLarge, "the update writes %d bytes", u.WriteBytes())
	}
	return nil
}

// Update applies in.Expr.Update when its condition holds, creating the item
// when it is missing, and returns a copy of the item afterwards.
func (t *Table) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	req, err := parse(in.Expr, true, true, false)
	if err != nil {
		return nil, err
	}
	if err := checkWrites(req.Update); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old, _ := t.find(tkey{in.Key.PK, in.Key.SK})
	if err := check(req.Condition, old); err != nil {
		return nil, err
	}
	if req.Update == nil && old != nil {
		return backend.CopyItem(old.item), nil
	}
	s, err := updated(in.Key, old, req.Update)
	if err != nil {
		return nil, err
	}
	t.put(s)
	return backend.CopyItem(s.item), nil
}

// Delete removes the item at in.Key when its condition holds.
func (t *Table) Delete(ctx context.Context, in backend.DeleteInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(in.Key); err != nil {
		return err
	}
	req, err := parse(in.Expr, true, false, false)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := tkey{in.Key.PK, in.Key.SK}
	old, _ := t.find(k)
	if err := check(req.Condition, old); err != nil {
		return err
	}
	t.remove(k)
	return nil
}

// ixEntry is an item's position in an index.
type ixEntry struct {
	isk string
	s   *stored
}

// compareIx orders index entries by index sort key, then table key.
func compareIx(a, b ixEntry) int {
	return cmp.Or(cmp.Compare(a.isk, b.isk), cmp.Compare(a.s.pk, b.s.pk), cmp.Compare(a.s.sk, b.s.sk))
}

// Query returns one page of a partition of the table or of an index.
func (t *Table) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	var out backend.QueryOutput
	if err := ctx.Err(); err != nil {
		return out, err
	}
	if err := in.CheckSendable(); err != nil {
		return out, err
	}
	n := 0
	if in.Index != "" {
		for i := 1; i <= backend.MaxIndexes; i++ {
			if in.Index == backend.IndexName(i) {
				n = i
			}
		}
		if n == 0 {
			return out, errorf(backend.ErrMissingIndex, "no index %s", in.Index)
		}
		if in.ConsistentRead {
			return out, errorf(backend.ErrInvalidArgument, "no consistent reads of an index")
		}
	}
	r := in.Range
	switch {
	case in.PK == "", in.Limit < 1, r.Op != backend.BeginsWith && r.Op != backend.Between,
		r.Op == backend.Between && r.Lo > r.Hi:
		return out, errorf(backend.ErrInvalidArgument, "bad query")
	case len(r.Lo) > entity.MaxSortKeyBytes || r.Op == backend.Between && len(r.Hi) > entity.MaxSortKeyBytes:
		return out, errorf(backend.ErrInvalidArgument, "range key too long")
	}
	req, err := parse(in.Expr, false, false, true)
	if err != nil {
		return out, err
	}
	keyNames := []string{entity.PartitionKeyName, entity.SortKeyName}
	if n > 0 {
		pkName, skName := backend.IndexKeyNames(in.Index)
		keyNames = []string{pkName, skName}
	}
	for _, name := range keyNames {
		if req.Filter != nil && req.Filter.References(name) {
			return out, errorf(backend.ErrInvalidArgument, "a filter may not read key attribute %s", name)
		}
	}
	if k := in.StartKey; k != nil {
		sk, pk := k.SK, k.PK
		if n > 0 {
			sk, pk = k.IndexSK, k.IndexPK
			if k.PK == "" || k.SK == "" {
				return out, errorf(backend.ErrInvalidStartKey, "an index position has all four keys")
			}
		} else if k.IndexPK != "" || k.IndexSK != "" {
			return out, errorf(backend.ErrInvalidStartKey, "a table position has no index keys")
		}
		if pk != in.PK || sk == "" || !r.Contains(sk) {
			return out, errorf(backend.ErrInvalidStartKey, "start key outside the query")
		}
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	// The range, in order, as index entries (a table query's isk is SK).
	var all []ixEntry
	if n == 0 {
		for _, s := range t.parts[in.PK] {
			if r.Contains(s.sk) {
				all = append(all, ixEntry{s.sk, s})
			}
		}
	} else {
		for _, s := range t.index[n-1][in.PK] {
			if _, isk, _ := indexKeys(s.item, n); r.Contains(isk) {
				all = append(all, ixEntry{isk, s})
			}
		}
		slices.SortFunc(all, compareIx)
	}
	if in.Descending {
		slices.Reverse(all)
	}
	if k := in.StartKey; k != nil {
		start := ixEntry{k.SK, &stored{tkey: tkey{k.PK, k.SK}}}
		if n > 0 {
			start.isk = k.IndexSK
		}
		all = slices.DeleteFunc(all, func(e ixEntry) bool {
			c := compareIx(e, start)
			if n == 0 {
				c = cmp.Compare(e.isk, start.isk)
			}
			return c == 0 || (c < 0) != in.Descending
		})
	}
	bytes := 0
	for i, e := range all {
		bytes += e.s.size
		keep := true
		if req.Filter != nil {
			if keep, err = req.Filter.Eval(e.s.item); err != nil {
				return backend.QueryOutput{}, err
			}
		}
		if keep {
			out.Items = append(out.Items, backend.CopyItem(e.s.item))
		}
		if i+1 == in.Limit || bytes >= backend.MaxPageBytes && i+1 < len(all) {
			out.LastKey = &backend.Key{PK: e.s.pk, SK: e.s.sk}
			if n > 0 {
				out.LastKey.IndexPK, out.LastKey.IndexSK = in.PK, e.isk
			}
			break
		}
		if bytes >= backend.MaxPageBytes {
			break
		}
	}
	return out, nil
}

// BatchGet reads up to backend.MaxBatchGet distinct keys.
func (t *Table) BatchGet(ctx context.Context, in backend.BatchGetInput) (backend.BatchGetOutput, error) {
	var out backend.BatchGetOutput
	if err := ctx.Err(); err != nil {
		return out, err
	}
	if len(in.Keys) > backend.MaxBatchGet {
		return out, errorf(backend.ErrInvalidArgument, "%d keys", len(in.Keys))
	}
	seen := map[tkey]bool{}
	for _, k := range in.Keys {
		if err := checkKey(k); err != nil {
			return out, err
		}
		if seen[tkey{k.PK, k.SK}] {
			return out, errorf(backend.ErrInvalidArgument, "duplicate keys")
		}
		seen[tkey{k.PK, k.SK}] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range in.Keys {
		if s, _ := t.find(tkey{k.PK, k.SK}); s != nil {
			out.Items = append(out.Items, backend.CopyItem(s.item))
		}
	}
	return out, nil
}

// BatchWrite puts and deletes up to backend.MaxBatchWrite distinct items.
func (t *Table) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	var out backend.BatchWriteOutput
	if err := ctx.Err(); err != nil {
		return out, err
	}
	if err := in.CheckSendable(); err != nil {
		return out, err
	}
	if len(in.Writes) > backend.MaxBatchWrite {
		return out, errorf(backend.ErrInvalidArgument, "%d writes", len(in.Writes))
	}
	puts := make([]*stored, len(in.Writes))
	keys := make([]tkey, len(in.Writes))
	seen := map[tkey]bool{}
	for i, w := range in.Writes {
		switch {
		case w.Put != nil && w.Delete == nil:
			size, err := checkItem(w.Put)
			if err != nil {
				return out, err
			}
			k := keyOf(w.Put)
			keys[i] = tkey{k.PK, k.SK}
			puts[i] = &stored{keys[i], backend.StoredItem(w.Put), size}
		case w.Put == nil && w.Delete != nil:
			if err := checkKey(*w.Delete); err != nil {
				return out, err
			}
			keys[i] = tkey{w.Delete.PK, w.Delete.SK}
		default:
			return out, errorf(backend.ErrInvalidArgument, "write %d has not exactly one of Put and Delete", i)
		}
		if seen[keys[i]] {
			return out, errorf(backend.ErrInvalidArgument, "duplicate keys")
		}
		seen[keys[i]] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, k := range keys {
		if puts[i] != nil {
			t.put(puts[i])
		} else {
			t.remove(k)
		}
	}
	return out, nil
}

// txAction is one prepared action of a transaction.
type txAction struct {
	kind    backend.TxKind
	key     tkey
	req     *expreval.Request
	put     *stored
	invalid *backend.TxReason
}

// prepare checks action a before anything is read.
func prepare(a backend.TxAction) (txAction, error) {
	x := txAction{kind: a.Kind}
	var err error
	switch a.Kind {
	case backend.TxPut:
		size, err := checkItem(a.Item)
		var ite *errIndexType
		if errors.As(err, &ite) {
			x.invalid, err = &backend.TxReason{Kind: backend.KindInvalidArgument, Code: "ValidationError", Message: ite.Error()}, nil
		}
		if err != nil {
			return x, err
		}
		k := keyOf(a.Item)
		x.key = tkey{k.PK, k.SK}
		x.put = &stored{x.key, backend.StoredItem(a.Item), size}
		x.req, err = parse(a.Expr, true, false, false)
		return x, err
	case backend.TxUpdate:
		if a.Expr.Update == "" {
			return x, errorf(backend.ErrInvalidArgument, "an update action needs an update")
		}
		if x.req, err = parse(a.Expr, true, true, false); err == nil {
			err = checkWrites(x.req.Update)
		}
	case backend.TxDelete:
		x.req, err = parse(a.Expr, true, false, false)
	case backend.TxCheck:
		if a.Expr.Condition == "" {
			return x, errorf(backend.ErrInvalidArgument, "a check action needs a condition")
		}
		x.req, err = parse(a.Expr, true, false, false)
	default:
		return x, errorf(backend.ErrInvalidArgument, "unknown action kind %d", a.Kind)
	}
	if err != nil {
		return x, err
	}
	x.key = tkey{a.Key.PK, a.Key.SK}
	return x, checkKey(a.Key)
}

// TransactWrite applies up to backend.MaxTransactActions actions, on
// distinct items, all or none.
func (t *Table) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := in.CheckSendable(); err != nil {
		return err
	}
	if len(in.Actions) == 0 {
		return nil
	}
	if len(in.Actions) > backend.MaxTransactActions {
		return errorf(backend.ErrInvalidArgument, "%d actions", len(in.Actions))
	}
	acts := make([]txAction, len(in.Actions))
	seen := map[tkey]bool{}
	for i, a := range in.Actions {
		var err error
		if acts[i], err = prepare(a); err != nil {
			return fmt.Errorf("action %d: %w", i, err)
		}
		if seen[acts[i].key] {
			return errorf(backend.ErrInvalidArgument, "two actions on one item")
		}
		seen[acts[i].key] = true
	}
	sum := fingerprint(in.Actions)

	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if in.Token != "" {
		if prev, ok := t.tokens[in.Token]; ok && now.Sub(prev.at) < 10*time.Minute {
			if prev.sum != sum {
				return errorf(backend.ErrInvalidArgument, "IdempotentParameterMismatch: token %q was used for another transaction", in.Token)
			}
			return nil
		}
	}
	reasons := make([]backend.TxReason, len(acts))
	failed := false
	for i := range acts {
		a := &acts[i]
		reasons[i] = backend.TxReason{Code: "None"}
		if a.invalid != nil {
			reasons[i], failed = *a.invalid, true
			continue
		}
		old, _ := t.find(a.key)
		if err := check(a.req.Condition, old); err != nil {
			var cfe *backend.ConditionFailedError
			if !errors.As(err, &cfe) {
				return err
			}
			reasons[i], failed = backend.TxReason{Kind: backend.KindConditionFailed, Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: cfe.Item}, true
			continue
		}
		if a.kind != backend.TxUpdate {
			continue
		}
		s, err := updated(backend.Key{PK: a.key.pk, SK: a.key.sk}, old, a.req.Update)
		var ite *errIndexType
		switch {
		case errors.As(err, &ite), errors.Is(err, backend.ErrItemTooLarge), writesKey(a.req.Update) != "":
			reasons[i], failed = backend.TxReason{Kind: backend.KindInvalidArgument, Code: "ValidationError", Message: err.Error()}, true
		case err != nil:
			return fmt.Errorf("action %d: %w", i, err)
		}
		a.put = s
	}
	if failed {
		return &backend.TxCanceledError{Reasons: reasons}
	}
	for _, a := range acts {
		switch a.kind {
		case backend.TxPut, backend.TxUpdate:
			t.put(a.put)
		case backend.TxDelete:
			t.remove(a.key)
		}
	}
	if in.Token != "" {
		t.tokens[in.Token] = token{sum, now}
	}
	return nil
}

// fingerprint describes a transaction's actions, to tell a retry from
// another transaction with the same token.
func fingerprint(acts []backend.TxAction) string {
	var b []byte
	for _, a := range acts {
		b = fmt.Appendf(b, "%d|%q|%q|%q|%q|%q|", a.Kind, a.Key.PK, a.Key.SK, a.Expr.Condition, a.Expr.Update, a.Expr.Filter)
		b = appendValue(b, &types.AttributeValueMemberM{Value: a.Item})
		names := map[string]types.AttributeValue{}
		for k, v := range a.Expr.Names {
			names[k] = &types.AttributeValueMemberS{Value: v}
		}
		b = appendValue(b, &types.AttributeValueMemberM{Value: names})
		b = appendValue(b, &types.AttributeValueMemberM{Value: a.Expr.Values})
	}
	return string(b)
}

// appendValue appends an unambiguous description of v.
func appendValue(b []byte, v types.AttributeValue) []byte {
	switch v := v.(type) {
	case *types.AttributeValueMemberM:
		keys := make([]string, 0, len(v.Value))
		for k := range v.Value {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = fmt.Appendf(b, "M%d{", len(keys))
		for _, k := range keys {
			b = appendValue(fmt.Appendf(b, "%q:", k), v.Value[k])
		}
		return append(b, '}')
	case *types.AttributeValueMemberL:
		b = fmt.Appendf(b, "L%d[", len(v.Value))
		for _, e := range v.Value {
			b = appendValue(b, e)
		}
		return append(b, ']')
	default:
		return fmt.Appendf(b, "%T%q", v, fmt.Sprint(v))
	}
}
