package repo_test

import (
	"context"
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

func ExampleRepository_QueryIndex() {
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
	page, _ := shipments.QueryIndex(ctx, "by-carrier", "ups", repo.BeginsWith("2026-11"), repo.WithDescending())
	for _, s := range page.Items {
		fmt.Println(s.ID, s.Day)
	}
	// Output:
	// s3 2026-11-20
	// s1 2026-11-02
}
