package ops_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Ticket is a support ticket, indexed by its assignee.
type Ticket struct {
	ID       string `dynamodbav:"-"`
	Assignee string `dynamodbav:"assignee"`
	Opened   string `dynamodbav:"opened"`
}

func (Ticket) EntityPrefix() string     { return "ticket" }
func (t Ticket) EntityID() string       { return t.ID }
func (t *Ticket) SetEntityID(id string) { t.ID = id }
func (Ticket) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-assignee", Slot: 1, PartitionAttr: "assignee", SortAttr: "opened"}}
}

// Offboarding a tenant: a dry run says what would go, then the purge
// deletes every item of the tenant, of every type, and only the tenant's.
// A purge that stops early returns a checkpoint to continue from.
func ExamplePurge() {
	ctx := context.Background()
	b := memory.New()
	tickets := repo.MustNew[Ticket](b)
	acme := tenantctx.MustWithTenant(ctx, "acme")
	globex := tenantctx.MustWithTenant(ctx, "globex")
	for i := range 120 {
		tickets.Create(acme, Ticket{ID: fmt.Sprint(i), Assignee: "ann", Opened: "2026-11-01"})
	}
	tickets.Create(globex, Ticket{ID: "1", Assignee: "bob", Opened: "2026-11-02"})
	// An item another program wrote, of a type this one does not know.
	b.Put(ctx, backend.PutInput{Item: backend.Item{
		"PK": &types.AttributeValueMemberS{Value: "tenant#acme"},
		"SK": &types.AttributeValueMemberS{Value: "invoice#7"},
	}})

	dry, err := ops.Purge(acme, b, ops.WithDryRun())
	if err != nil {
		panic(err)
	}
	fmt.Println("would delete:", dry.Done, "items,", dry.ByType["ticket"].Items, "tickets,", dry.ByType["invoice"].Items, "invoice")

	// Stop after the first batch, as a killed process would...
	stopped, cancel := context.WithCancel(acme)
	res, err := ops.Purge(stopped, b, ops.WithConcurrency(1), ops.WithProgress(func(p ops.Progress) {
		if p.Done > 0 {
			cancel()
		}
	}))
	fmt.Println("stopped:", errors.Is(err, context.Canceled), res.Checkpoint != "")

	// ...and continue from the checkpoint, at no more than 5000 items a
	// second.
	res, err = ops.Purge(acme, b, ops.WithResume(res.Checkpoint), ops.WithPace(ops.Pace{ItemsPerSecond: 5000}))
	if err != nil {
		panic(err)
	}
	fmt.Println("deleted:", res.Done)

	page, _ := tickets.List(globex)
	fmt.Println("globex keeps:", len(page.Items))
	// Output:
	// would delete: 121 items, 120 tickets, 1 invoice
	// stopped: true true
	// deleted: 121
	// globex keeps: 1
}

// Items another program wrote without index keys are missing from index
// queries until a reindex writes their keys, changing nothing else.
func ExampleReindex() {
	ctx := context.Background()
	b := memory.New()
	tickets := repo.MustNew[Ticket](b)
	acme := tenantctx.MustWithTenant(ctx, "acme")
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	for _, id := range []string{"1", "2"} {
		b.Put(ctx, backend.PutInput{Item: backend.Item{
			"PK": s("tenant#acme"), "SK": s("ticket#" + id), "assignee": s("ann"), "opened": s("2026-11-0" + id),
		}})
	}
	page, _ := tickets.Index("by-assignee").Query(acme, "ann")
	fmt.Println("before:", len(page.Items))

	res, err := ops.Reindex(acme, tickets)
	if err != nil {
		panic(err)
	}
	fmt.Println("examined:", res.Examined, "fixed:", res.Done, "skipped:", res.Skipped, "failed:", res.Failed)

	page, _ = tickets.Index("by-assignee").Query(acme, "ann")
	for _, t := range page.Items {
		fmt.Println(t.ID, t.Opened)
	}
	// Output:
	// before: 0
	// examined: 2 fixed: 2 skipped: 0 failed: 0
	// 1 2026-11-01
	// 2 2026-11-02
}

// The operator of a table lists its tenants a page at a time; the call
// needs a context marked with tenantctx.AsOperator.
func ExampleTenants() {
	ctx := context.Background()
	b := memory.New()
	tickets := repo.MustNew[Ticket](b)
	for _, id := range []string{"acme", "globex", "initech"} {
		tickets.Create(tenantctx.MustWithTenant(ctx, id), Ticket{ID: "1", Assignee: "ann", Opened: "2026-11-01"})
	}
	_, err := ops.Tenants(tenantctx.MustWithTenant(ctx, "acme"), b)
	fmt.Println("as a tenant:", errors.Is(err, ops.ErrNoOperator))

	op, err := tenantctx.AsOperator(ctx, "example: list tenants")
	if err != nil {
		panic(err)
	}
	var all []string
	var next ops.Checkpoint
	for {
		page, err := ops.Tenants(op, b, ops.WithResume(next), ops.WithPageSize(2))
		if err != nil {
			panic(err)
		}
		all = append(all, page.Tenants...)
		if next = page.Next; next == "" {
			break
		}
	}
	fmt.Println(len(all), "tenants")
	// Output:
	// as a tenant: true
	// 3 tenants
}
