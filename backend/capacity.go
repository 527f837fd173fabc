package backend

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB's capacity rules, as functions every backend can share: the
// memory backend computes what each request consumes with them, and the
// DynamoDB backend estimates with them what DynamoDB does not report (a
// write whose condition failed). The figures were checked against DynamoDB
// Local 3.3.0's ConsumedCapacity (see capacity_test.go and the conformance
// capability Capacity). Item sizes are ItemSize.

// Capacity unit sizes.
const (
	// WriteUnitBytes is the item size one write unit covers: 1 KB.
	WriteUnitBytes = 1024
	// ReadUnitBytes is the item size one strongly consistent read unit
	// covers: 4 KB.
	ReadUnitBytes = 4096
)

// WriteUnits returns the write units of writing an item of size bytes:
// one per started KB, and at least one (a delete of a missing item, or a
// write whose condition failed on one, costs one).
func WriteUnits(size int) float64 {
	return float64(max(1, ceilDiv(size, WriteUnitBytes)))
}

// ReadUnits returns the read units of reading size bytes in one read: one
// per started 4 KB when consistent, half of that when eventually
// consistent. Zero bytes cost nothing, which is what a Query or Scan page
// that evaluated no item, and a BatchGet's missing item, cost on DynamoDB
// Local; GetUnits has the minimum of a GetItem.
func ReadUnits(size int, consistent bool) float64 {
	u := float64(ceilDiv(size, ReadUnitBytes))
	if !consistent {
		u /= 2
	}
	return u
}

// GetUnits returns the read units of a GetItem of an item of size bytes (0
// for a missing item): ReadUnits, but at least one unit's worth (0.5
// eventually consistent, 1 consistent), as a missing item costs.
func GetUnits(size int, consistent bool) float64 {
	return ReadUnits(max(1, size), consistent)
}

// CheckUnits returns what a TransactWriteItems ConditionCheck on an item of
// size bytes (0 for a missing item) costs: a transactional read, two units
// per started 4 KB, at least two. DynamoDB Local reports them in the
// request's CapacityUnits, which for TransactWriteItems the backends count
// as write units; so does WriteCapacity's caller (see TxCheckCapacity).
func CheckUnits(size int) float64 {
	return 2 * float64(max(1, ceilDiv(size, ReadUnitBytes)))
}

// TxCheckCapacity returns the capacity of a ConditionCheck action on an
// item of size bytes (0 for a missing item), counted as write units, as
// DynamoDB Local reports it.
func TxCheckCapacity(size int) Capacity {
	return Capacity{Table: Units{Write: CheckUnits(size)}}
}

func ceilDiv(n, d int) int {
	if n <= 0 {
		return 0
	}
	return (n + d - 1) / d
}

// Written is one side of a write: an item (nil for none) and its size
// (ItemSize; ignored when Item is nil). Callers that know the size pass
// it; SizedItem computes it.
type Written struct {
	Item Item
	Size int
}

// SizedItem returns item with its ItemSize, or the zero Written for nil.
func SizedItem(item Item) Written {
	if item == nil {
		return Written{}
	}
	return Written{Item: item, Size: ItemSize(item)}
}

// WriteCapacity returns what a write consumes that turns old into new, on
// a table with the index slots slots, by DynamoDB's rules:
//
//   - the table: WriteUnits of the larger of the old and the new item (a
//     put, an update, a delete of old; a missing item counts as size 0,
//     so a delete of a missing item costs one unit);
//   - each index slot, for an item whose entry in that index (the item,
//     every index projecting all attributes) is: put (only new is in the
//     index): WriteUnits(new); removed (only old is): WriteUnits(old);
//     changed, with the same index keys: WriteUnits of the larger; moved,
//     its index keys changed: WriteUnits(old) + WriteUnits(new), a delete
//     and a put; identical (old and new equal, as DynamoDB compares
//     values): nothing;
//   - in a transaction (tx), twice all of that.
//
// An item is in index GSI<n> when it holds both of its key attributes as
// strings. A write whose condition failed costs FailedWriteCapacity
// instead.
func WriteCapacity(old, new Written, slots IndexSet, tx bool) Capacity {
	var c Capacity
	c.Table.Write = WriteUnits(max(sizeOf(old), sizeOf(new)))
	identical := -1 // unknown yet; compared once, when an index needs it
	for n := 1; n <= MaxIndexes; n++ {
		if !slots.Has(n) {
			continue
		}
		opk, osk, oin := indexKeysOf(old.Item, n)
		npk, nsk, nin := indexKeysOf(new.Item, n)
		var u float64
		switch {
		case oin && nin && (opk != npk || osk != nsk):
			u = WriteUnits(old.Size) + WriteUnits(new.Size)
		case oin && nin:
			if identical < 0 {
				identical = 0
				if ItemsEqual(old.Item, new.Item) {
					identical = 1
				}
			}
			if identical == 0 {
				u = WriteUnits(max(old.Size, new.Size))
			}
		case oin:
			u = WriteUnits(old.Size)
		case nin:
			u = WriteUnits(new.Size)
		}
		c.Indexes[n-1].Write = u
	}
	if tx {
		c = c.Add(c)
	}
	return c
}

