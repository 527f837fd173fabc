package repo_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Shipment has a second access pattern: the shipments of one carrier, by
// date.
type Shipment struct {
	ID      string `dynamodbav:"-"`
	Carrier string `dynamodbav:"carrier"`
	Day     string `dynamodbav:"day"` // YYYY-MM-DD: bytes sort as dates
}

func (Shipment) EntityPrefix() string     { return "shipment" }
func (s Shipment) EntityID() string       { return s.ID }
func (s *Shipment) SetEntityID(id string) { s.ID = id }
func (Shipment) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-carrier", Slot: 1, PartitionAttr: "carrier", SortAttr: "day"}}
}

// An index is queried through its handle: the partition value is an
// argument, the key condition (on the index's sort attribute, here the
// day) an option like the others.
func ExampleIndex_Query() {
	shipments := repo.MustNew[Shipment](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	for _, s := range []Shipment{
		{ID: "s1", Carrier: "ups", Day: "2026-11-02"},
		{ID: "s2", Carrier: "dhl", Day: "2026-11-03"},
		{ID: "s3", Carrier: "ups", Day: "2026-11-20"},
		{ID: "s4", Carrier: "ups", Day: "2026-10-30"},
	} {
		shipments.Create(ctx, s)
	}
	// UPS shipments in November, newest first.
	byCarrier := shipments.Index("by-carrier")
	page, err := byCarrier.Query(ctx, "ups", repo.Where(repo.BeginsWith("2026-11")), repo.WithDescending())
	if err != nil {
		panic(err)
	}
	for _, s := range page.Items {
		fmt.Println(s.ID, s.Day)
	}

	// A name the type does not declare fails at the query.
	_, err = shipments.Index("by-day").Query(ctx, "ups")
	fmt.Println(errors.Is(err, repo.ErrUnknownIndex), errors.Is(err, repo.ErrInvalidArgument))
	// Output:
	// s3 2026-11-20
	// s1 2026-11-02
	// true true
}

// All reads every page of an index partition; without Where it selects
// every sort value.
func ExampleIndex_All() {
	shipments := repo.MustNew[Shipment](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	for _, s := range []Shipment{
		{ID: "s1", Carrier: "ups", Day: "2026-11-02"},
		{ID: "s2", Carrier: "dhl", Day: "2026-11-03"},
		{ID: "s3", Carrier: "ups", Day: "2026-11-20"},
		{ID: "s4", Carrier: "ups", Day: "2026-10-30"},
	} {
		shipments.Create(ctx, s)
	}
	for s, err := range shipments.Index("by-carrier").All(ctx, "ups", repo.WithLimit(2)) {
		if err != nil {
			panic(err)
		}
		fmt.Print(s.Day, " ")
	}
	fmt.Println()
	// Output: 2026-10-30 2026-11-02 2026-11-20
}

// Every constructor of the module takes options the same way: functions
// that set fields of an Options struct, applied in order over the
// defaults. Reads take ConsistentRead under one name, Get and List alike.
func Example_options() {
	// The memory Store with the index slots the DynamoDB table has
	// (dynamodb.New(client, table, dynamodb.WithIndexSlots(1))).
	store := memory.New(memory.WithIndexSlots(1))
	shipments, err := repo.New[Shipment](store, func(o *repo.Options) {
		o.CursorKey = []byte("a secret shared by every instance")
	})
	if err != nil {
		panic(err)
	}
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	shipments.Create(ctx, Shipment{ID: "s1", Carrier: "ups", Day: "2026-11-02"})
	shipments.Create(ctx, Shipment{ID: "s2", Carrier: "ups", Day: "2026-11-03"})

	s, err := shipments.Get(ctx, "s1", repo.ConsistentRead)
	fmt.Println(s.Day, err)
	page, err := shipments.List(ctx, repo.ConsistentRead, repo.Where(repo.GreaterThan("s1")))
	fmt.Println(len(page.Items), page.Items[0].ID, err)

	// Index reads cannot be consistent: DynamoDB's indexes are not.
	_, err = shipments.Index("by-carrier").Query(ctx, "ups", repo.ConsistentRead)
	fmt.Println(errors.Is(err, repo.ErrInvalidArgument))
	// Output:
	// 2026-11-02 <nil>
	// 1 s2 <nil>
	// true
}
