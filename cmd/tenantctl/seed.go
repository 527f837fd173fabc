package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/examples/shop"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// demoTenant is what --memory-seed demo loads for one tenant.
type demoTenant struct {
	id     string
	users  int // user#u01 ...
	orders int // order#o001 ..., written by the repository, in index by-user
	legacy int // order#l01 ..., written as another program would: no index keys
	note   bool
}

// demoTenants are the tenants of --memory-seed demo: acme and acme-corp,
// whose IDs nearly collide, and globex.
var demoTenants = []demoTenant{
	{id: "acme", users: 5, orders: 40, legacy: 10, note: true},
	{id: "acme-corp", users: 3, orders: 5},
	{id: "globex", users: 2, orders: 3, legacy: 2},
}

// seedEpoch is the creation time of the first demo order.
var seedEpoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// seedDemo writes the demo tenants into b: users and orders through the
// repositories of package shop, orders without index keys as a program
// that knows nothing of indexes writes them (reindex fixes them), and a
// note of a type no repository knows, with a binary, a set and a map.
func seedDemo(ctx context.Context, b backend.Backend) error {
	users, err := repo.New[shop.User](b)
	if err != nil {
		return err
	}
	orders, err := repo.New[shop.Order](b)
	if err != nil {
		return err
	}
	for _, t := range demoTenants {
		tctx, err := tenantctx.WithTenant(ctx, t.id)
		if err != nil {
			return err
		}
		userID := func(i int) string { return fmt.Sprintf("u%02d", i%t.users+1) }
		for i := range t.users {
			u := shop.User{ID: userID(i), Name: fmt.Sprintf("User %d of %s", i+1, t.id), Email: fmt.Sprintf("user%d@%s.example", i+1, t.id)}
			if _, err := users.Create(tctx, u); err != nil {
				return err
			}
		}
		for i := range t.orders {
			o := shop.Order{
				ID:        fmt.Sprintf("o%03d", i+1),
				UserID:    userID(i),
				Amount:    int64(100 + 5*i),
				CreatedAt: shop.Timestamp(seedEpoch.Add(time.Duration(i) * time.Minute)),
			}
			if _, err := orders.Create(tctx, o); err != nil {
				return err
			}
		}
		pk := entity.PartitionKey(t.id)
		for i := range t.legacy {
			item := backend.Item{
				entity.PartitionKeyName: s(pk),
				entity.SortKeyName:      s(entity.SortKey("order", fmt.Sprintf("l%02d", i+1))),
				"user_id":               s(userID(i)),
				"order_amount":          &types.AttributeValueMemberN{Value: strconv.Itoa(50 + i)},
				"created_at":            s(shop.Timestamp(seedEpoch.Add(-time.Duration(i+1) * time.Hour))),
			}
			if err := b.Put(ctx, backend.PutInput{Item: item}); err != nil {
				return err
			}
		}
		if t.note {
			item := backend.Item{
				entity.PartitionKeyName: s(pk),
				entity.SortKeyName:      s(entity.SortKey("note", "welcome")),
				"text":                  s("written by another program; no repository knows the type"),
				"logo":                  &types.AttributeValueMemberB{Value: []byte{0x89, 'P', 'N', 'G'}},
				"tags":                  &types.AttributeValueMemberSS{Value: []string{"demo", "seed"}},
				"meta": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"source":  s("tenantctl --memory-seed demo"),
					"version": &types.AttributeValueMemberN{Value: "1"},
				}},
			}
			if err := b.Put(ctx, backend.PutInput{Item: item}); err != nil {
				return err
			}
		}
	}
	return nil
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
