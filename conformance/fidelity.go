package conformance

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/repo"
)

// dotted is stored under attribute names and map keys with dots, which
// DynamoDB takes as names like any other.
type dotted struct {
	ID    string            `dynamodbav:"id"`
	Trail string            `dynamodbav:"trail."`
	Dot   string            `dynamodbav:"."`
	Inner string            `dynamodbav:"a..b"`
	Keys  map[string]string `dynamodbav:"keys"`
}

func (dotted) EntityPrefix() string     { return "dotted" }
func (d dotted) EntityID() string       { return d.ID }
func (d *dotted) SetEntityID(id string) { d.ID = id }

// fidelityDottedAttributeNames: an entity whose attribute names and map keys
// end in, or are, dots is created, read and updated (by UpdateExpr through
// names the expression builder does not split, and by Update) on every
// backend, as DynamoDB stores it.
func fidelityDottedAttributeNames(t *testing.T, h *harness) {
	r, err := repo.New[dotted](h.b)
	require.NoError(t, err)
	ctx := h.ctx(t, "acme")
	v := dotted{ID: "1", Trail: "t", Dot: "d", Inner: "i", Keys: map[string]string{"k.": "v", ".": "w", "": "empty"}}
	_, err = r.Create(ctx, v)
	require.ErrorIs(t, err, repo.ErrInvalidArgument, "an empty map key is refused")
	delete(v.Keys, "")
	_, err = r.Create(ctx, v)
	require.NoError(t, err)
	got, err := r.Get(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, v, got)

	got, err = r.UpdateExpr(ctx, "1", expression.Set(expression.NameNoDotSplit("trail."), expression.Value("t2")).
		Set(expression.NameNoDotSplit("keys").AppendName(expression.NameNoDotSplit("k.")), expression.Value("v2")))
	require.NoError(t, err)
	v.Trail, v.Keys["k."] = "t2", "v2"
	assert.Equal(t, v, got)
	got, err = r.Get(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, v, got)

	// Update names the attributes to write; the repository keeps each name
	// one path element.
	v.Trail, v.Dot, v.Inner = "t3", "d3", "i3"
	_, err = r.Update(ctx, v, []string{"trail.", ".", "a..b"})
	require.NoError(t, err)
	got, err = r.Get(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, v, got)
}
