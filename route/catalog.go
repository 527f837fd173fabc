package route

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
)

// CatalogPartition is the partition key of the catalog's items in the pool
// table. Every tenant partition key starts with "tenant#", so no tenant's
// request can name it, and the Router refuses it.
const CatalogPartition = "catalog"

// Attribute names of a catalog item.
const (
	attrTenant  = "tenant"
	attrTable   = "table"
	attrVersion = "version"
	attrMove    = "move"
)

// Placement says where one tenant's items live.
type Placement struct {
	Tenant string
	// Table is the name of the tenant's table; "" is the pool table.
	Table string
	// Move is the tenant's move in progress, nil when none is.
	Move *Move
	// Version counts the catalog's writes of the tenant's placement; 0
	// means the tenant is not in the catalog and lives where
	// CatalogOptions.Default says.
	Version int64
}

// Phase is a step of a move, in the order a move takes them.
type Phase string

// The phases of a move, in order.
const (
	PhasePrepare  Phase = "prepare"
	PhaseCopy     Phase = "copy"
	PhaseCatchup  Phase = "catchup"
	PhasePause    Phase = "pause"
	PhaseSwitched Phase = "switched"
	PhasePurge    Phase = "purge"
)

// phaseOrder ranks the phases; unknown phases rank 0.
var phaseOrder = map[Phase]int{
	PhasePrepare: 1, PhaseCopy: 2, PhaseCatchup: 3, PhasePause: 4, PhaseSwitched: 5, PhasePurge: 6,
}

// Before reports whether p comes before q in a move. An unknown phase
// comes before every known one.
func (p Phase) Before(q Phase) bool { return phaseOrder[p] < phaseOrder[q] }

// Valid reports whether p is one of the phases.
func (p Phase) Valid() bool { return phaseOrder[p] != 0 }

// Move is a tenant's move from one table to another, as the catalog
// records it.
type Move struct {
	ID string
	// From and To are table names; "" is the pool table.
	From, To string
	Phase    Phase
	// Checkpoint is the change-feed checkpoint of the source table the
	// move resumes its catch-up from.
	Checkpoint string
	Started    time.Time
	Updated    time.Time
}

// Fenced reports whether the router fences the writes of a tenant with
// this move: while the move is before PhaseSwitched. A nil move fences
// nothing.
func (m *Move) Fenced() bool { return m != nil && m.Phase.Before(PhaseSwitched) }

// CatalogOptions tune a Catalog.
type CatalogOptions struct {
	// MaxStale bounds how old a placement Lookup returns may be: Lookup
	// reads the catalog again once its cached answer is older. Zero means
	// DefaultMaxStale; a value below zero means no cache (every Lookup
	// reads).
	MaxStale time.Duration
	// Clock tells the time of the cache; nil means time.Now.
	Clock func() time.Time
	// Default names the table of a tenant that is not in the catalog; nil
	// (or "") means the pool table.
	Default func(tenant string) string
	// MaxCached bounds how many tenants' placements the cache holds. When
	// it is full, placements older than MaxStale are dropped, and if none
	// is, arbitrary ones: memory stays bounded with millions of tenants.
	// Zero means DefaultMaxCached.
	MaxCached int
	// WriteTimeout bounds each write a Router sends: the Router gives it
	// up (its context's deadline) this long after the start of the catalog
	// lookup that chose its table. A mover (package move) waits MaxStale
	// plus WriteTimeout after recording a move before it fences the
	// source, and after the switch before it deletes the fence items. So a
	// write a router sent before it saw a change of placement is done, or
	// was given up, before the move relies on it: without the bound, one
	// held in flight (retries, a stalled connection) could land in the
	// source after the move and be lost. Zero means DefaultWriteTimeout; a
	// value below zero means no bound, and that risk. Every catalog of the
	// routers and movers of a pool should have the same MaxStale and
	// WriteTimeout.
	WriteTimeout time.Duration
}

// DefaultWriteTimeout is the WriteTimeout of a Catalog whose options leave
// it zero: longer than a DynamoDB write takes with the SDK's default
// retries.
const DefaultWriteTimeout = 10 * time.Second

// DefaultMaxCached is the MaxCached of a Catalog whose options leave it
// zero.
const DefaultMaxCached = 100_000

// DefaultMaxStale is the MaxStale of a Catalog whose options leave it zero.
const DefaultMaxStale = 2 * time.Second

