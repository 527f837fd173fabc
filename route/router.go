package route

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
)

// Options tune a Router.
type Options struct {
	// PauseWait is how long a write that meets a move's fence waits for
	// the move to switch before it fails with ErrMoving. Zero means
	// DefaultPauseWait.
	PauseWait time.Duration
	// PollInterval is how often a waiting write reads the catalog again.
	// Zero means DefaultPollInterval.
	PollInterval time.Duration
}

// Defaults of Options.
const (
	DefaultPauseWait    = 2 * time.Second
	DefaultPollInterval = 50 * time.Millisecond
)

// Router is a backend.Backend over several tables: it sends each request
// to the table of its tenant, as the Catalog places it, through Tables. It
// is safe for concurrent use. Make one with New.
type Router struct {
	backend.Registry // implements RegisterPrefix

	cat    *Catalog
	tables Tables
	opts   Options
}

var (
	_ backend.Backend       = (*Router)(nil)
	_ backend.IndexCounter  = (*Router)(nil)
	_ backend.IndexReporter = (*Router)(nil)
	_ backend.Lender        = (*Router)(nil)
)

// New returns a Router that places tenants by cat and reaches their tables
// through tables. The error, for a nil catalog or tables, wraps
// backend.ErrInvalidArgument.
func New(cat *Catalog, tables Tables, optFns ...func(*Options)) (*Router, error) {
	if cat == nil || isnil.Is(tables) {
		return nil, fmt.Errorf("route: new: %w: nil catalog or tables", backend.ErrInvalidArgument)
	}
	r := &Router{cat: cat, tables: tables}
	for _, fn := range optFns {
		if fn == nil {
			return nil, fmt.Errorf("route: new: %w: nil option", backend.ErrInvalidArgument)
		}
		fn(&r.opts)
	}
	if r.opts.PauseWait <= 0 {
		r.opts.PauseWait = DefaultPauseWait
	}
	if r.opts.PollInterval <= 0 {
		r.opts.PollInterval = DefaultPollInterval
	}
	return r, nil
}

// Catalog returns the router's catalog.
func (r *Router) Catalog() *Catalog { return r.cat }

// Tables returns the router's tables.
func (r *Router) Tables() Tables { return r.tables }

// Indexes returns how many index slots the pool table has (see
// backend.IndexCounter); silo tables are made with the same.
func (r *Router) Indexes() int {
	if c, ok := r.tables.Pool().(backend.IndexCounter); ok {
		return c.Indexes()
	}
	return backend.MaxIndexes
}

// KnownIndexes returns the pool's answer (see backend.IndexReporter), all
// slots unchecked when the pool does not report.
func (r *Router) KnownIndexes() (backend.IndexSet, bool) {
	if ir, ok := r.tables.Pool().(backend.IndexReporter); ok {
		return ir.KnownIndexes()
	}
	return backend.FirstIndexes(r.Indexes()), false
}

// TableIndexes returns the pool's answer (see backend.IndexReporter).
func (r *Router) TableIndexes(ctx context.Context) (backend.IndexSet, error) {
	if ir, ok := r.tables.Pool().(backend.IndexReporter); ok {
		return ir.TableIndexes(ctx)
	}
	return backend.FirstIndexes(r.Indexes()), nil
}

// tenantOfPK returns the tenant of a table partition key, or an error
// wrapping ErrCrossTenant.
func tenantOfPK(pk string) (string, error) {
	id, ok := entity.ParsePartitionKey(pk)
	if !ok {
		return "", fmt.Errorf("%w: partition key %q is not a tenant's", ErrCrossTenant, pk)
	}
	return id, nil
}

// tenantOfIndexPK returns the tenant of an index partition key
// (entity.ParseIndexPartitionKey), or an error wrapping ErrCrossTenant.
func tenantOfIndexPK(v string) (string, error) {
	if id, ok := entity.ParseIndexPartitionKey(v); ok {
		return id, nil
	}
	return "", fmt.Errorf("%w: index partition key %q is not a tenant's", ErrCrossTenant, v)
}

// oneTenant returns the tenant of every key, or an error wrapping
// ErrCrossTenant when they are of two tenants or of none.
type oneTenant struct {
	tenant string
	err    error
}

func (o *oneTenant) add(pk string) {
	if o.err != nil {
		return
	}
	id, err := tenantOfPK(pk)
	switch {
	case err != nil:
		o.err = err
	case o.tenant == "":
		o.tenant = id
	case o.tenant != id:
		o.err = fmt.Errorf("%w: tenants %q and %q in one request", ErrCrossTenant, o.tenant, id)
	}
}

// checkWriteKey refuses a write of a fence item.
func checkWriteKey(k backend.Key) error {
	if strings.HasPrefix(k.SK, fenceSKPrefix) {
		return fmt.Errorf("%w: sort key %q is a move's fence item", ErrCrossTenant, k.SK)
	}
	return nil
}

// placed returns the placement of the tenant and its table's backend.
func (r *Router) placed(ctx context.Context, tenant string, fresh bool) (Placement, backend.Backend, error) {
	var p Placement
	var err error
	if fresh {
		p, err = r.cat.LookupFresh(ctx, tenant)
	} else {
		p, err = r.cat.Lookup(ctx, tenant)
	}
	if err != nil {
		return Placement{}, nil, err
	}
	b, err := r.tables.Open(ctx, p.Table)
	if err != nil {
		return Placement{}, nil, err
	}
	return p, b, nil
}

