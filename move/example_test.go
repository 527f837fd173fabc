package move_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/move"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

type Note struct {
	ID   string `dynamodbav:"note_id"`
	Text string `dynamodbav:"text"`
}

func (Note) EntityPrefix() string     { return "note" }
func (n Note) EntityID() string       { return n.ID }
func (n *Note) SetEntityID(id string) { n.ID = id }

// Move a tenant from the pool table to a silo table of its own while the
// application reads and writes it through a route.Router.
func ExampleRun() {
	ctx := context.Background()
	// The pool table, with a change feed: a move catches up from it.
	// On DynamoDB: route.NewDynamoDBTables with a backend whose
	// Options.ChangeFeed and Options.Streams are set.
	pool := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	tables := route.NewMemoryTables(pool, "app-silo-{tenant}")
	catalog, err := route.NewCatalog(pool, func(o *route.CatalogOptions) {
		o.MaxStale = 100 * time.Millisecond     // how old a router's cached placement may be
		o.WriteTimeout = 500 * time.Millisecond // how long a router's write may take
	})
	if err != nil {
		panic(err)
	}
	router, err := route.New(catalog, tables)
	if err != nil {
		panic(err)
	}
	notes := repo.MustNew[Note](router)
	acme := tenantctx.MustWithTenant(ctx, "acme")
	for _, id := range []string{"a", "b", "c"} {
		if _, err := notes.Put(acme, Note{ID: id, Text: "hello " + id}); err != nil {
			panic(err)
		}
	}

	silo, err := tables.Name("acme")
	if err != nil {
		panic(err)
	}
	res, err := move.Run(ctx, move.Config{Catalog: catalog, Tables: tables}, "acme", silo,
		func(o *move.Options) { o.Settle = 50 * time.Millisecond })
	if err != nil {
		panic(err)
	}
	fmt.Println("moved to", res.To, "copied", res.Copied, "paused under a second:", res.Pause < time.Second)

	// The application's code does not change: the router reads acme from
	// its silo now.
	n, err := notes.Get(acme, "b")
	fmt.Println(n.Text, err)
	p, _ := catalog.LookupFresh(ctx, "acme")
	fmt.Println("catalog:", p.Table, "move in progress:", p.Move != nil)
	// Output:
	// moved to app-silo-acme copied 3 paused under a second: true
	// hello b <nil>
	// catalog: app-silo-acme move in progress: false
}