// Catalog records the placement of each tenant, in the pool table's
// partition CatalogPartition, one item per tenant (sort key: the tenant
// ID), and keeps the placements it has read in a cache for at most
// MaxStale. The placements its methods return are the caller's to change:
// they share no Move with the cache. It is safe for concurrent use. Make one with NewCatalog.
type Catalog struct {
	pool backend.Backend
	opts CatalogOptions

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	p  Placement
	at time.Time
}

// NewCatalog returns a Catalog kept in pool. It makes no request. The error,
// for a nil pool, wraps backend.ErrInvalidArgument.
func NewCatalog(pool backend.Backend, optFns ...func(*CatalogOptions)) (*Catalog, error) {
	if isnil.Is(pool) {
		return nil, fmt.Errorf("route: new catalog: %w: nil pool backend", backend.ErrInvalidArgument)
	}
	c := &Catalog{pool: pool, cache: make(map[string]cached)}
	for _, fn := range optFns {
		if fn == nil {
			return nil, fmt.Errorf("route: new catalog: %w: nil option", backend.ErrInvalidArgument)
		}
		fn(&c.opts)
	}
	if c.opts.MaxStale == 0 {
		c.opts.MaxStale = DefaultMaxStale
	}
	if c.opts.WriteTimeout == 0 {
		c.opts.WriteTimeout = DefaultWriteTimeout
	}
	if c.opts.Clock == nil {
		c.opts.Clock = time.Now
	}
	return c, nil
}

// MaxStale returns how old a placement Lookup returns may be (zero when
// the catalog keeps no cache). A mover waits longer than that after a
// change of placement before it relies on every router seeing it.
func (c *Catalog) MaxStale() time.Duration { return max(c.opts.MaxStale, 0) }

// WriteTimeout returns how long a Router's write may take from the lookup
// that chose its table (zero when unbounded; see
// CatalogOptions.WriteTimeout).
func (c *Catalog) WriteTimeout() time.Duration { return max(c.opts.WriteTimeout, 0) }

// Pool returns the backend the catalog is kept in.
func (c *Catalog) Pool() backend.Backend { return c.pool }

// Lookup returns the tenant's placement as the catalog held it at most
// MaxStale ago. A tenant not in the catalog has Version 0 and the table
// CatalogOptions.Default names. The error wraps entity.ErrInvalidTenant
// for an invalid tenant ID, or is the pool's error.
func (c *Catalog) Lookup(ctx context.Context, tenant string) (Placement, error) {
	if err := entity.ValidateTenantID(tenant); err != nil {
		return Placement{}, fmt.Errorf("route: %w", err)
	}
	if c.opts.MaxStale > 0 {
		c.mu.Lock()
		e, ok := c.cache[tenant]
		c.mu.Unlock()
		if ok && c.opts.Clock().Sub(e.at) <= c.opts.MaxStale {
			return e.p.clone(), nil
		}
	}
	return c.LookupFresh(ctx, tenant)
}

// LookupFresh reads the tenant's placement from the catalog with a
// strongly consistent read, keeps it in the cache, and returns it. The read
// is not charged to a backend.Meter of ctx: it is the router's own request,
// not the tenant's operation (backend.WithoutMeter).
func (c *Catalog) LookupFresh(ctx context.Context, tenant string) (Placement, error) {
	if err := entity.ValidateTenantID(tenant); err != nil {
		return Placement{}, fmt.Errorf("route: %w", err)
	}
	at := c.opts.Clock()
	item, err := c.pool.Get(backend.WithoutMeter(ctx), backend.GetInput{Key: catalogKey(tenant), ConsistentRead: true})
	var p Placement
	switch {
	case errors.Is(err, backend.ErrNotFound):
		p = c.defaultPlacement(tenant)
	case err != nil:
		return Placement{}, err
	default:
		if p, err = decodePlacement(item); err != nil {
			return Placement{}, err
		}
		if p.Tenant != tenant {
			return Placement{}, fmt.Errorf("route: the catalog item of tenant %q is another tenant's", tenant)
		}
	}
	c.remember(p, at)
	return p.clone(), nil
}

// clone returns p with a copy of its Move: the placements the catalog
// returns share nothing with its cache, so a caller that changes the Move
// it got (to write the next one) changes neither later answers nor the
// router's routing.
func (p Placement) clone() Placement {
	if p.Move != nil {
		m := *p.Move
		p.Move = &m
	}
	return p
}

// defaultPlacement is the placement of a tenant not in the catalog.
func (c *Catalog) defaultPlacement(tenant string) Placement {
	p := Placement{Tenant: tenant}
	if c.opts.Default != nil {
		p.Table = c.opts.Default(tenant)
	}
	return p
}

