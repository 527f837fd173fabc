package repo_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Entity types indexed by ("p", "s"), "s" a field of type V, tagged in
// the ways attributevalue reads: plain, with the string option, with
// unixtime, as a string set.
type (
	ixPlain[V any] struct {
		ID string `dynamodbav:"-"`
		P  string `dynamodbav:"p"`
		S  V      `dynamodbav:"s"`
	}
	ixAsString[V any] struct {
		ID string `dynamodbav:"-"`
		P  string `dynamodbav:"p"`
		S  V      `dynamodbav:"s,string"`
	}
	ixUnix[V any] struct {
		ID string `dynamodbav:"-"`
		P  string `dynamodbav:"p"`
		S  V      `dynamodbav:"s,unixtime"`
	}
	ixSet[V any] struct {
		ID string `dynamodbav:"-"`
		P  string `dynamodbav:"p"`
		S  V      `dynamodbav:"s,stringset"`
	}
	// ixPartition has the odd field as the partition attribute.
	ixPartition[V any] struct {
		ID string `dynamodbav:"-"`
		P  V      `dynamodbav:"p"`
		S  string `dynamodbav:"s"`
	}
	// ixEmbedded has "s" in an embedded struct.
	ixEmbedded[V any] struct {
		ID string `dynamodbav:"-"`
		P  string `dynamodbav:"p"`
		ixInner[V]
	}
	ixInner[V any] struct {
		S V `dynamodbav:"s"`
	}
)

var ixIndexes = []entity.Index{{Name: "by-p", Slot: 1, PartitionAttr: "p", SortAttr: "s"}}

func (ixPlain[V]) EntityPrefix() string        { return "ix" }
func (v ixPlain[V]) EntityID() string          { return v.ID }
func (ixPlain[V]) Indexes() []entity.Index     { return ixIndexes }
func (ixAsString[V]) EntityPrefix() string     { return "ix" }
func (v ixAsString[V]) EntityID() string       { return v.ID }
func (ixAsString[V]) Indexes() []entity.Index  { return ixIndexes }
func (ixUnix[V]) EntityPrefix() string         { return "ix" }
func (v ixUnix[V]) EntityID() string           { return v.ID }
func (ixUnix[V]) Indexes() []entity.Index      { return ixIndexes }
func (ixSet[V]) EntityPrefix() string          { return "ix" }
func (v ixSet[V]) EntityID() string            { return v.ID }
func (ixSet[V]) Indexes() []entity.Index       { return ixIndexes }
func (ixPartition[V]) EntityPrefix() string    { return "ix" }
func (v ixPartition[V]) EntityID() string      { return v.ID }
func (ixPartition[V]) Indexes() []entity.Index { return ixIndexes }
func (ixEmbedded[V]) EntityPrefix() string     { return "ix" }
func (v ixEmbedded[V]) EntityID() string       { return v.ID }
func (ixEmbedded[V]) Indexes() []entity.Index  { return ixIndexes }

type (
	namedInt    int
	namedString string
	// stringMarshaler stores itself as a string.
	stringMarshaler struct{ v string }
)

func (m stringMarshaler) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberS{Value: "m" + m.v}, nil
}

func (m *stringMarshaler) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		m.v = strings.TrimPrefix(s.Value, "m")
		return nil
	}
	return errors.New("not a string")
}

