package tenantslog_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenantslog"
)

// User is an entity type of the examples.
type User struct {
	ID   string `dynamodbav:"-"`
	Name string `dynamodbav:"name"`
}

func (User) EntityPrefix() string     { return "user" }
func (u User) EntityID() string       { return u.ID }
func (u *User) SetEntityID(id string) { u.ID = id }

// One record per call: successes at the level chosen (here Debug), a
// missing entity's Get too (an answer), a failed condition at Warn. The
// handler here drops the time and the duration, to print the same output
// every run.
func Example() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == tenantslog.KeyDuration {
				return slog.Attr{}
			}
			return a
		},
	}))
	obs, err := tenantslog.New(tenantslog.WithLogger(logger), tenantslog.WithLevel(slog.LevelDebug))
	if err != nil {
		panic(err)
	}
	users := repo.MustNew[User](memory.New(), func(o *repo.Options) { o.Observer = obs })

	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	users.Create(ctx, User{ID: "42", Name: "Ann"})
	users.Get(ctx, "43")
	users.Create(ctx, User{ID: "42", Name: "Ann"})
	// Output:
	// level=DEBUG msg="tenantrepo call" op=Create tenant=acme type=tenantslog_test.User prefix=user items=1 requests=1 retries=0 throttles=0 read_units=0 write_units=1 capacity.table.read=0 capacity.table.write=1
	// level=DEBUG msg="tenantrepo call" op=Get tenant=acme type=tenantslog_test.User prefix=user items=0 requests=1 retries=0 throttles=0 read_units=0.5 write_units=0 capacity.table.read=0.5 capacity.table.write=0 error="repo: get user \"43\": entity not found" error_kind=not_found
	// level=WARN msg="tenantrepo call" op=Create tenant=acme type=tenantslog_test.User prefix=user items=0 requests=1 retries=0 throttles=0 read_units=0 write_units=1 capacity.table.read=0 capacity.table.write=1 error="repo: create user \"42\": entity already exists" error_kind=already_exists
}

// Records with the tenant's tier and without its ID, for a log that must
// not hold tenant IDs.
func ExampleWithTier() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case tenantslog.KeyOp, tenantslog.KeyTenant, tenantslog.KeyTier, slog.LevelKey, slog.MessageKey:
				return a
			}
			return slog.Attr{} // only these, for the example
		},
	}))
	tiers := map[string]string{"acme": "enterprise"}
	obs, err := tenantslog.New(tenantslog.WithLogger(logger),
		tenantslog.WithTier(func(tenant string) string { return tiers[tenant] }), tenantslog.WithoutTenant())
	if err != nil {
		panic(err)
	}
	users := repo.MustNew[User](memory.New(), func(o *repo.Options) { o.Observer = obs })
	users.Put(tenantctx.MustWithTenant(context.Background(), "acme"), User{ID: "1", Name: "Ann"})
	// Output:
	// level=INFO msg="tenantrepo call" op=Put tier=enterprise
}