// remember caches p as read at at, unless the cache holds a newer version
// of it read later.
func (c *Catalog) remember(p Placement, at time.Time) {
	if c.opts.MaxStale <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[p.Tenant]
	if ok && e.at.After(at) && e.p.Version >= p.Version {
		return
	}
	if !ok && len(c.cache) >= c.maxCached() {
		c.shrink(at)
	}
	c.cache[p.Tenant] = cached{p: p.clone(), at: at}
}

// maxCached is MaxCached, or DefaultMaxCached when it is not above zero.
func (c *Catalog) maxCached() int {
	if c.opts.MaxCached > 0 {
		return c.opts.MaxCached
	}
	return DefaultMaxCached
}

// shrink makes room in the full cache: it drops the placements older than
// MaxStale, and when that frees less than a tenth of it, arbitrary ones
// (Go's map order) down to nine tenths. The caller holds c.mu.
func (c *Catalog) shrink(now time.Time) {
	for t, e := range c.cache {
		if now.Sub(e.at) > c.opts.MaxStale {
			delete(c.cache, t)
		}
	}
	limit := c.maxCached() - c.maxCached()/10 - 1
	for t := range c.cache {
		if len(c.cache) <= limit {
			break
		}
		delete(c.cache, t)
	}
}

// Put writes p as the tenant's placement if the catalog holds p.Version
// (0: the tenant is not in the catalog), and returns it with its new
// Version, p.Version+1. The error wraps ErrStalePlacement when the catalog
// holds another version, entity.ErrInvalidTenant for an invalid tenant ID,
// and backend.ErrInvalidArgument for a negative version, a move with an
// unknown phase, or a table (of the placement or of its move) that is
// neither "" nor a valid table name (ValidTableName).
func (c *Catalog) Put(ctx context.Context, p Placement) (Placement, error) {
	if err := entity.ValidateTenantID(p.Tenant); err != nil {
		return Placement{}, fmt.Errorf("route: put placement: %w", err)
	}
	if p.Version < 0 {
		return Placement{}, fmt.Errorf("route: put placement: %w: version %d", backend.ErrInvalidArgument, p.Version)
	}
	if p.Move != nil && !p.Move.Phase.Valid() {
		return Placement{}, fmt.Errorf("route: put placement: %w: move phase %q", backend.ErrInvalidArgument, p.Move.Phase)
	}
	tables := []string{p.Table}
	if p.Move != nil {
		tables = append(tables, p.Move.From, p.Move.To)
	}
	for _, t := range tables {
		if t != "" && !ValidTableName(t) {
			return Placement{}, fmt.Errorf("route: put placement: %w: table name %q is not 3 to 255 characters of [a-zA-Z0-9_.-]", backend.ErrInvalidArgument, t)
		}
	}
	next := p
	next.Version = p.Version + 1
	if p.Move != nil {
		m := *p.Move
		next.Move = &m
	}
	item, err := encodePlacement(next)
	if err != nil {
		return Placement{}, err
	}
	var cond expression.ConditionBuilder
	if p.Version == 0 {
		cond = expression.AttributeNotExists(expression.Name(entity.PartitionKeyName))
	} else {
		cond = expression.Name(attrVersion).Equal(expression.Value(p.Version))
	}
	ex, err := buildExpr(expression.NewBuilder().WithCondition(cond))
	if err != nil {
		return Placement{}, err
	}
	at := c.opts.Clock()
	err = c.pool.Put(ctx, backend.PutInput{Item: item, Expr: ex})
	var cf *backend.ConditionFailedError
	if errors.As(err, &cf) {
		cur := c.defaultPlacement(p.Tenant)
		if cf.Item != nil {
			if d, derr := decodePlacement(cf.Item); derr == nil {
				cur = d
			}
		}
		c.remember(cur, at)
		return Placement{}, fmt.Errorf("%w: tenant %q is at version %d, not %d", ErrStalePlacement, p.Tenant, cur.Version, p.Version)
	}
	if err != nil {
		return Placement{}, err
	}
	c.remember(next, at)
	return next.clone(), nil
}

