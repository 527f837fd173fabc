package route

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
)

// Tables opens and creates the tables tenants live in: the pool table and
// silo tables, each a backend.Backend. Implementations are safe for
// concurrent use.
type Tables interface {
	// Pool returns the pool table's backend, which holds the catalog.
	Pool() backend.Backend
	// Open returns the backend of the named table; "" is the pool. The
	// error wraps ErrNoTable when the table does not exist.
	Open(ctx context.Context, table string) (backend.Backend, error)
	// Create makes sure the named table exists with the pool's key schema,
	// index slots, time to live and change-feed setting, and the tags the
	// Tables were given, creating it when missing (it is idempotent), and
	// returns its backend. "" is the pool, which it does not change. The
	// error wraps backend.ErrInvalidArgument for a name that is not a
	// valid DynamoDB table name.
	Create(ctx context.Context, table string) (backend.Backend, error)
	// Name returns the silo table name of the tenant, from the table name
	// template: a valid DynamoDB table name, and another one for every
	// other tenant, even ignoring case (the template's own letters aside,
	// the name has no upper-case letter: "Acme" gives ".41cme"). The
	// error wraps ErrInvalidTemplate for a template that cannot make
	// valid names or (DynamoDBTables) makes the pool table's name for
	// this tenant, entity.ErrInvalidTenant for an invalid tenant ID.
	Name(tenant string) (string, error)
}

// TablesOptions tune MemoryTables and DynamoDBTables.
type TablesOptions struct {
	// Tags are the tags of the silo tables Create makes (DynamoDB's
	// CreateTable tags). They are not given to tables that exist already.
	Tags map[string]string
}

// namer is the Name of both Tables.
type namer struct {
	tmpl string
}

// Name implements Tables.Name.
func (n namer) Name(tenant string) (string, error) {
	t, err := parseTemplate(n.tmpl)
	if err != nil {
		return "", err
	}
	return t.name(tenant)
}

func checkTableName(table string) error {
	if !ValidTableName(table) {
		return fmt.Errorf("route: %w: table name %q is not 3 to 255 characters of [a-zA-Z0-9_.-]", backend.ErrInvalidArgument, table)
	}
	return nil
}

// MemoryTables are memory Stores standing for a pool table and silo
// tables, for tests and examples. Make them with NewMemoryTables.
type MemoryTables struct {
	namer
	pool *memory.Store
	opts TablesOptions

	mu     sync.Mutex
	tables map[string]*memory.Store
}

var _ Tables = (*MemoryTables)(nil)

// NewMemoryTables returns Tables whose pool is pool and whose silo tables
// are memory Stores with pool's options (index slots, change feed), named
// by template (see Tables.Name; a bad template makes Name fail).
func NewMemoryTables(pool *memory.Store, template string, optFns ...func(*TablesOptions)) *MemoryTables {
	t := &MemoryTables{namer: namer{template}, pool: pool, tables: make(map[string]*memory.Store)}
	for _, fn := range optFns {
		if fn != nil { // no error to return: a nil option sets nothing
			fn(&t.opts)
		}
	}
	return t
}

// Pool returns the pool Store.
func (t *MemoryTables) Pool() backend.Backend { return t.pool }

// Open returns the Store of the table, or an error wrapping ErrNoTable.
func (t *MemoryTables) Open(ctx context.Context, table string) (backend.Backend, error) {
	if table == "" {
		return t.pool, nil
	}
	if s := t.Store(table); s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrNoTable, table)
}

