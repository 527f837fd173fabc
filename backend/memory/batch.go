package memory

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/expreval"
	"github.com/tenantrepo/tenantrepo/entity"
)

// BatchGet returns copies of the items at in.Keys, in request order;
// missing items are simply absent. Keys that Options.Unprocessed picks are
// returned as Unprocessed instead. No keys is no request. As DynamoDB's
// BatchGetItem, it refuses (backend.ErrInvalidArgument) more than
// backend.MaxBatchGet keys and a key listed twice.
func (s *Store) BatchGet(ctx context.Context, in backend.BatchGetInput) (backend.BatchGetOutput, error) {
	var out backend.BatchGetOutput
	if err := ctx.Err(); err != nil {
		return out, err
	}
	if len(in.Keys) == 0 {
		return out, nil
	}
	if len(in.Keys) > backend.MaxBatchGet {
		return out, fmt.Errorf("memory: batch get: %w: %d keys, more than %d", backend.ErrInvalidArgument, len(in.Keys), backend.MaxBatchGet)
	}
	seen := make(map[backend.Key]struct{}, len(in.Keys))
	for _, k := range in.Keys {
		if err := checkKey(k); err != nil {
			return out, err
		}
		if _, dup := seen[tableKey(k)]; dup {
			return out, fmt.Errorf("memory: batch get: %w: Provided list of item keys contains duplicates", backend.ErrInvalidArgument)
		}
		seen[tableKey(k)] = struct{}{}
	}
	skip := s.unprocessed(len(in.Keys), func(i int) backend.Key { return in.Keys[i] })
	metered := backend.Metered(ctx)
	var units float64
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i, k := range in.Keys {
		if skip != nil && skip[i] {
			out.Unprocessed = append(out.Unprocessed, k)
			continue
		}
		if e := s.find(k); e != nil {
			out.Items = append(out.Items, backend.CopyItem(e.item))
			if metered {
				// Each item rounded on its own; a missing one costs
				// nothing, as DynamoDB Local charges.
				units += backend.ReadUnits(e.size, in.ConsistentRead)
			}
		}
	}
	if metered {
		charge(ctx, backend.Capacity{Table: backend.Units{Read: units}})
	}
	return out, nil
}

// tableKey returns the item key of k, without index keys, which address
// nothing in a get or a write (the DynamoDB backend sends PK and SK alone).
func tableKey(k backend.Key) backend.Key { return backend.Key{PK: k.PK, SK: k.SK} }

// unprocessed asks Options.Unprocessed about the keys of a batch, without
// the lock held, and returns which to leave undone (nil for none).
func (s *Store) unprocessed(n int, key func(int) backend.Key) []bool {
	if s.opts.Unprocessed == nil {
		return nil
	}
	skip := make([]bool, n)
	for i := range n {
		skip[i] = s.opts.Unprocessed(key(i))
	}
	return skip
}

