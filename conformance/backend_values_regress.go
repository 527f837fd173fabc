package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The cases of this file pin the "empty" forms of attribute values and the
// length of attribute names as DynamoDB Local 3.3.0 takes them (issue #10,
// attack review findings F5 and F6); see backend.CheckShape and
// backend.MaxNameBytes.

// beValueWrappers put a value at the top level of an attribute and below it
// in a list, a map and a map in a list.
var beValueWrappers = []struct {
	name string
	wrap func(types.AttributeValue) types.AttributeValue
}{
	{"top", func(v types.AttributeValue) types.AttributeValue { return v }},
	{"in list", func(v types.AttributeValue) types.AttributeValue {
		return &types.AttributeValueMemberL{Value: []types.AttributeValue{v}}
	}},
	{"in map", func(v types.AttributeValue) types.AttributeValue {
		return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": v}}
	}},
	{"in map in list", func(v types.AttributeValue) types.AttributeValue {
		return &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": v}},
		}}
	}},
}

// backendFidelityEmptyValues: values DynamoDB refuses in their "empty" Go
// form (NULL false, a nil binary, a nil element of a binary set) or that
// the SDK cannot send (a nil value, an unknown member type) are refused
// with ErrInvalidArgument at every depth, as an item attribute, as an
// expression attribute value of an update, a condition and a filter, in a
// batch write and in a transaction, and nothing is written. DynamoDB Local
// answers NULL false and a nil binary with a ValidationException, a binary
// set holding a nil element, a nil map value and an unknown member with a
// 500 InternalFailure, and drops a nil or unknown list element silently;
// the memory backend stored them all. The empty forms DynamoDB does store
// (NULL true, an empty binary alone and in a set, nil and empty lists and
// maps, an empty string) are accepted everywhere.
func backendFidelityEmptyValues(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	refused := []struct {
		name string
		v    types.AttributeValue
	}{
		{"NULL false", &types.AttributeValueMemberNULL{Value: false}},
		{"nil binary", &types.AttributeValueMemberB{}},
		{"binary set with a nil element", &types.AttributeValueMemberBS{Value: [][]byte{nil}}},
		{"binary set with a nil and a non-empty element", &types.AttributeValueMemberBS{Value: [][]byte{nil, {1}}}},
		{"unknown member", &types.UnknownUnionMember{Tag: "X", Value: []byte("1")}},
		{"nil", nil},
	}
	accepted := []struct {
		name string
		v    types.AttributeValue
	}{
		{"NULL true", &types.AttributeValueMemberNULL{Value: true}},
		{"empty binary", &types.AttributeValueMemberB{Value: []byte{}}},
		{"binary set with an empty element", &types.AttributeValueMemberBS{Value: [][]byte{{}}}},
		{"nil list", &types.AttributeValueMemberL{}},
		{"empty list", &types.AttributeValueMemberL{Value: []types.AttributeValue{}}},
		{"nil map", &types.AttributeValueMemberM{}},
		{"empty map", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}},
		{"empty string", beS("")},
	}
	seed := beKey(bePK, "empty#seed")
	bePut(t, b, beItem(bePK, seed.SK, "a", beS("x")))
	n := 0
	try := func(v types.AttributeValue) (errs map[string]error, written []backend.Key) {
		n++
		k := beKey(bePK, fmt.Sprintf("empty#%03d", n))
		errs = map[string]error{}
		errs["put"] = b.Put(ctx, backend.PutInput{Item: beItem(bePK, k.SK+"p", "a", v)})
		_, errs["update value"] = b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, k.SK+"u"), Expr: backend.Expressions{
			Update: "SET #a = :v", Names: map[string]string{"#a": "a"}, Values: map[string]types.AttributeValue{":v": v},
		}})
		_, errs["condition value"] = b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, k.SK+"c"), Expr: backend.Expressions{
			Update: "SET #b = :w", Condition: "attribute_not_exists(#a) OR #a <> :v",
			Names: map[string]string{"#a": "a", "#b": "b"}, Values: map[string]types.AttributeValue{":v": v, ":w": beS("w")},
		}})
		_, errs["filter value"] = b.Query(ctx, backend.QueryInput{PK: bePK, Limit: 10, ConsistentRead: true, Expr: backend.Expressions{
			Filter: "#a <> :v", Names: map[string]string{"#a": "a"}, Values: map[string]types.AttributeValue{":v": v},
		}})
		written = []backend.Key{beKey(bePK, k.SK+"p"), beKey(bePK, k.SK+"u"), beKey(bePK, k.SK+"c")}
		if h.caps&Batches != 0 {
			_, errs["batch put"] = b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: beItem(bePK, k.SK+"b", "a", v)}}})
			written = append(written, beKey(bePK, k.SK+"b"))
		}
		if h.caps&Transactions != 0 {
			errs["transaction put"] = b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxPut, Item: beItem(bePK, k.SK+"t", "a", v)}}})
			written = append(written, beKey(bePK, k.SK+"t"))
		}
		return errs, written
	}
	for _, w := range beValueWrappers {
		for _, c := range refused {
			if c.v == nil && w.name == "top" {
				// A nil top-level attribute is refused by Backend/InvalidArgument.
				continue
			}
			errs, written := try(w.wrap(c.v))
			for op, err := range errs {
				assert.ErrorIs(t, err, backend.ErrInvalidArgument, "%s %s: %s", c.name, w.name, op)
			}
			for _, k := range written {
				assert.Nil(t, beGet(t, b, k), "%s %s: %s wrote an item", c.name, w.name, k.SK)
			}
		}
		for _, c := range accepted {
			errs, written := try(w.wrap(c.v))
			for op, err := range errs {
				assert.NoError(t, err, "%s %s: %s", c.name, w.name, op)
			}
			for _, k := range written {
				assert.NotNil(t, beGet(t, b, k), "%s %s: %s not written", c.name, w.name, k.SK)
			}
		}
	}
}