// Store returns the Store of the table, nil when it was not created.
func (t *MemoryTables) Store(table string) *memory.Store {
	if table == "" {
		return t.pool
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tables[table]
}

// Create returns the Store of the table, made empty with the pool's options
// on first use.
func (t *MemoryTables) Create(ctx context.Context, table string) (backend.Backend, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if table == "" {
		return t.pool, nil
	}
	if err := checkTableName(table); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.tables[table]; ok {
		return s, nil
	}
	opts := t.pool.Options()
	s := memory.New(func(o *memory.Options) { *o = opts })
	t.tables[table] = s
	return s, nil
}

// DynamoDBTables are DynamoDB tables: a pool table and silo tables made
// like it. Make them with NewDynamoDBTables.
type DynamoDBTables struct {
	namer
	client dynamodbbackend.API
	pool   *dynamodbbackend.Backend
	opts   TablesOptions

	mu     sync.Mutex
	tables map[string]*dynamodbbackend.Backend
}

var _ Tables = (*DynamoDBTables)(nil)

// NewDynamoDBTables returns Tables whose pool is pool and whose silo
// tables are reached through client, with pool's options (index slots,
// time to live, change feed, throughput) and the tags of TablesOptions,
// named by template (see Tables.Name; a bad template makes Name fail).
// The error, for a nil client or pool, wraps backend.ErrInvalidArgument.
func NewDynamoDBTables(client dynamodbbackend.API, pool *dynamodbbackend.Backend, template string, optFns ...func(*TablesOptions)) (*DynamoDBTables, error) {
	if isnil.Is(client) || pool == nil {
		return nil, fmt.Errorf("route: new DynamoDB tables: %w: nil client or pool", backend.ErrInvalidArgument)
	}
	t := &DynamoDBTables{namer: namer{template}, client: client, pool: pool, tables: make(map[string]*dynamodbbackend.Backend)}
	for _, fn := range optFns {
		if fn == nil {
			return nil, fmt.Errorf("route: new DynamoDB tables: %w: nil option", backend.ErrInvalidArgument)
		}
		fn(&t.opts)
	}
	return t, nil
}

// Pool returns the pool table's backend.
func (t *DynamoDBTables) Pool() backend.Backend { return t.pool }

// Name implements Tables.Name. A name that is the pool table's, even
// ignoring case, is an error wrapping ErrInvalidTemplate: the template
// makes the pool's name for one tenant ID, which could not have a silo.
func (t *DynamoDBTables) Name(tenant string) (string, error) {
	n, err := t.namer.Name(tenant)
	if err == nil && strings.EqualFold(n, t.pool.Table()) {
		return "", fmt.Errorf("%w %q: it makes the pool table's name %q for tenant %q", ErrInvalidTemplate, t.tmpl, t.pool.Table(), tenant)
	}
	return n, err
}

// backendOf returns the backend of the table, made on first use.
func (t *DynamoDBTables) backendOf(table string) (*dynamodbbackend.Backend, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b, ok := t.tables[table]; ok {
		return b, nil
	}
	opts := t.pool.Options()
	opts.Tags = maps.Clone(t.opts.Tags)
	b, err := dynamodbbackend.New(t.client, table, func(o *dynamodbbackend.Options) { *o = opts })
	if err != nil {
		return nil, err
	}
	t.tables[table] = b
	return b, nil
}

// Open returns the backend of the table after checking that it exists
// (DescribeTable, once per table), or an error wrapping ErrNoTable. The
// pool table is "" or its own name.
func (t *DynamoDBTables) Open(ctx context.Context, table string) (backend.Backend, error) {
	if table == "" || table == t.pool.Table() {
		return t.pool, nil
	}
	if err := checkTableName(table); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoTable, err)
	}
	t.mu.Lock()
	b, ok := t.tables[table]
	t.mu.Unlock()
	if ok {
		return b, nil
	}
	_, err := t.client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(table)})
	var nf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		return nil, fmt.Errorf("%w: %q", ErrNoTable, table)
	case err != nil:
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("route: open table %s: %w", table, err)
	}
	return t.backendOf(table)
}

// Create makes sure the table exists like the pool (EnsureTable with the
// pool's options and the Tables' tags) and returns its backend.
func (t *DynamoDBTables) Create(ctx context.Context, table string) (backend.Backend, error) {
	if table == "" || table == t.pool.Table() {
		return t.pool, nil
	}
	if err := checkTableName(table); err != nil {
		return nil, err
	}
	b, err := t.backendOf(table)
	if err != nil {
		return nil, err
	}
	if err := b.EnsureTable(ctx); err != nil {
		return nil, err
	}
	return b, nil
}