// table returns the backend of the tenant's table.
func (r *Router) table(ctx context.Context, tenant string) (backend.Backend, error) {
	_, b, err := r.placed(ctx, tenant, false)
	return b, err
}

// Get reads the item from its tenant's table.
func (r *Router) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	tenant, err := tenantOfPK(in.Key.PK)
	if err != nil {
		return nil, err
	}
	b, err := r.table(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return b.Get(ctx, in)
}

// GetShared is Get, lending the table's own item when its backend is a
// backend.Lender.
func (r *Router) GetShared(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	tenant, err := tenantOfPK(in.Key.PK)
	if err != nil {
		return nil, err
	}
	b, err := r.table(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if l, ok := b.(backend.Lender); ok {
		return l.GetShared(ctx, in)
	}
	return b.Get(ctx, in)
}

// queryTable returns the backend a query goes to: that of the tenant of
// its partition key, of the table or of the index; and the tenant's
// partition key.
func (r *Router) queryTable(ctx context.Context, in backend.QueryInput) (backend.Backend, string, error) {
	var tenant string
	var err error
	if in.Index == "" {
		tenant, err = tenantOfPK(in.PK)
	} else {
		tenant, err = tenantOfIndexPK(in.PK)
	}
	if err != nil {
		return nil, "", err
	}
	b, err := r.table(ctx, tenant)
	return b, entity.PartitionKey(tenant), err
}

// onlyTenant drops from an index query's page the items of partitions
// other than pk: in a table several tenants share, any of them can store
// an item whose index key is another tenant's index partition key. The
// page's LastKey is kept, as a filter keeps it.
func onlyTenant(out backend.QueryOutput, pk string) backend.QueryOutput {
	for i, it := range out.Items {
		if ownedBy(it, pk) {
			continue
		}
		kept := append(make([]backend.Item, 0, len(out.Items)-1), out.Items[:i]...)
		for _, it := range out.Items[i+1:] {
			if ownedBy(it, pk) {
				kept = append(kept, it)
			}
		}
		out.Items = kept
		break
	}
	return out
}

// withoutFences drops from a table query's page the fence items of a
// move (IsFenceKey): they are the router's, not the tenant's, as its
// writes refuse them, so a read of the whole partition (ops.Export,
// Stats, Purge, Copy through the router during a move's pause) neither
// returns, counts nor tries to delete them. The page's LastKey is kept,
// as a filter keeps it.
func withoutFences(out backend.QueryOutput) backend.QueryOutput {
	for i, it := range out.Items {
		if !isFenceItem(it) {
			continue
		}
		kept := append(make([]backend.Item, 0, len(out.Items)-1), out.Items[:i]...)
		for _, it := range out.Items[i+1:] {
			if !isFenceItem(it) {
				kept = append(kept, it)
			}
		}
		out.Items = kept
		break
	}
	return out
}

// isFenceItem reports whether item has the key of a fence item.
func isFenceItem(item backend.Item) bool {
	k, ok := backend.KeyOf(item)
	return ok && IsFenceKey(k)
}

// ownedBy reports whether item is in the partition pk.
func ownedBy(item backend.Item, pk string) bool {
	v, ok := item[entity.PartitionKeyName].(*types.AttributeValueMemberS)
	return ok && v.Value == pk
}

// Query reads one page from the table of the tenant whose partition (of
// the table, or of the index) it reads. An index query returns only the
// items of that tenant's partition, whatever other tenants of its table
// stored under the same index key. A table query never returns a move's
// fence items (FenceKey), which the router's writes refuse too.
func (r *Router) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	b, pk, err := r.queryTable(ctx, in)
	if err != nil {
		return backend.QueryOutput{}, err
	}
	out, err := b.Query(ctx, in)
	if err != nil {
		return out, err
	}
	if in.Index == "" {
		return withoutFences(out), nil
	}
	return onlyTenant(out, pk), nil
}

// QueryShared is Query, lending the table's own items when its backend is
// a backend.Lender.
func (r *Router) QueryShared(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	b, pk, err := r.queryTable(ctx, in)
	if err != nil {
		return backend.QueryOutput{}, err
	}
	var out backend.QueryOutput
	if l, ok := b.(backend.Lender); ok {
		out, err = l.QueryShared(ctx, in)
	} else {
		out, err = b.Query(ctx, in)
	}
	if err != nil {
		return out, err
	}
	if in.Index == "" {
		return withoutFences(out), nil
	}
	return onlyTenant(out, pk), nil
}

// BatchGet reads the keys, all of one tenant, from its table. Keys of two
// tenants, or not of a tenant, return an error wrapping ErrCrossTenant.
func (r *Router) BatchGet(ctx context.Context, in backend.BatchGetInput) (backend.BatchGetOutput, error) {
	if len(in.Keys) == 0 {
		return r.tables.Pool().BatchGet(ctx, in) // the pool refuses it as any table would
	}
	var o oneTenant
	for _, k := range in.Keys {
		o.add(k.PK)
	}
	if o.err != nil {
		return backend.BatchGetOutput{}, o.err
	}
	b, err := r.table(ctx, o.tenant)
	if err != nil {
		return backend.BatchGetOutput{}, err
	}
	return b.BatchGet(ctx, in)
}
