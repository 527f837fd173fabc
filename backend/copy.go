package backend

import (
	"bytes"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CopyItem returns a deep copy of item, sharing no memory with it, so that a
// store and its callers never change each other's values.
func CopyItem(item Item) Item {
	if item == nil {
		return nil
	}
	// The strings and numbers, most of an item, are copied into one array
	// of each: two allocations rather than one per value.
	var nS, nN int
	for _, v := range item {
		switch v.(type) {
		case *types.AttributeValueMemberS:
			nS++
		case *types.AttributeValueMemberN:
			nN++
		}
	}
	ss := make([]types.AttributeValueMemberS, nS)
	ns := make([]types.AttributeValueMemberN, nN)
	out := make(Item, len(item))
	for k, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			ss[0].Value = v.Value
			out[k], ss = &ss[0], ss[1:]
		case *types.AttributeValueMemberN:
			ns[0].Value = v.Value
			out[k], ns = &ns[0], ns[1:]
		default:
			out[k] = CopyValue(v)
		}
	}
	return out
}

// StoredItem returns a deep copy of item as DynamoDB stores it: like
// CopyItem, with each top-level number and number set in the form
// NormalizeNumber gives. Numbers inside lists and maps stay as written, as
// DynamoDB (Local 3.3.0) keeps them. Backends that keep items themselves
// store this, so reads return what DynamoDB returns.
func StoredItem(item Item) Item {
	out := CopyItem(item)
	for _, v := range out {
		switch v := v.(type) {
		case *types.AttributeValueMemberN:
			v.Value = NormalizeNumber(v.Value)
		case *types.AttributeValueMemberNS:
			for i, n := range v.Value {
				v.Value[i] = NormalizeNumber(n)
			}
		}
	}
	return out
}

// CopyValue returns a deep copy of one attribute value.
func CopyValue(v types.AttributeValue) types.AttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return &types.AttributeValueMemberS{Value: v.Value}
	case *types.AttributeValueMemberN:
		return &types.AttributeValueMemberN{Value: v.Value}
	case *types.AttributeValueMemberB:
		return &types.AttributeValueMemberB{Value: bytes.Clone(v.Value)}
	case *types.AttributeValueMemberBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Value}
	case *types.AttributeValueMemberNULL:
		return &types.AttributeValueMemberNULL{Value: v.Value}
	case *types.AttributeValueMemberSS:
		return &types.AttributeValueMemberSS{Value: slices.Clone(v.Value)}
	case *types.AttributeValueMemberNS:
		return &types.AttributeValueMemberNS{Value: slices.Clone(v.Value)}
	case *types.AttributeValueMemberBS:
		bs := make([][]byte, len(v.Value))
		for i, b := range v.Value {
			bs[i] = bytes.Clone(b)
		}
		return &types.AttributeValueMemberBS{Value: bs}
	case *types.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = CopyValue(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case *types.AttributeValueMemberM:
		m := make(map[string]types.AttributeValue, len(v.Value))
		for k, e := range v.Value {
			m[k] = CopyValue(e)
		}
		return &types.AttributeValueMemberM{Value: m}
	}
	return v
}