// List returns up to limit placements of the catalog, in the order of
// their sort keys (tenant IDs, but for IDs longer than a sort key),
// after cursor ("" for the first page), and the cursor of the next page,
// "" after the last. A limit below 1 means 100. The error wraps
// backend.ErrInvalidArgument for a cursor List did not make.
func (c *Catalog) List(ctx context.Context, cursor string, limit int) ([]Placement, string, error) {
	if limit < 1 {
		limit = 100
	}
	in := backend.QueryInput{
		PK:             CatalogPartition,
		Range:          backend.SortRange{Op: backend.BeginsWith},
		Limit:          limit,
		ConsistentRead: true,
	}
	if cursor != "" {
		k := backend.Key{PK: CatalogPartition, SK: cursor}
		if err := k.Check(); err != nil {
			return nil, "", fmt.Errorf("route: list placements: cursor: %w", err)
		}
		in.StartKey = &k
	}
	out, err := c.pool.Query(ctx, in)
	if err != nil {
		return nil, "", err
	}
	ps := make([]Placement, 0, len(out.Items))
	for _, it := range out.Items {
		p, err := decodePlacement(it)
		if err != nil {
			return nil, "", err
		}
		ps = append(ps, p)
	}
	next := ""
	if out.LastKey != nil {
		next = out.LastKey.SK
	}
	return ps, next, nil
}

// catalogKey is the key of a tenant's catalog item: the sort key is the
// tenant ID when it fits a sort key (entity.MaxSortKeyBytes); a longer ID
// is cut (at a character's start) to leave room for '#' and the SHA-256 of
// the whole ID in hex. Tenant IDs have no '#', so the two forms never
// meet, and the item holds the whole ID (attribute "tenant"), which a read
// checks.
func catalogKey(tenant string) backend.Key {
	if len(tenant) <= entity.MaxSortKeyBytes {
		return backend.Key{PK: CatalogPartition, SK: tenant}
	}
	cut := entity.MaxSortKeyBytes - 1 - 2*sha256.Size
	for cut > 0 && !utf8.RuneStart(tenant[cut]) {
		cut--
	}
	sum := sha256.Sum256([]byte(tenant))
	return backend.Key{PK: CatalogPartition, SK: tenant[:cut] + entity.Separator + hex.EncodeToString(sum[:])}
}

// encodePlacement returns p's catalog item.
func encodePlacement(p Placement) (backend.Item, error) {
	item := backend.Item{
		entity.PartitionKeyName: &types.AttributeValueMemberS{Value: CatalogPartition},
		entity.SortKeyName:      &types.AttributeValueMemberS{Value: catalogKey(p.Tenant).SK},
		attrTenant:              &types.AttributeValueMemberS{Value: p.Tenant},
		attrVersion:             &types.AttributeValueMemberN{Value: strconv.FormatInt(p.Version, 10)},
	}
	if p.Table != "" {
		item[attrTable] = &types.AttributeValueMemberS{Value: p.Table}
	}
	if p.Move != nil {
		b, err := json.Marshal(p.Move)
		if err != nil {
			return nil, fmt.Errorf("route: encode move: %w", err)
		}
		item[attrMove] = &types.AttributeValueMemberS{Value: string(b)}
	}
	return item, nil
}

// decodePlacement reads a catalog item.
func decodePlacement(item backend.Item) (Placement, error) {
	var p Placement
	bad := func(what string) (Placement, error) {
		return Placement{}, fmt.Errorf("route: catalog item of tenant %q: %s", p.Tenant, what)
	}
	id, ok := item[attrTenant].(*types.AttributeValueMemberS)
	if !ok {
		return bad("no tenant ID")
	}
	p.Tenant = id.Value
	if sk, ok := item[entity.SortKeyName].(*types.AttributeValueMemberS); !ok || sk.Value != catalogKey(p.Tenant).SK {
		return bad("sort key is not the tenant's")
	}
	switch v := item[attrTable].(type) {
	case nil:
	case *types.AttributeValueMemberS:
		p.Table = v.Value
	default:
		return bad("table is not a string")
	}
	n, ok := item[attrVersion].(*types.AttributeValueMemberN)
	if !ok {
		return bad("no version number")
	}
	var err error
	if p.Version, err = strconv.ParseInt(n.Value, 10, 64); err != nil {
		return bad("version " + n.Value)
	}
	switch v := item[attrMove].(type) {
	case nil:
	case *types.AttributeValueMemberS:
		var m Move
		if err := json.Unmarshal([]byte(v.Value), &m); err != nil {
			return bad("move: " + err.Error())
		}
		p.Move = &m
	default:
		return bad("move is not a string")
	}
	return p, nil
}

// buildExpr builds b into backend.Expressions.
func buildExpr(b expression.Builder) (backend.Expressions, error) {
	e, err := b.Build()
	if err != nil {
		return backend.Expressions{}, fmt.Errorf("route: build expression: %w", err)
	}
	ex := backend.Expressions{Names: e.Names(), Values: e.Values()}
	if c := e.Condition(); c != nil {
		ex.Condition = *c
	}
	if u := e.Update(); u != nil {
		ex.Update = *u
	}
	return ex, nil
}
