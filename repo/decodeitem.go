package repo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// DecodeItem decodes a stored item that did not come from one of the
// repository's reads, such as an image of a change feed record (package
// changefeed), as the repository decodes the items it reads: the ID from
// the sort key, the attributes by the type's decoding.
//
// ok is false, and err nil, when item is not an entity of type T of the
// context's tenant: its partition key is not exactly the tenant's (another
// tenant's, whatever it starts with), its sort key is not of T's prefix,
// or it has no string keys. Nothing of such an item is read further, and
// no error says what it holds. err wraps ErrDecode when the item is the
// tenant's entity of type T and does not decode; ErrNoTenant or
// ErrInvalidTenant when the context has no valid tenant.
//
// Expiry is not looked at: an expired entity decodes, since a change feed
// reports what was stored.
func (r *Repository[T]) DecodeItem(ctx context.Context, item backend.Item) (v T, ok bool, err error) {
	op := r.op("decode", "")
	t, err := tenantOf(ctx).of(op)
	if err != nil {
		return v, false, err
	}
	pk, _ := item[entity.PartitionKeyName].(*types.AttributeValueMemberS)
	sk, _ := item[entity.SortKeyName].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil || pk.Value != t.PartitionKey() {
		return v, false, nil
	}
	prefix, id, valid := entity.ParseSortKey(sk.Value)
	if !valid || prefix != r.prefix {
		return v, false, nil
	}
	v, err = r.decode(r.op("decode", id), item)
	if err != nil {
		var zero T
		return zero, true, err
	}
	return v, true, nil
}