// TestNewRefusesIndexOnNonStringAttribute: an index whose partition or
// sort attribute is a field attributevalue stores as anything but a string
// is refused by New, with the field named (before, New took it and every
// write of an entity with both attributes failed). The fields stored as
// strings are taken, and their entities are found through the index.
func TestNewRefusesIndexOnNonStringAttribute(t *testing.T) {
	refused := map[string]func() error{
		"int":                  func() error { _, err := repo.New[ixPlain[int]](memory.New()); return err },
		"int64":                func() error { _, err := repo.New[ixPlain[int64]](memory.New()); return err },
		"uint8":                func() error { _, err := repo.New[ixPlain[uint8]](memory.New()); return err },
		"float64":              func() error { _, err := repo.New[ixPlain[float64]](memory.New()); return err },
		"*int":                 func() error { _, err := repo.New[ixPlain[*int]](memory.New()); return err },
		"named int":            func() error { _, err := repo.New[ixPlain[namedInt]](memory.New()); return err },
		"json.Number":          func() error { _, err := repo.New[ixPlain[json.Number]](memory.New()); return err },
		"bool":                 func() error { _, err := repo.New[ixPlain[bool]](memory.New()); return err },
		"[]byte":               func() error { _, err := repo.New[ixPlain[[]byte]](memory.New()); return err },
		"[]string":             func() error { _, err := repo.New[ixPlain[[]string]](memory.New()); return err },
		"[]string stringset":   func() error { _, err := repo.New[ixSet[[]string]](memory.New()); return err },
		"map":                  func() error { _, err := repo.New[ixPlain[map[string]string]](memory.New()); return err },
		"struct":               func() error { _, err := repo.New[ixPlain[ixInner[string]]](memory.New()); return err },
		"time unixtime":        func() error { _, err := repo.New[ixUnix[time.Time]](memory.New()); return err },
		"*time unixtime":       func() error { _, err := repo.New[ixUnix[*time.Time]](memory.New()); return err },
		"int partition":        func() error { _, err := repo.New[ixPartition[int]](memory.New()); return err },
		"embedded int":         func() error { _, err := repo.New[ixEmbedded[int]](memory.New()); return err },
		"embedded []int":       func() error { _, err := repo.New[ixEmbedded[[]int]](memory.New()); return err },
		"bool with string opt": func() error { _, err := repo.New[ixAsString[bool]](memory.New()); return err },
	}
	for name, fn := range refused {
		err := fn()
		if assert.ErrorIs(t, err, repo.ErrInvalidArgument, name) {
			assert.Contains(t, err.Error(), `index "by-p"`, name)
			assert.Contains(t, err.Error(), "must be strings", name)
			assert.Regexp(t, `field \S+\.(S|P) of type`, err.Error(), name)
		}
	}

	// Taken, and working: each entity is found through the index.
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	s := "v"
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	checkTaken(t, ctx, "string", ixPlain[string]{ID: "a", P: "p", S: "v"})
	checkTaken(t, ctx, "named string", ixPlain[namedString]{ID: "a", P: "p", S: "v"})
	checkTaken(t, ctx, "*string", ixPlain[*string]{ID: "a", P: "p", S: &s})
	checkTaken(t, ctx, "time", ixPlain[time.Time]{ID: "a", P: "p", S: at})
	checkTaken(t, ctx, "*time", ixPlain[*time.Time]{ID: "a", P: "p", S: &at})
	checkTaken(t, ctx, "int with string", ixAsString[int]{ID: "a", P: "p", S: 42})
	checkTaken(t, ctx, "float with string", ixAsString[float64]{ID: "a", P: "p", S: 1.5})
	checkTaken(t, ctx, "json.Number with string", ixAsString[json.Number]{ID: "a", P: "p", S: "12"})
	checkTaken(t, ctx, "any", ixPlain[any]{ID: "a", P: "p", S: "v"})
	checkTaken(t, ctx, "marshaler", ixPlain[stringMarshaler]{ID: "a", P: "p", S: stringMarshaler{"v"}})
	checkTaken(t, ctx, "embedded string", ixEmbedded[string]{ID: "a", P: "p", ixInner: ixInner[string]{S: "v"}})
}

// checkTaken checks that New takes T and that v, created, is found
// through its index.
func checkTaken[T entity.Entity](t *testing.T, ctx context.Context, name string, v T) {
	t.Helper()
	r, err := repo.New[T](memory.New())
	require.NoError(t, err, name)
	_, err = r.Create(ctx, v)
	require.NoError(t, err, name)
	page, err := r.Index("by-p").Query(ctx, "p")
	require.NoError(t, err, name)
	assert.Len(t, page.Items, 1, name)
}
