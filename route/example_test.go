package route_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Note is an entity of the examples.
type Note struct {
	ID   string `dynamodbav:"note_id"`
	Text string `dynamodbav:"note_text"`
}

func (Note) EntityPrefix() string { return "note" }
func (n Note) EntityID() string   { return n.ID }

// A repository over a Router works the same for pooled and siloed tenants:
// here "bigco" lives in a silo table of its own and "smallco" in the pool.
func ExampleNew() {
	ctx := context.Background()
	pool := memory.New() // or a dynamodb.Backend, with route.NewDynamoDBTables
	tables := route.NewMemoryTables(pool, "app-silo-{tenant}")
	cat, err := route.NewCatalog(pool)
	if err != nil {
		panic(err)
	}

	// Provision bigco's silo and record it in the catalog.
	silo, err := tables.Name("bigco")
	if err != nil {
		panic(err)
	}
	if _, err := tables.Create(ctx, silo); err != nil {
		panic(err)
	}
	if _, err := cat.Put(ctx, route.Placement{Tenant: "bigco", Table: silo}); err != nil {
		panic(err)
	}

	router, err := route.New(cat, tables)
	if err != nil {
		panic(err)
	}
	notes := repo.MustNew[Note](router)
	for _, tenant := range []string{"bigco", "smallco"} {
		tctx := tenantctx.MustWithTenant(ctx, tenant)
		if _, err := notes.Create(tctx, Note{ID: "1", Text: "hello from " + tenant}); err != nil {
			panic(err)
		}
		n, err := notes.Get(tctx, "1")
		fmt.Println(n.Text, err)
	}
	fmt.Println("silo table:", silo, "items:", tables.Store(silo).Len())
	fmt.Println("pool items:", pool.Len()) // smallco's note and bigco's catalog item
	// Output:
	// hello from bigco <nil>
	// hello from smallco <nil>
	// silo table: app-silo-bigco items: 1
	// pool items: 2
}

// The catalog is written with optimistic concurrency: a placement written
// from a stale read fails with ErrStalePlacement.
func ExampleCatalog_Put() {
	ctx := context.Background()
	cat, err := route.NewCatalog(memory.New())
	if err != nil {
		panic(err)
	}
	p, _ := cat.Lookup(ctx, "acme") // not in the catalog: the pool, version 0
	fmt.Printf("table %q version %d\n", p.Table, p.Version)

	p.Table = "app-silo-acme"
	p1, err := cat.Put(ctx, p)
	fmt.Println(p1.Version, err)

	_, err = cat.Put(ctx, p) // still version 0
	fmt.Println(errors.Is(err, route.ErrStalePlacement))
	// Output:
	// table "" version 0
	// 1 <nil>
	// true
}

// Name makes a valid DynamoDB table name for any tenant ID, a different one
// for each.
func ExampleMemoryTables_Name() {
	tables := route.NewMemoryTables(memory.New(), "app-silo-{tenant}")
	for _, id := range []string{"acme", "a.b", "a_b", "café"} {
		name, _ := tables.Name(id)
		fmt.Println(name)
	}
	// Output:
	// app-silo-acme
	// app-silo-a.2eb
	// app-silo-a.5fb
	// app-silo-caf.c3.a9
}