// backendFidelityNameLengths: an attribute name of backend.MaxNameBytes
// (50,000) bytes is accepted and one byte more is refused with
// ErrInvalidArgument, writing nothing, wherever a name appears: a top-level
// attribute name, a map key of an item (in a map, in a map in a list), a
// map key of an expression attribute value, and the name an expression
// attribute name stands for in an update's SET and REMOVE, in a condition
// and in a filter. DynamoDB documents names of up to 64 KB; DynamoDB Local
// 3.3.0 stores names and map keys of up to exactly 50,000 bytes and answers
// 50,001 with a 500 InternalFailure; it stores a SET through an expression
// attribute name of 50,001 bytes, and every GetItem of that item then
// answers 500 InternalFailure; it takes a name of up to 65,535 bytes that
// is only read (condition, filter, REMOVE) and refuses 65,536
// (ValidationException). The memory backend took any length.
func backendFidelityNameLengths(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	m := func(k string) types.AttributeValue {
		return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{k: beS("v")}}
	}
	kinds := []struct {
		name string
		// write writes with a name of the length at key sk, or reads with
		// it for the kinds that only read (written false).
		write   func(name, sk string) error
		written bool
	}{
		{"top-level name", func(name, sk string) error {
			return b.Put(ctx, backend.PutInput{Item: beItem(bePK, sk, name, beS("v"))})
		}, true},
		{"map key", func(name, sk string) error {
			return b.Put(ctx, backend.PutInput{Item: beItem(bePK, sk, "a", m(name))})
		}, true},
		{"map key in a list", func(name, sk string) error {
			return b.Put(ctx, backend.PutInput{Item: beItem(bePK, sk, "a", &types.AttributeValueMemberL{Value: []types.AttributeValue{m(name)}})})
		}, true},
		{"map key of an expression value", func(name, sk string) error {
			_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, sk), Expr: backend.Expressions{
				Update: "SET #a = :m", Names: map[string]string{"#a": "a"}, Values: map[string]types.AttributeValue{":m": m(name)},
			}})
			return err
		}, true},
		{"expression name in SET", func(name, sk string) error {
			_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, sk), Expr: backend.Expressions{
				Update: "SET #n = :v", Names: map[string]string{"#n": name}, Values: map[string]types.AttributeValue{":v": beS("v")},
			}})
			return err
		}, true},
		{"expression name in a nested SET", func(name, sk string) error {
			_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, sk), Expr: backend.Expressions{
				Update: "SET #a = :m, #b = :v", Names: map[string]string{"#a": "a", "#b": name},
				Values: map[string]types.AttributeValue{":m": &types.AttributeValueMemberM{}, ":v": beS("v")},
			}})
			return err
		}, true},
		{"expression name in REMOVE", func(name, sk string) error {
			_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, sk), Expr: backend.Expressions{
				Update: "REMOVE #n", Names: map[string]string{"#n": name},
			}})
			return err
		}, true},
		{"expression name in a condition", func(name, sk string) error {
			return b.Put(ctx, backend.PutInput{Item: beItem(bePK, sk), Expr: backend.Expressions{
				Condition: "attribute_not_exists(#n)", Names: map[string]string{"#n": name},
			}})
		}, true},
		{"expression name in a filter", func(name, sk string) error {
			_, err := b.Query(ctx, backend.QueryInput{PK: bePK, Limit: 10, ConsistentRead: true, Expr: backend.Expressions{
				Filter: "attribute_exists(#n)", Names: map[string]string{"#n": name},
			}})
			return err
		}, false},
	}
	for i, kind := range kinds {
		for _, l := range []int{backend.MaxNameBytes, backend.MaxNameBytes + 1, 65536} {
			sk := fmt.Sprintf("namelen#%d#%d", i, l)
			err := kind.write(strings.Repeat("n", l), sk)
			if l <= backend.MaxNameBytes {
				assert.NoError(t, err, "%s of %d bytes", kind.name, l)
				if kind.written {
					assert.NotNil(t, beGet(t, b, beKey(bePK, sk)), "%s of %d bytes", kind.name, l)
				}
				continue
			}
			assert.ErrorIs(t, err, backend.ErrInvalidArgument, "%s of %d bytes", kind.name, l)
			if kind.written {
				assert.Nil(t, beGet(t, b, beKey(bePK, sk)), "%s of %d bytes wrote an item", kind.name, l)
			}
		}
	}
}
