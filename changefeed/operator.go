package changefeed

import (
	"context"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// RawEvent is one change of the feed as an operator reads it: the item's
// images as stored, of any tenant and type.
type RawEvent struct {
	// Tenant is the ID of the tenant whose partition the item is in, ""
	// for an item outside every tenant's partition (such as the tenant
	// catalog's).
	Tenant string
	backend.Change
}

// OperatorReader reads every tenant's changes, raw, for the operator of a
// table: the online move of a tenant catches up from it. It is not safe for
// concurrent use.
type OperatorReader struct {
	*reader
	tenant string // Options.Tenant
	pk     string // its partition key
}

// NewOperatorReader returns a reader of feed's changes for the operator,
// starting at Options.From; with Options.Tenant set, of that tenant's
// partition only. ctx must be marked by tenantctx.AsOperator (else an
// error wrapping tenantctx.ErrNoOperator or ErrInvalidOperator), and so
// must the context of every Poll.
func NewOperatorReader(ctx context.Context, feed backend.ChangeFeed, optFns ...func(*Options)) (*OperatorReader, error) {
	if _, err := tenantctx.Operator(ctx); err != nil {
		return nil, fmt.Errorf("changefeed: operator reader: %w", err)
	}
	if isnil.Is(feed) {
		return nil, fmt.Errorf("changefeed: operator reader: %w: nil feed", backend.ErrInvalidArgument)
	}
	o, err := options(optFns)
	if err != nil {
		return nil, fmt.Errorf("changefeed: operator reader: %w", err)
	}
	r := &OperatorReader{tenant: o.Tenant}
	if o.Tenant != "" {
		t, err := entity.NewTenant(o.Tenant)
		if err != nil {
			return nil, fmt.Errorf("changefeed: operator reader: %w", err)
		}
		r.pk = t.PartitionKey()
	}
	rd, err := newReader(feed, "operator\x00"+o.Tenant, o)
	if err != nil {
		return nil, err
	}
	r.reader = rd
	return r, nil
}

// Checkpoint returns where the reader stands, after every event Poll
// returned. A reader made with it as Options.From, with the same tenant
// filter and key, goes on with the next change.
func (r *OperatorReader) Checkpoint() (string, error) { return r.checkpoint() }

// Poll reads the next changes of the feed, up to Options.Limit, and returns
// those the reader keeps, in order per item. Malformed changes are skipped
// and reported to Options.OnSkip. A nil ctx is refused with an error
// wrapping backend.ErrInvalidArgument, one without the operator's mark
// with ErrScope.
func (r *OperatorReader) Poll(ctx context.Context) ([]RawEvent, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if _, err := tenantctx.Operator(ctx); err != nil {
		return nil, fmt.Errorf("changefeed: poll: %w: %w", ErrScope, err)
	}
	if err := r.read(ctx); err != nil {
		return nil, err
	}
	var out []RawEvent
	for _, c := range r.batch {
		if c.Key.PK == "" || c.Key.SK == "" {
			r.skip(c, "keys are not two strings")
			continue
		}
		if r.pk != "" && c.Key.PK != r.pk {
			continue
		}
		id, _ := entity.ParsePartitionKey(c.Key.PK)
		out = append(out, RawEvent{Tenant: id, Change: c})
	}
	r.consumed = len(r.batch)
	return out, nil
}