// BatchWrite puts and deletes, without conditions, as DynamoDB's
// BatchWriteItem does: all at once, except the writes Options.Unprocessed
// picks, which are returned as Unprocessed. No writes is no request. It
// refuses (backend.ErrInvalidArgument) more than backend.MaxBatchWrite
// writes, two writes on one item, a write with both or neither of Put and
// Delete, and invalid items (too large: backend.ErrItemTooLarge), and then
// writes nothing.
func (s *Store) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	var out backend.BatchWriteOutput
	if err := ctx.Err(); err != nil {
		return out, err
	}
	if len(in.Writes) == 0 {
		return out, nil
	}
	if len(in.Writes) > backend.MaxBatchWrite {
		return out, fmt.Errorf("memory: batch write: %w: %d writes, more than %d", backend.ErrInvalidArgument, len(in.Writes), backend.MaxBatchWrite)
	}
	keys := make([]backend.Key, len(in.Writes))
	entries := make([]*entry, len(in.Writes)) // nil for a delete
	seen := make(map[backend.Key]struct{}, len(in.Writes))
	for i, w := range in.Writes {
		switch {
		case w.Put != nil && w.Delete == nil:
			size, err := s.checkItem(w.Put)
			if err != nil {
				return out, fmt.Errorf("memory: batch write: write %d: %w", i, err)
			}
			keys[i] = keyOf(w.Put)
			entries[i] = s.newEntry(keys[i], backend.StoredItem(w.Put), size)
		case w.Put == nil && w.Delete != nil:
			if err := checkKey(*w.Delete); err != nil {
				return out, fmt.Errorf("memory: batch write: write %d: %w", i, err)
			}
			keys[i] = *w.Delete
		default:
			return out, fmt.Errorf("memory: batch write: %w: write %d must have exactly one of Put and Delete", backend.ErrInvalidArgument, i)
		}
		if _, dup := seen[tableKey(keys[i])]; dup {
			return out, fmt.Errorf("memory: batch write: %w: Provided list of item keys contains duplicates", backend.ErrInvalidArgument)
		}
		seen[tableKey(keys[i])] = struct{}{}
	}
	skip := s.unprocessed(len(keys), func(i int) backend.Key { return keys[i] })
	metered := backend.Metered(ctx)
	var c backend.Capacity
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {
		if metered && (skip == nil || !skip[i]) {
			c = c.Add(backend.WriteCapacity(written(s.find(k)), written(entries[i]), s.slots, false))
		}
		switch {
		case skip != nil && skip[i]:
			w := in.Writes[i]
			if w.Put != nil {
				w.Put = backend.CopyItem(w.Put)
			} else {
				d := *w.Delete
				w.Delete = &d
			}
			out.Unprocessed = append(out.Unprocessed, w)
		case entries[i] != nil:
			s.store(entries[i])
		default:
			s.remove(k)
		}
	}
	if metered {
		charge(ctx, c)
	}
	return out, nil
}