// FailedWriteCapacity returns what a PutItem, UpdateItem or DeleteItem
// whose condition failed consumes, by AWS's published rule: write units of
// the item as it is (at least one, for a missing item), on the table only,
// twice in a transaction. DynamoDB reports nothing for a failed write
// (DynamoDB Local neither), so this is always computed.
func FailedWriteCapacity(old Written, tx bool) Capacity {
	c := Capacity{Table: Units{Write: WriteUnits(sizeOf(old))}}
	if tx {
		c = c.Add(c)
	}
	return c
}

func sizeOf(w Written) int {
	if w.Item == nil {
		return 0
	}
	return w.Size
}

// indexKeysOf returns the keys of item in index slot n, and whether it is
// in that index.
func indexKeysOf(item Item, n int) (pk, sk string, ok bool) {
	if item == nil {
		return "", "", false
	}
	pkName, skName := IndexKeyNames(IndexName(n))
	p, ok1 := item[pkName].(*types.AttributeValueMemberS)
	s, ok2 := item[skName].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 {
		return "", "", false
	}
	return p.Value, s.Value, true
}

// ItemsEqual reports whether a and b hold the same attributes with equal
// values, as DynamoDB compares them: numbers by value ("1.0" equals "1"),
// sets whatever their order, lists in order, maps by name.
func ItemsEqual(a, b Item) bool {
	if len(a) != len(b) {
		return false
	}
	for name, v := range a {
		w, ok := b[name]
		if !ok || !ValuesEqual(v, w) {
			return false
		}
	}
	return true
}

// ValuesEqual reports whether two attribute values are equal, as
// ItemsEqual compares them.
func ValuesEqual(a, b types.AttributeValue) bool {
	switch a := a.(type) {
	case *types.AttributeValueMemberS:
		b, ok := b.(*types.AttributeValueMemberS)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberN:
		b, ok := b.(*types.AttributeValueMemberN)
		return ok && CompareNumbers(a.Value, b.Value) == 0
	case *types.AttributeValueMemberB:
		b, ok := b.(*types.AttributeValueMemberB)
		return ok && string(a.Value) == string(b.Value)
	case *types.AttributeValueMemberBOOL:
		b, ok := b.(*types.AttributeValueMemberBOOL)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberNULL:
		_, ok := b.(*types.AttributeValueMemberNULL)
		return ok
	case *types.AttributeValueMemberSS:
		b, ok := b.(*types.AttributeValueMemberSS)
		return ok && sameSet(a.Value, b.Value, func(x string) string { return x })
	case *types.AttributeValueMemberNS:
		b, ok := b.(*types.AttributeValueMemberNS)
		return ok && sameSet(a.Value, b.Value, NormalizeNumber)
	case *types.AttributeValueMemberBS:
		b, ok := b.(*types.AttributeValueMemberBS)
		return ok && sameSet(a.Value, b.Value, func(x []byte) string { return string(x) })
	case *types.AttributeValueMemberL:
		b, ok := b.(*types.AttributeValueMemberL)
		return ok && slices.EqualFunc(a.Value, b.Value, ValuesEqual)
	case *types.AttributeValueMemberM:
		b, ok := b.(*types.AttributeValueMemberM)
		return ok && ItemsEqual(a.Value, b.Value)
	}
	return false
}

// sameSet reports whether a and b hold the same elements, by key.
func sameSet[E any](a, b []E, key func(E) string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := make(map[string]int, len(a))
	for _, e := range a {
		seen[key(e)]++
	}
	for _, e := range b {
		k := key(e)
		if seen[k] == 0 {
			return false
		}
		seen[k]--
	}
	return true
}

// CanceledTxCapacity returns what a TransactWriteItems that DynamoDB
// canceled is charged here, one figure both backends can compute from the
// cancellation reasons alone: for each action, two write units per KB of
// the item its reason returns (ReturnValuesOnConditionCheckFailure, set on
// a failed condition), at least two for an action whose reason returns no
// item. DynamoDB reports no ConsumedCapacity for a canceled transaction
// (DynamoDB Local neither), and AWS publishes only that a canceled
// transaction still consumes capacity; this figure is an estimate in the
// spirit of FailedWriteCapacity, not a measurement.
func CanceledTxCapacity(reasons []TxReason) Capacity {
	var c Capacity
	for _, r := range reasons {
		c = c.Add(FailedWriteCapacity(SizedItem(r.Item), true))
	}
	return c
}
