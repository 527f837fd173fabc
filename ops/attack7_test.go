package ops_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/changefeed"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

type attack7Note struct {
	ID string `dynamodbav:"id"`
}

func (attack7Note) EntityPrefix() string     { return "note" }
func (n attack7Note) EntityID() string       { return n.ID }
func (n *attack7Note) SetEntityID(id string) { n.ID = id }

// TestAttack7TypedNilBackends: a nil pointer of a backend type (a
// (*memory.Store)(nil), a (*route.Router)(nil)) given where a backend is
// wanted is refused like a nil one, with an error wrapping
// backend.ErrInvalidArgument, by every operation of ops, limit.New,
// repo.New and changefeed.NewOperatorReader. It used to panic at the
// first request, and ops.Tenants's panic, in its own goroutine, killed
// the process.
func TestAttack7TypedNilBackends(t *testing.T) {
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	opCtx, err := tenantctx.AsOperator(context.Background(), "attack7")
	require.NoError(t, err)
	good := memory.New()
	for name, b := range map[string]backend.Backend{"store": (*memory.Store)(nil), "router": (*route.Router)(nil)} {
		calls := map[string]func() error{
			"purge":  func() error { _, err := ops.Purge(ctx, b); return err },
			"export": func() error { _, err := ops.Export(ctx, b, &bytes.Buffer{}); return err },
			"import": func() error {
				_, err := ops.Import(ctx, b, bytes.NewReader(nil))
				return err
			},
			"copy src": func() error { _, err := ops.Copy(ctx, b, ctx, good); return err },
			"copy dst": func() error { _, err := ops.Copy(ctx, good, ctx, b); return err },
			"stats":    func() error { _, err := ops.Stats(ctx, b); return err },
			"tenants":  func() error { _, err := ops.Tenants(opCtx, b); return err },
			"reindex": func() error {
				_, err := ops.ReindexType(ctx, b, ops.SpecOf[attack7Note]())
				return err
			},
			"limit.New": func() error { _, err := limit.New(b); return err },
			"repo.New":  func() error { _, err := repo.New[attack7Note](b); return err },
		}
		if f, ok := b.(backend.ChangeFeed); ok {
			calls["changefeed"] = func() error { _, err := changefeed.NewOperatorReader(opCtx, f); return err }
		}
		for op, f := range calls {
			t.Run(fmt.Sprintf("%s/%s", name, op), func(t *testing.T) {
				var err error
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("panicked: %v", p)
						}
					}()
					err = f()
				}()
				assert.True(t, invalidArgument(err), "%v", err)
			})
		}
	}
	_, err = ops.Import(ctx, good, (*bytes.Reader)(nil))
	assert.ErrorIs(t, err, ops.ErrInvalidArgument, "a typed nil reader")
	_, err = ops.Export(ctx, good, io.Writer((*bytes.Buffer)(nil)))
	assert.ErrorIs(t, err, ops.ErrInvalidArgument, "a typed nil writer")
}

// invalidArgument reports whether err is the invalid argument of ops, a
// backend or repo.
func invalidArgument(err error) bool {
	return errors.Is(err, ops.ErrInvalidArgument) || errors.Is(err, backend.ErrInvalidArgument) || errors.Is(err, repo.ErrInvalidArgument)
}
