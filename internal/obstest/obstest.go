// Package obstest is the observers' test workload: a script of
// repository calls of every kind, run through a repository on a backend,
// and the calls an observer must have seen, for the tests of packages
// tenantotel and tenantslog on both backends.
package obstest

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// User is the workload's entity type, with an index of users by email.
type User struct {
	ID    string `dynamodbav:"-"`
	Name  string `dynamodbav:"name"`
	Email string `dynamodbav:"email"`
}

func (User) EntityPrefix() string     { return "user" }
func (u User) EntityID() string       { return u.ID }
func (u *User) SetEntityID(id string) { u.ID = id }
func (User) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-email", Slot: 1, PartitionAttr: "email", SortAttr: "name"}}
}

// TypeName is User's Go type as repo.Call.Type says it.
const TypeName = "obstest.User"

// Tenant is the tenant of the workload's calls.
const Tenant = "acme"

// Call is a call the workload makes, as an observer must see it.
type Call struct {
	Op    repo.Op
	Index string
	Items int
	// Kind names the kind of its error (not_found, ...), "" for none.
	Kind string
	// Capacity is what the call consumes by DynamoDB's rules, on both
	// backends; nil for a call whose figure the backends do not agree on
	// (see Run).
	Capacity *backend.Capacity
}

// units returns the capacity of tableRead and tableWrite units on the
// table and gsiRead and gsiWrite on GSI1.
func units(tableRead, tableWrite, gsiRead, gsiWrite float64) *backend.Capacity {
	c := backend.Capacity{Table: backend.Units{Read: tableRead, Write: tableWrite}}
	c.Indexes[0] = backend.Units{Read: gsiRead, Write: gsiWrite}
	return &c
}

// Backends are the backends the workload runs on: the memory backend, and
// a new table on DynamoDB Local (skipped without one, except in CI).
var Backends = []struct {
	Name string
	New  func(t *testing.T) backend.Backend
}{
	{"memory", func(*testing.T) backend.Backend { return memory.New() }},
	{"dynamodb", func(t *testing.T) backend.Backend { return dynamotest.NewTable(t) }},
}

// Run runs the workload on b with obs installed, and returns the calls it
// made, in order: creates, a create of an existing user, a get and a get
// of a missing user, two pages of a list, an index query, a batch get,
// put and delete, a transaction, a put whose condition fails, a delete.
// Every item is under 1 KB: a write of one is a write unit (and one on
// GSI1 for an item with an email, which puts it in the index), a read half
// a read unit (one when consistent), and a page of items is read as one
// read of their summed sizes. The transaction's figure is left out: the
// memory backend charges 4 (two units per item written), DynamoDB Local
// reports 2.
func Run(t *testing.T, b backend.Backend, obs repo.Observer) []Call {
	t.Helper()
	users, err := repo.New[User](b, func(o *repo.Options) { o.Observer = obs })
	if err != nil {
		t.Fatal(err)
	}
	ctx := tenantctx.MustWithTenant(context.Background(), Tenant)
	check := func(what string, err error, want error) {
		t.Helper()
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Fatalf("%s: %v, want %v", what, err, want)
		}
	}
	var calls []Call
	for _, u := range []User{
		{ID: "u1", Name: "Ann", Email: "ann@example.com"},
		{ID: "u2", Name: "Bob", Email: "bob@example.com"},
		{ID: "u3", Name: "Cy", Email: "cy@example.com"},
	} {
		_, err := users.Create(ctx, u)
		check("create", err, nil)
		calls = append(calls, Call{Op: repo.OpCreate, Items: 1, Capacity: units(0, 1, 0, 1)})
	}
	_, err = users.Create(ctx, User{ID: "u1", Name: "Ann again"})
	check("create existing", err, repo.ErrAlreadyExists)
	calls = append(calls, Call{Op: repo.OpCreate, Kind: "already_exists", Capacity: units(0, 1, 0, 0)})

	_, err = users.Get(ctx, "u1")
	check("get", err, nil)
	_, err = users.Get(ctx, "nobody")
	check("get missing", err, repo.ErrNotFound)
	calls = append(calls, Call{Op: repo.OpGet, Items: 1, Capacity: units(0.5, 0, 0, 0)}, Call{Op: repo.OpGet, Kind: "not_found", Capacity: units(0.5, 0, 0, 0)})

	page, err := users.List(ctx, repo.WithLimit(2), repo.ConsistentRead)
	check("list", err, nil)
	if len(page.Items) != 2 || page.Next == "" {
		t.Fatalf("first page: %d users, next %q", len(page.Items), page.Next)
	}
	page, err = users.List(ctx, repo.WithLimit(2), repo.WithCursor(page.Next), repo.ConsistentRead)
	check("list next", err, nil)
	if len(page.Items) != 1 {
		t.Fatalf("second page: %d users", len(page.Items))
	}
	calls = append(calls, Call{Op: repo.OpList, Items: 2, Capacity: units(1, 0, 0, 0)}, Call{Op: repo.OpList, Items: 1, Capacity: units(1, 0, 0, 0)})

	page, err = users.Index("by-email").Query(ctx, "bob@example.com")
	check("index query", err, nil)
	if len(page.Items) != 1 {
		t.Fatalf("index query: %d users", len(page.Items))
	}
	calls = append(calls, Call{Op: repo.OpQuery, Index: "by-email", Items: 1, Capacity: units(0, 0, 0.5, 0)})

	found, missing, err := users.BatchGet(ctx, []string{"u1", "u2", "nobody"})
	check("batch get", err, nil)
	if len(found) != 2 || len(missing) != 1 {
		t.Fatalf("batch get: %d found, %d missing", len(found), len(missing))
	}
	check("batch put", users.BatchPut(ctx, []User{{ID: "u4", Name: "Di", Email: "di@example.com"}, {ID: "u5", Name: "Ed"}}), nil)
	check("batch delete", users.BatchDelete(ctx, []string{"u3"}), nil)
	calls = append(calls,
		Call{Op: repo.OpBatchGet, Items: 2, Capacity: units(1, 0, 0, 0)},
		Call{Op: repo.OpBatchPut, Items: 2, Capacity: units(0, 2, 0, 1)},
		Call{Op: repo.OpBatchDelete, Items: 1, Capacity: units(0, 1, 0, 1)})

	check("transact", repo.Transact(ctx, users.TxPut(User{ID: "u6", Name: "Fay"}), users.TxDelete("u5")), nil)
	calls = append(calls, Call{Op: repo.OpTransact, Items: 2})

	_, err = users.Put(ctx, User{ID: "u1", Name: "Ann"}, repo.WithCondition(expression.Name("name").Equal(expression.Value("Zed"))))
	check("conditional put", err, repo.ErrConditionFailed)
	calls = append(calls, Call{Op: repo.OpPut, Kind: "condition_failed", Capacity: units(0, 1, 0, 0)})

	check("delete", users.Delete(ctx, "u4"), nil)
	calls = append(calls, Call{Op: repo.OpDelete, Items: 1, Capacity: units(0, 1, 0, 1)})
	return calls
}
