package ops_test

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/ops"
)

// On a table without GSI5, GSI5PK and GSI5SK are ordinary attributes:
// another program may store a number or an empty string there, and
// DynamoDB keeps it. What such a table stores, Export writes; what Export
// wrote, Import and Copy must load back into the same table (the round
// trip the operations promise), on both backends alike.
func TestAttackIndexAttributesOfAbsentSlots(t *testing.T) {
	for _, kb := range []struct {
		name string
		new  func(t *testing.T) backend.Backend
	}{
		{"memory", func(t *testing.T) backend.Backend { return memory.New(memory.WithIndexSlots(1)) }},
		{"dynamodb", func(t *testing.T) backend.Backend {
			return dynamotest.NewTable(t, dynamodbbackend.WithIndexSlots(1))
		}},
	} {
		t.Run(kb.name, func(t *testing.T) {
			b := kb.new(t)
			before := atSeedNeighbours(t, b)
			atPut(t, b,
				backend.Item{"PK": atS("tenant#acme"), "SK": atS("evt#1"), "GSI5PK": &types.AttributeValueMemberN{Value: "7"}, "GSI5SK": atS("")},
				backend.Item{"PK": atS("tenant#acme"), "SK": atS("evt#2"), "GSI4PK": atS(""), "GSI4SK": &types.AttributeValueMemberBOOL{Value: true}},
				backend.Item{"PK": atS("tenant#acme"), "SK": atS("evt#3"), "GSI3PK": atS("tenant#acme#x"), "GSI3SK": &types.AttributeValueMemberL{}},
			)
			var data bytes.Buffer
			_, err := ops.Export(atCtx(t, "acme"), b, &data)
			require.NoError(t, err)
			res, err := ops.Import(atCtx(t, "copy"), b, bytes.NewReader(data.Bytes()))
			require.NoError(t, err)
			require.Equal(t, int64(3), res.Done)
			require.Contains(t, atPartition(t, b, "tenant#copy"), `"GSI3PK":{"S":"tenant#copy#x"}`, "a key naming the tenant is renamed in every slot")
			_, err = ops.Copy(atCtx(t, "acme"), b, atCtx(t, "copy2"), b)
			require.NoError(t, err)
			atUnchanged(t, b, before)

			// A string naming another tenant is refused in every slot, the
			// table's or not: the data may be loaded into a table that has it.
			atPut(t, b, backend.Item{"PK": atS("tenant#acme"), "SK": atS("evt#4"), "GSI4PK": atS("tenant#acme-corp#x")})
			data.Reset()
			_, err = ops.Export(atCtx(t, "acme"), b, &data)
			require.NoError(t, err)
			_, err = ops.Import(atCtx(t, "copy3"), b, bytes.NewReader(data.Bytes()))
			require.ErrorIs(t, err, ops.ErrForeignItem)
			require.Empty(t, atPartition(t, b, "tenant#copy3"))
		})
	}
}
