package badinput_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// anyKeyContext answers tenantctx's unexported key with v, or every key.
type anyKeyContext = testfixture.ForgedContext

type namedString string

// hostileTenantValues are the values a context can give under the tenant
// key that WithTenant would never have let in: the whole class of invalid
// tenant IDs, and values that are not strings.
var hostileTenantValues = map[string]any{
	"empty":              "",
	"hash":               "#",
	"other tenant's key": "globex#x",
	"trailing hash":      "acme#",
	"invalid UTF-8 ff":   "\xff",
	"invalid UTF-8 fe":   "\xfe",
	"invalid in tenant":  "acme\xff",
	"surrogate":          "\xed\xa0\x80",
	"overlong":           "\xc0\xaf",
	"truncated":          "acme\xe2\x82",
	"NUL":                "\x00",
	"newline":            "acme\n",
	"DEL":                "acme\x7f",
	"C1":                 "acme\u0085",
	"too long":           strings.Repeat("t", entity.MaxTenantIDBytes+1),
	"far too long":       strings.Repeat("t", 1<<16),
	"int":                42,
	"bytes":              []byte(tenant),
	"named string":       namedString(tenant),
	"struct":             struct{}{},
	"error":              errors.New(tenant),
	"typed nil":          (*string)(nil),
}

// TestHostileContextTenant: a context that answers the tenant key with a
// value that is not a valid tenant ID makes every entry point fail with
// exactly ErrInvalidTenant, on the memory backend and on DynamoDB Local,
// and nothing stored changes. Before FromContext checked the tenant, the
// repositories built keys from such values ("tenant#", "tenant#globex#x",
// "tenant#\xff", which DynamoDB reads as the tenant "\uFFFD").
func TestHostileContextTenant(t *testing.T) {
	onBothBackends(t, func(t *testing.T, f *fixture) {
		before := f.snapshot(t)
		require.NotEmpty(t, before)
		n := 0
		type named struct {
			name string
			ctx  anyKeyContext
		}
		var contexts []named
		for name, v := range hostileTenantValues {
			for _, every := range []bool{false, true} {
				contexts = append(contexts, named{fmt.Sprintf("%s every=%v", name, every), anyKeyContext{Context: context.Background(), V: v, Every: every}})
			}
		}
		// A context answering every key with a valid tenant answers the
		// SDK's keys too (the SDK panicked on DynamoDB, memory served it).
		contexts = append(contexts, named{"valid tenant under every key", anyKeyContext{Context: context.Background(), V: tenant, Every: true}})
		for _, nc := range contexts {
			name, ctx := nc.name, nc.ctx
			id, err := tenantctx.FromContext(ctx)
			checkKinds(t, err, kinds(tenantctx.ErrInvalidTenant), repoKinds)
			assert.Empty(t, id, name)
			for _, ep := range entryPoints(f, ctx) {
				err, p := call(ep.call)
				require.Nil(t, p, "%s/%s panicked", name, ep.name)
				if !assert.ErrorIs(t, err, repo.ErrInvalidTenant, "%s/%s", name, ep.name) {
					continue
				}
				checkKinds(t, err, kinds(repo.ErrInvalidTenant), repoKinds)
				assert.Less(t, len(err.Error()), 600, "%s/%s: message length", name, ep.name)
				n++
			}
			for _, c := range []string{"list", "index-g1"} {
				_, err := f.users.List(ctx, repo.WithCursor(f.cursors[c]))
				checkKinds(t, err, kinds(repo.ErrInvalidTenant), repoKinds)
				_, err = f.users.Index("by-group").Query(ctx, "g1", repo.WithCursor(f.cursors[c]))
				checkKinds(t, err, kinds(repo.ErrInvalidTenant), repoKinds)
			}
		}
		require.Equal(t, before, f.snapshot(t), "a call with a hostile context changed the store")
		t.Log(fmt.Sprintf("%d calls with hostile contexts refused on %s", n, f.name))
	})
}
