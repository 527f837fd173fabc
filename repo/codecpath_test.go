package repo_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/codec"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// floats is an entity the per-type codec takes, with the floats whose
// write and read the codec once told apart from attributevalue's.
type floats struct {
	ID  string  `dynamodbav:"id"`
	F32 float32 `dynamodbav:"f32"`
	Z   float64 `dynamodbav:"z,omitempty"`
	N   float32 `dynamodbav:"n,nullempty"`
}

func (floats) EntityPrefix() string { return "floats" }
func (f floats) EntityID() string   { return f.ID }

// TestCodecPathsAgree checks that Put returns what a Get then reads, with
// the error a Get then gives, on the repository's two codec paths (the
// per-type codec, and attributevalue alone): the largest float32s, which
// attributevalue cannot decode (Put used to return them as stored, from
// the codec's RoundTrip, while reading them fails), and -0 in a field with
// omitempty or nullempty, which is not stored and reads as 0 (Put used to
// return -0).
func TestCodecPathsAgree(t *testing.T) {
	cases := []struct {
		name    string
		v       floats
		decodes bool
	}{
		{"largest float32", floats{ID: "a", F32: math.MaxFloat32}, false},
		{"smallest float32", floats{ID: "b", F32: -math.MaxFloat32}, false},
		{"negative zero omitempty", floats{ID: "c", Z: math.Copysign(0, -1), F32: 1}, true},
		{"negative zero nullempty", floats{ID: "d", N: float32(math.Copysign(0, -1))}, true},
		{"ordinary", floats{ID: "e", F32: 1.5, Z: -2, N: 3}, true},
	}
	for _, off := range []bool{false, true} {
		restore := codec.SetOff(off)
		r, err := repo.New[floats](memory.New())
		restore()
		require.NoError(t, err)
		ctx := tenantctx.MustWithTenant(context.Background(), "acme")
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/attributevalue-only=%t", c.name, off), func(t *testing.T) {
				put, putErr := r.Put(ctx, c.v)
				got, getErr := r.Get(ctx, c.v.ID)
				if !c.decodes {
					assert.True(t, errors.Is(putErr, repo.ErrDecode) && errors.Is(putErr, repo.ErrApplied), "Put: %v", putErr)
					assert.ErrorIs(t, getErr, repo.ErrDecode)
					return
				}
				require.NoError(t, putErr)
				require.NoError(t, getErr)
				assert.Equal(t, fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", put), "Put returns what Get reads")
			})
		}
	}
}
