package changefeed_test

import (
	"context"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/changefeed"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// A subscription of tenant acme to its notes: the changes of other tenants
// and failed writes give no event.
func ExampleSubscribe() {
	store := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	notes := repo.MustNew[Note](store)
	acme := tenantctx.MustWithTenant(context.Background(), "acme")
	corp := tenantctx.MustWithTenant(context.Background(), "acme-corp")

	_, _ = notes.Create(acme, Note{ID: "1", Text: "draft"})
	_, _ = notes.Create(corp, Note{ID: "1", Text: "not acme's"})
	_, _ = notes.Update(acme, Note{ID: "1", Text: "final"}, []string{"text"})
	_, err := notes.Create(acme, Note{ID: "1", Text: "again"}) // fails: no event
	fmt.Println(err != nil)
	_ = notes.Delete(acme, "1")

	sub, err := changefeed.Subscribe(acme, notes)
	if err != nil {
		panic(err)
	}
	events, err := sub.Poll(acme)
	if err != nil {
		panic(err)
	}
	for _, ev := range events {
		fmt.Println(ev.Kind, ev.ID, ev.Old.Text, "->", ev.New.Text)
	}
	// Output:
	// true
	// created 1  -> draft
	// updated 1 draft -> final
	// deleted 1 final ->
}

// An operator's reader of one tenant's raw changes, resumed from its
// checkpoint: the online move of a tenant catches up this way.
func ExampleNewOperatorReader() {
	store := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	notes := repo.MustNew[Note](store)
	acme := tenantctx.MustWithTenant(context.Background(), "acme")
	op, err := tenantctx.AsOperator(context.Background(), "move tenant acme")
	if err != nil {
		panic(err)
	}
	only := func(o *changefeed.Options) { o.Tenant = "acme" }

	_, _ = notes.Create(acme, Note{ID: "1", Text: "one"})
	rd, _ := changefeed.NewOperatorReader(op, store, only)
	evs, _ := rd.Poll(op)
	cp, _ := rd.Checkpoint()
	fmt.Println(len(evs), evs[0].Tenant, evs[0].Kind, evs[0].Key.SK)

	_, _ = notes.Create(acme, Note{ID: "2", Text: "two"})
	rd, _ = changefeed.NewOperatorReader(op, store, only, func(o *changefeed.Options) { o.From = cp })
	evs, _ = rd.Poll(op)
	fmt.Println(len(evs), evs[0].Kind, evs[0].Key.SK)
	// Output:
	// 1 acme INSERT note#1
	// 1 INSERT note#2
}