// TransactWrite applies in.Actions all at once or not at all, as DynamoDB's
// TransactWriteItems does:
//
//   - it refuses (backend.ErrInvalidArgument) more than
//     backend.MaxTransactActions actions, two actions on one item, an
//     action of an unknown kind, an update without an update expression, a
//     check without a condition, and an expression DynamoDB refuses; a put
//     of an item over the size limit is backend.ErrItemTooLarge;
//   - every condition is evaluated against the items as they are before
//     the transaction; when any fails, it returns a
//     *backend.TxCanceledError with one reason per action in request order
//     (see txreason.go): backend.KindConditionFailed with a copy of the
//     item as it was (nil when missing), backend.KindInvalidArgument for an
//     update of a key attribute or one that makes its item too large,
//     backend.KindNone for the others, each with DynamoDB's code and
//     message for it;
//   - an update that cannot be applied to its item (an operand missing or
//     of the wrong type, say) fails the request with
//     backend.ErrInvalidArgument, as in DynamoDB;
//   - in.Token is DynamoDB's ClientRequestToken: for ten minutes after a
//     transaction with a token succeeded, a request with the same token and
//     the same actions succeeds again without applying anything, and one
//     with other actions is refused (backend.ErrInvalidArgument,
//     IdempotentParameterMismatch). A failed transaction does not hold its
//     token.
//
// No actions is no request.
func (s *Store) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := in.CheckSendable(); err != nil {
		return fmt.Errorf("memory: transact write: %w", err) // as the DynamoDB backend refuses it
	}
	if len(in.Actions) == 0 {
		return nil
	}
	if len(in.Actions) > backend.MaxTransactActions {
		return fmt.Errorf("memory: transact write: %w: %d actions, more than %d", backend.ErrInvalidArgument, len(in.Actions), backend.MaxTransactActions)
	}
	acts := make([]txAction, len(in.Actions))
	seen := make(map[backend.Key]struct{}, len(in.Actions))
	for i, a := range in.Actions {
		if err := acts[i].prepare(s, a); err != nil {
			return fmt.Errorf("memory: transact write: action %d: %w", i, err)
		}
		if _, dup := seen[tableKey(acts[i].key)]; dup {
			return fmt.Errorf("memory: transact write: %w: Transaction request cannot include multiple operations on one item", backend.ErrInvalidArgument)
		}
		seen[tableKey(acts[i].key)] = struct{}{}
	}
	var sum [sha256.Size]byte
	if in.Token != "" {
		sum = fingerprint(in.Actions)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if in.Token != "" {
		if prev, ok := s.tokens.lookup(in.Token, now); ok {
			if prev != sum {
				return fmt.Errorf("memory: transact write: %w: IdempotentParameterMismatch: token %q was used for another transaction in the last %v",
					backend.ErrInvalidArgument, in.Token, tokenLifetime)
			}
			if backend.Metered(ctx) {
				charge(ctx, backend.Capacity{}) // a request, that writes nothing
			}
			return nil // done already
		}
	}
	reasons := make([]backend.TxReason, len(acts))
	failed := false
	for i := range acts {
		if acts[i].invalid != nil {
			// A put's index key of the wrong type, whatever its
			// condition.
			reasons[i] = *acts[i].invalid
			failed = true
			continue
		}
		old := s.find(acts[i].key)
		if err := holds(acts[i].req.Condition, old); err != nil {
			cfe, ok := err.(*backend.ConditionFailedError)
			if !ok {
				return err
			}
			reasons[i] = reasonConditionFailed(cfe.Item)
			failed = true
			continue
		}
		reasons[i] = reasonNone()
		if acts[i].kind == backend.TxUpdate {
			e, err := s.updated(acts[i].key, old, acts[i].req.Update)
			reason, mismatch := txIndexTypeReason(err)
			switch {
			case mismatch:
				reasons[i] = reason
				failed = true
			case errorsIsTooLarge(err):
				reasons[i] = reasonInvalid("Item size to update has exceeded the maximum allowed size")
				failed = true
			case acts[i].writesKey() != "":
				reasons[i] = reasonInvalid("One or more parameter values were invalid: Cannot update attribute " +
					acts[i].writesKey() + ". This attribute is part of the key")
				failed = true
			case err != nil:
				return fmt.Errorf("memory: transact write: action %d: %w", i, err)
			}
			acts[i].entry = e
		}
	}
	if failed {
		if backend.Metered(ctx) {
			charge(ctx, backend.CanceledTxCapacity(reasons))
		}
		return &backend.TxCanceledError{Reasons: reasons}
	}
	if backend.Metered(ctx) {
		var c backend.Capacity
		for _, a := range acts {
			old := s.find(a.key)
			switch a.kind {
			case backend.TxPut, backend.TxUpdate:
				c = c.Add(backend.WriteCapacity(written(old), written(a.entry), s.slots, true))
			case backend.TxDelete:
				c = c.Add(backend.WriteCapacity(written(old), backend.Written{}, s.slots, true))
			case backend.TxCheck:
				c = c.Add(backend.TxCheckCapacity(written(old).Size))
			}
		}
		charge(ctx, c)
	}
	for _, a := range acts {
		switch a.kind {
		case backend.TxPut, backend.TxUpdate:
			s.store(a.entry)
		case backend.TxDelete:
			s.remove(a.key)
		}
	}
	if in.Token != "" {
		s.tokens.add(in.Token, sum, now)
	}
	return nil
}

// txAction is one checked action of a transaction.
type txAction struct {
	kind    backend.TxKind
	key     backend.Key
	req     *expreval.Request
	entry   *entry            // the item a put or update stores
	invalid *backend.TxReason // why a put cancels the transaction, if it does
}

// prepare checks a and its expressions, as DynamoDB does before it reads
// anything. A put whose item has an index key of the wrong type is no
// error here: it cancels the transaction, with the reason in t.invalid.
func (t *txAction) prepare(s *Store, a backend.TxAction) error {
	t.kind = a.Kind
	if err := a.CheckExpr(); err != nil {
		return err
	}
	var err error
	switch a.Kind {
	case backend.TxPut:
		size, err := s.checkItem(a.Item)
		if reason, ok := txIndexTypeReason(err); ok {
			t.invalid, err = &reason, nil
		}
		if err != nil {
			return err
		}
		t.key = keyOf(a.Item)
		t.entry = s.newEntry(t.key, backend.StoredItem(a.Item), size)
		t.req, err = parseExpr(a.Expr, backend.ExprCondition)
		return err
	case backend.TxUpdate:
		t.req, err = parseExpr(a.Expr, backend.UpdateParts)
		if err == nil {
			err = checkUpdateValues(t.req.Update)
		}
	case backend.TxDelete:
		t.req, err = parseExpr(a.Expr, backend.ExprCondition)
	case backend.TxCheck:
		t.req, err = parseExpr(a.Expr, backend.ExprCondition)
	}
	if err != nil {
		return err
	}
	t.key = a.Key
	return checkKey(a.Key)
}

