package backend

import (
	"fmt"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/entity"
)

// DynamoDB strings are UTF-8, and a request travels as JSON: the SDK's
// encoder writes each byte that is not valid UTF-8 as U+FFFD, so a key
// "tenant#\xff" would reach DynamoDB as "tenant#\uFFFD", the key of another
// tenant, and a condition value "\xfe" would match a stored "\uFFFD".
// Every backend refuses, before anything is sent or read, a request holding
// a string that is not valid UTF-8 where it names or compares data: the
// CheckSendable methods below say where. Their errors wrap ErrInvalidArgument.
//
// The same walk over the request's items and expression attribute names
// and values refuses the other things the SDK or DynamoDB does not take as
// sent, so that no backend sends or stores them: a name or map key longer
// than MaxNameBytes, and a value CheckShape reports, at any depth.

// CheckSendable reports a key string that is not valid UTF-8: PK, SK, and,
// for an index position, IndexPK and IndexSK (keys hold no names or
// values of other kinds).
func (k Key) CheckSendable() error {
	for _, f := range [...]struct{ name, v string }{{entity.PartitionKeyName, k.PK}, {entity.SortKeyName, k.SK}, {"index PK", k.IndexPK}, {"index SK", k.IndexSK}} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%w: key attribute %s %s is not valid UTF-8", ErrInvalidArgument, f.name, quoteBytes(f.v))
		}
	}
	return nil
}

// CheckSendable reports a string of the expressions that is not valid UTF-8:
// the expression texts, the attribute names (placeholders and the names
// they stand for) and every string the values hold. It also reports an
// attribute name longer than MaxNameBytes and a value, at any depth, that
// CheckShape reports.
func (e Expressions) CheckSendable() error {
	for _, s := range [...]string{e.Condition, e.Update, e.Filter} {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: an expression is not valid UTF-8", ErrInvalidArgument)
		}
	}
	for ph, name := range e.Names {
		if !utf8.ValidString(ph) || !utf8.ValidString(name) {
			return fmt.Errorf("%w: expression attribute name %s (%s) is not valid UTF-8", ErrInvalidArgument, quoteBytes(ph), quoteBytes(name))
		}
		if err := checkNameLength(name); err != nil {
			return fmt.Errorf("expression attribute name %s: %w", quoteBytes(ph), err)
		}
	}
	for ph, v := range e.Values {
		if !utf8.ValidString(ph) {
			return fmt.Errorf("%w: expression value placeholder %s is not valid UTF-8", ErrInvalidArgument, quoteBytes(ph))
		}
		if err := checkValueSendable(v); err != nil {
			return fmt.Errorf("%w: expression value %s: %v", ErrInvalidArgument, ph, err)
		}
	}
	return nil
}

// CheckItemSendable reports a string of item that is not valid UTF-8: an
// attribute name, a string, an element of a string set, a map key, at any
// depth. It also reports a name or map key longer than MaxNameBytes and a
// value, at any depth, that CheckShape reports.
func CheckItemSendable(item Item) error {
	for name, v := range item {
		if !utf8.ValidString(name) {
			return fmt.Errorf("%w: attribute name %s is not valid UTF-8", ErrInvalidArgument, quoteBytes(name))
		}
		if err := checkNameLength(name); err != nil {
			return err
		}
		if err := checkValueSendable(v); err != nil {
			return fmt.Errorf("%w: attribute %s: %v", ErrInvalidArgument, name, err)
		}
	}
	return nil
}