// writesKey returns the key attribute an update action writes, or "".
func (t *txAction) writesKey() string {
	if u := t.req.Update; u != nil {
		for _, name := range []string{entity.PartitionKeyName, entity.SortKeyName} {
			if u.Writes(name) {
				return name
			}
		}
	}
	return ""
}

func errorsIsTooLarge(err error) bool { return errors.Is(err, backend.ErrItemTooLarge) }

// tokenLifetime is how long DynamoDB holds a transaction's
// ClientRequestToken.
const tokenLifetime = 10 * time.Minute

// tokenCache holds the tokens of the transactions that succeeded in the
// last tokenLifetime, with a fingerprint of their actions.
type tokenCache struct {
	byToken map[string]tokenEntry
	order   []tokenEntry // by time, for expiry
}

type tokenEntry struct {
	token string
	sum   [sha256.Size]byte
	at    time.Time
}

// lookup returns the fingerprint of the live transaction with token.
func (c *tokenCache) lookup(token string, now time.Time) ([sha256.Size]byte, bool) {
	c.expire(now)
	e, ok := c.byToken[token]
	return e.sum, ok
}

func (c *tokenCache) add(token string, sum [sha256.Size]byte, now time.Time) {
	if c.byToken == nil {
		c.byToken = make(map[string]tokenEntry)
	}
	e := tokenEntry{token: token, sum: sum, at: now}
	c.byToken[token] = e
	c.order = append(c.order, e)
}

// expire forgets the tokens older than tokenLifetime.
func (c *tokenCache) expire(now time.Time) {
	n := 0
	for n < len(c.order) && now.Sub(c.order[n].at) >= tokenLifetime {
		e := c.order[n]
		if cur, ok := c.byToken[e.token]; ok && cur.at.Equal(e.at) {
			delete(c.byToken, e.token)
		}
		n++
	}
	if n > 0 {
		c.order = slices.Delete(c.order, 0, n)
	}
}

// fingerprint returns a digest of the actions of a transaction, the same
// for the same actions whatever the order of their maps.
func fingerprint(acts []backend.TxAction) [sha256.Size]byte {
	h := sha256.New()
	w := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	var value func(v types.AttributeValue)
	value = func(v types.AttributeValue) {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			w("S")
			w(v.Value)
		case *types.AttributeValueMemberN:
			w("N")
			w(v.Value)
		case *types.AttributeValueMemberB:
			w("B")
			w(string(v.Value))
		case *types.AttributeValueMemberBOOL:
			w("BOOL")
			w(strconv.FormatBool(v.Value))
		case *types.AttributeValueMemberNULL:
			w("NULL")
		case *types.AttributeValueMemberSS:
			w("SS" + strconv.Itoa(len(v.Value)))
			for _, e := range v.Value {
				w(e)
			}
		case *types.AttributeValueMemberNS:
			w("NS" + strconv.Itoa(len(v.Value)))
			for _, e := range v.Value {
				w(e)
			}
		case *types.AttributeValueMemberBS:
			w("BS" + strconv.Itoa(len(v.Value)))
			for _, e := range v.Value {
				w(string(e))
			}
		case *types.AttributeValueMemberL:
			w("L" + strconv.Itoa(len(v.Value)))
			for _, e := range v.Value {
				value(e)
			}
		case *types.AttributeValueMemberM:
			w("M" + strconv.Itoa(len(v.Value)))
			for _, k := range sortedKeys(v.Value) {
				w(k)
				value(v.Value[k])
			}
		default:
			w(fmt.Sprintf("%T", v))
		}
	}
	for _, a := range acts {
		w(strconv.Itoa(int(a.Kind)))
		w(a.Key.PK)
		w(a.Key.SK)
		value(&types.AttributeValueMemberM{Value: a.Item})
		w(a.Expr.Condition)
		w(a.Expr.Update)
		w(a.Expr.Filter)
		for _, k := range sortedKeys(a.Expr.Names) {
			w(k)
			w(a.Expr.Names[k])
		}
		value(&types.AttributeValueMemberM{Value: a.Expr.Values})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