// checkValueSendable reports a string in v that is not valid UTF-8, a map key
// longer than MaxNameBytes, or a value CheckShape reports.
func checkValueSendable(v types.AttributeValue) error {
	if err := CheckShape("value", v); err != nil {
		return err
	}
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		if !utf8.ValidString(v.Value) {
			return fmt.Errorf("string %s is not valid UTF-8", quoteBytes(v.Value))
		}
	case *types.AttributeValueMemberSS:
		for _, s := range v.Value {
			if !utf8.ValidString(s) {
				return fmt.Errorf("string set element %s is not valid UTF-8", quoteBytes(s))
			}
		}
	case *types.AttributeValueMemberL:
		for _, e := range v.Value {
			if err := checkValueSendable(e); err != nil {
				return err
			}
		}
	case *types.AttributeValueMemberM:
		for k, e := range v.Value {
			if !utf8.ValidString(k) {
				return fmt.Errorf("map key %s is not valid UTF-8", quoteBytes(k))
			}
			if err := checkNameLength(k); err != nil {
				return err
			}
			if err := checkValueSendable(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckSendable reports what the request holds that no backend sends (see
// the top of this file).
func (in GetInput) CheckSendable() error { return in.Key.CheckSendable() }

// CheckSendable reports what the request holds that no backend sends (see
// the top of this file).
func (in PutInput) CheckSendable() error {
	if err := CheckItemSendable(in.Item); err != nil {
		return err
	}
	return in.Expr.CheckSendable()
}

// CheckSendable reports what the request holds that no backend sends (see
// the top of this file).
func (in UpdateInput) CheckSendable() error {
	if err := in.Key.CheckSendable(); err != nil {
		return err
	}
	return in.Expr.CheckSendable()
}

// CheckSendable reports what the request holds that no backend sends (see
// the top of this file).
func (in DeleteInput) CheckSendable() error {
	if err := in.Key.CheckSendable(); err != nil {
		return err
	}
	return in.Expr.CheckSendable()
}

// CheckSendable reports a string of the query that is not valid UTF-8: its
// partition key, its range's bounds, its start key, its filter.
func (in QueryInput) CheckSendable() error {
	for _, f := range [...]struct{ name, v string }{{"partition key", in.PK}, {"range bound", in.Range.Lo}, {"range bound", in.Range.Hi}, {"index name", in.Index}} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%w: query %s %s is not valid UTF-8", ErrInvalidArgument, f.name, quoteBytes(f.v))
		}
	}
	if in.StartKey != nil {
		if err := in.StartKey.CheckSendable(); err != nil {
			return fmt.Errorf("start key: %w", err)
		}
	}
	return in.Expr.CheckSendable()
}

// CheckSendable reports what the request holds that no backend sends (see
// the top of this file).
func (in BatchGetInput) CheckSendable() error {
	for i, k := range in.Keys {
		if err := k.CheckSendable(); err != nil {
			return fmt.Errorf("key %d: %w", i, err)
		}
	}
	return nil
}

// CheckSendable reports what the request holds that no backend sends (see
// the top of this file).
func (in BatchWriteInput) CheckSendable() error {
	for i, w := range in.Writes {
		var err error
		if w.Put != nil {
			err = CheckItemSendable(w.Put)
		}
		if err == nil && w.Delete != nil {
			err = w.Delete.CheckSendable()
		}
		if err != nil {
			return fmt.Errorf("write %d: %w", i, err)
		}
	}
	return nil
}

// CheckSendable reports a string of the transaction that is not valid UTF-8,
// in any action: its item, its key, its expressions.
func (in TransactInput) CheckSendable() error {
	for i, a := range in.Actions {
		err := a.Key.CheckSendable()
		if err == nil && a.Item != nil {
			err = CheckItemSendable(a.Item)
		}
		if err == nil {
			err = a.Expr.CheckSendable()
		}
		if err != nil {
			return fmt.Errorf("action %d: %w", i, err)
		}
	}
	if !utf8.ValidString(in.Token) {
		return fmt.Errorf("%w: client request token is not valid UTF-8", ErrInvalidArgument)
	}
	return nil
}

// quoteBytes quotes s for an error message, shortened.
func quoteBytes(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q... (%d bytes)", s[:max], len(s))
	}
	return fmt.Sprintf("%q", s)
}
