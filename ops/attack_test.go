package ops_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// A scan checkpoint whose segment position lies in another segment (or is
// a key of no segment at all) is the caller's forgery: both backends must
// refuse it the same way, with a typed error.
func TestAttackScanPositionInWrongSegment(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		atSeedNeighbours(t, b)
		op := atOperator(t)
		// Find a partition of segment 1 of 2.
		sc := b.(backend.Scanner)
		out, err := sc.Scan(context.Background(), backend.ScanInput{Segment: 1, TotalSegments: 2, Limit: 1})
		require.NoError(t, err)
		require.NotEmpty(t, out.Items)
		k, ok := backend.KeyOf(out.Items[0])
		require.True(t, ok)
		cp := atCheckpoint(t, map[string]any{"v": 1, "op": "tenants", "segs": []map[string]any{{"pk": k.PK, "sk": k.SK}, {"done": true}}, "counts": map[string]any{}})
		_, err = ops.Tenants(op, b, ops.WithResume(ops.Checkpoint(cp)))
		require.Error(t, err)
		require.True(t, errors.Is(err, ops.ErrInvalidCheckpoint) || errors.Is(err, backend.ErrInvalidStartKey), "%v", err)
		t.Log(err)
	})
}

var _ = strings.Repeat

// atEdgeLines are lines of DynamoDB JSON at the edges of what DynamoDB
// stores. Whatever Import's checking pass accepts, its writing pass must
// be able to write on both backends (else an import fails half way after
// promising to check everything first), and export back byte for byte.
var atEdgeLines = map[string]string{
	"empty attribute name":       `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"":{"S":"x"}}}`,
	"empty map key":              `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"m":{"M":{"":{"S":"x"}}}}}`,
	"empty string":               `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"s":{"S":""}}}`,
	"empty string in set":        `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"s":{"SS":["","a"]}}}`,
	"empty binary":               `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"b":{"B":""}}}`,
	"empty binary in set":        `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"b":{"BS":["","AA=="]}}}`,
	"NUL in string":              `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"s":{"S":"a\u0000b"}}}`,
	"NUL in sort key":            `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#a\u0000b"}}}`,
	"escaped hash in sort key":   `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k\u0023\u0023"}}}`,
	"escaped partition key":      `{"Item":{"PK":{"S":"tenant\u0023src"},"SK":{"S":"k#1"}}}`,
	"largest number":             `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"9.9999999999999999999999999999999999999E+125"}}}`,
	"smallest number":            `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"1E-130"}}}`,
	"negative largest":           `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"-9.9999999999999999999999999999999999999E+125"}}}`,
	"38 digits":                  `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"12345678901234567890123456789012345678"}}}`,
	"trailing zeros":             `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"1000000000000000000000000000000000000000000000"}}}`,
	"leading zeros":              `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"000000000000000000000000000000000000000000001"}}}`,
	"plus sign":                  `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"+1"}}}`,
	"leading dot":                `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":".5"}}}`,
	"trailing dot":               `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"5."}}}`,
	"minus zero":                 `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"-0"}}}`,
	"exponent zero":              `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":"0E+999"}}}`,
	"number set 1 and 1.0":       `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"NS":["1","1.0"]}}}`,
	"number set 0 and -0":        `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"NS":["0","-0"]}}}`,
	"space in number":            `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"N":" 1"}}}`,
	"index key number":           `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"GSI1PK":{"N":"1"},"GSI1SK":{"S":"x"}}}`,
	"index key empty":            `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"GSI1PK":{"S":""},"GSI1SK":{"S":"x"}}}`,
	"GSI6PK another tenant":      `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"GSI6PK":{"S":"tenant#acme-corp#x"}}}`,
	"lower-case key names":       `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"pk":{"S":"tenant#acme-corp"},"Gsi1pk":{"S":"tenant#acme-corp#x"}}}`,
	"CRLF":                       "{\"Item\":{\"PK\":{\"S\":\"tenant#src\"},\"SK\":{\"S\":\"k#1\"}}}\r",
	"BOM":                        "\ufeff{\"Item\":{\"PK\":{\"S\":\"tenant#src\"},\"SK\":{\"S\":\"k#1\"}}}",
	"long attribute name":        `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"` + strings.Repeat("a", 65536) + `":{"S":"x"}}}`,
	"long attribute name 65535":  `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"` + strings.Repeat("a", 65535) + `":{"S":"x"}}}`,
	"long map key":               `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"m":{"M":{"` + strings.Repeat("a", 70000) + `":{"S":"x"}}}}}`,
	"noncharacter":               `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#\uffff"}}}`,
	"astral sort key":            `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#\ud83d\ude00"}}}`,
	"sort key 1024 bytes":        `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#` + strings.Repeat("a", 1022) + `"}}}`,
	"index sort key 1024 bytes":  `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"GSI1PK":{"S":"x"},"GSI1SK":{"S":"` + strings.Repeat("a", 1024) + `"}}}`,
	"index sort key over limit":  `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"GSI1PK":{"S":"x"},"GSI1SK":{"S":"` + strings.Repeat("a", 1025) + `"}}}`,
	"deep list":                  `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"l":` + strings.Repeat(`{"L":[`, 31) + `{"S":"x"}` + strings.Repeat(`]}`, 31) + `}}`,
	"deeper list":                `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"l":` + strings.Repeat(`{"L":[`, 32) + `{"S":"x"}` + strings.Repeat(`]}`, 32) + `}}`,
	"deep map":                   `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"m":` + strings.Repeat(`{"M":{"a":`, 31) + `{"S":"x"}` + strings.Repeat(`}}`, 31) + `}}`,
	"deeper map":                 `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"m":` + strings.Repeat(`{"M":{"a":`, 32) + `{"S":"x"}` + strings.Repeat(`}}`, 32) + `}}`,
	"NULL with B":                `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"n":{"NULL":true,"B":""}}}`,
	"url base64":                 `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"b":{"B":"-_8="}}}`,
	"unpadded base64":            `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"b":{"B":"AA"}}}`,
	"key attribute binary":       `{"Item":{"PK":{"S":"tenant#src"},"SK":{"B":"AA=="}}}`,
	"escaped slash":              `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#a\/b"}}}`,
	"item member case":           `{"item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"}}}`,
	"type tag case":              `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"s":{"s":"x"}}}`,
	"duplicate escaped name":     `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"\u0050K":{"S":"tenant#acme-corp"}}}`,
	"two Items":                  `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"}},"Item":{"PK":{"S":"tenant#acme-corp"},"SK":{"S":"k#1"}}}`,
	"trailing data":              `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"}}} x`,
	"two lines in one":           `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"}}}{"Item":{"PK":{"S":"tenant#acme-corp"},"SK":{"S":"k#1"}}}`,
	"attribute name invalid esc": `{"Item":{"PK":{"S":"tenant#src"},"SK":{"S":"k#1"},"\udc00":{"S":"x"}}}`,
}

func TestAttackEdgeLines(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		before := atSeedNeighbours(t, b)
		n := 0
		for name, line := range atEdgeLines {
			n++
			id := fmt.Sprintf("dst%d", n)
			t.Run(name, func(t *testing.T) {
				item, _, derr := ddbjson.DecodeLine([]byte(line))
				ctx := atCtx(t, id)
				res, err := ops.Import(ctx, b, strings.NewReader(line+"\n"))
				if derr != nil {
					require.Error(t, err, "Import took a line DecodeLine refuses")
					require.Empty(t, atPartition(t, b, "tenant#"+id), "a refused import wrote")
					return
				}
				if err != nil {
					// The checking pass must have refused it, before any write.
					require.Empty(t, res.Written)
					require.Empty(t, res.NotDone, "the checking pass let through a line the backend refused: %v", err)
					require.True(t, errors.Is(err, ops.ErrBadExport) || errors.Is(err, ops.ErrForeignItem) || errors.Is(err, ops.ErrInvalidArgument), "an untyped refusal: %v", err)
					require.Empty(t, atPartition(t, b, "tenant#"+id))
					return
				}
				// The item stored is the one a direct put of the renamed
				// item stores.
				got := atPartition(t, b, "tenant#"+id)
				item["PK"] = atS("tenant#direct" + id)
				atPut(t, b, item)
				want := atPartition(t, b, "tenant#direct"+id)
				require.Equal(t, strings.ReplaceAll(want, `"tenant#direct`+id+`"`, `"tenant#`+id+`"`), got)
			})
		}
		atUnchanged(t, b, before)
	})
}

// operatorKey and key look like tenantctx's keys of the operator marker
// and the tenant, but are this package's types.
type (
	operatorKey struct{}
	key         struct{}
)

// atForged answers every key but tenantctx's "unowned" probe (found by its
// type's name) with V: a context built to slip past the check for
// contexts that answer every key.
type atForged struct {
	context.Context
	V any
}

func (c atForged) Value(k any) any {
	if fmt.Sprintf("%T", k) == "tenantctx.unowned" {
		return nil
	}
	return c.V
}

// Every operation refuses, with a typed error and nothing changed, a nil
// context, a context without a tenant (an operator's), a context whose
// tenant is forged (not a string, an ID with '#', one that answers every
// key), and the operator-scoped ones refuse a tenant's context and a
// forged marker.
func TestAttackContexts(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		before := atSeedNeighbours(t, b)
		atPut(t, b, backend.Item{"PK": atS("tenant#acme"), "SK": atS("user#1"), "email": atS("a@x")})
		before["tenant#acme"] = atPartition(t, b, "tenant#acme")
		spec := ops.TypeSpec{Prefix: "user", Indexes: []entity.Index{{Name: "byEmail", Slot: 1, PartitionAttr: "email", SortAttr: "email2"}}}
		export := atPartition(t, b, "tenant#acme")
		bg := context.Background()
		tenantErrs := []error{tenantctx.ErrNoTenant, tenantctx.ErrInvalidTenant}
		ctxs := map[string]context.Context{
			"nil":                 nil,
			"none":                bg,
			"operator":            atOperator(t),
			"not a string":        testfixture.ForgedContext{Context: bg, V: 42},
			"hash in id":          testfixture.ForgedContext{Context: bg, V: "acme#x"},
			"empty id":            testfixture.ForgedContext{Context: bg, V: ""},
			"every key":           testfixture.ForgedContext{Context: bg, V: "acme-corp", Every: true},
			"look-alike key":      context.WithValue(bg, struct{}{}, "acme-corp"),
			"look-alike operator": context.WithValue(context.WithValue(bg, operatorKey{}, "ops"), key{}, "acme"),
			"all but the probe":   atForged{Context: bg, V: "acme#"},
			"invalid UTF-8":       testfixture.ForgedContext{Context: bg, V: "acme\xff"},
			"control character":   testfixture.ForgedContext{Context: bg, V: "acme\x00"},
			"2049-byte tenant ID": testfixture.ForgedContext{Context: bg, V: strings.Repeat("a", 2049)},
		}
		for name, ctx := range ctxs {
			t.Run(name, func(t *testing.T) {
				_, err := ops.Purge(ctx, b)
				atIsOneOf(t, err, tenantErrs...)
				_, err = ops.Purge(ctx, b, ops.WithDryRun())
				atIsOneOf(t, err, tenantErrs...)
				_, err = ops.Stats(ctx, b)
				atIsOneOf(t, err, tenantErrs...)
				var buf bytes.Buffer
				_, err = ops.Export(ctx, b, &buf)
				atIsOneOf(t, err, tenantErrs...)
				require.Zero(t, buf.Len())
				_, err = ops.Import(ctx, b, strings.NewReader(export))
				atIsOneOf(t, err, tenantErrs...)
				_, err = ops.ReindexType(ctx, b, spec)
				atIsOneOf(t, err, tenantErrs...)
				_, err = ops.Copy(ctx, b, atCtx(t, "fresh"), b)
				atIsOneOf(t, err, tenantErrs...)
				_, err = ops.Copy(atCtx(t, "acme"), b, ctx, b)
				atIsOneOf(t, err, tenantErrs...)
				if name != "operator" {
					_, err = ops.Tenants(ctx, b)
					atIsOneOf(t, err, tenantctx.ErrNoOperator, tenantctx.ErrInvalidOperator)
					_, err = ops.ReindexAllType(ctx, b, spec)
					atIsOneOf(t, err, tenantctx.ErrNoOperator, tenantctx.ErrInvalidOperator)
				}
				atUnchanged(t, b, before)
				require.Empty(t, atPartition(t, b, "tenant#fresh"))
			})
		}
		t.Run("tenant then operator", func(t *testing.T) {
			for _, ctx := range []context.Context{atCtx(t, "acme"), tenantctx.MustWithTenant(atOperator(t), "acme")} {
				_, err := ops.Tenants(ctx, b)
				atIsOneOf(t, err, tenantctx.ErrNoOperator, tenantctx.ErrInvalidOperator)
				_, err = ops.ReindexAllType(ctx, b, spec)
				atIsOneOf(t, err, tenantctx.ErrNoOperator, tenantctx.ErrInvalidOperator)
			}
			_, err := tenantctx.AsOperator(atCtx(t, "acme"), "x")
			require.ErrorIs(t, err, tenantctx.ErrInvalidOperator)
			atUnchanged(t, b, before)
		})
	})
}

// atIsOneOf asserts that err wraps one of targets.
func atIsOneOf(t testing.TB, err error, targets ...error) {
	t.Helper()
	require.Error(t, err)
	for _, target := range targets {
		if errors.Is(err, target) {
			return
		}
	}
	require.Failf(t, "untyped error", "%v wraps none of %v", err, targets)
}

// What Import stores from a line at the edges of DynamoDB JSON exports as
// the same bytes from memory and from DynamoDB Local: the memory backend
// normalizes numbers and orders sets as DynamoDB does.
func TestAttackEdgeLinesSameOnBothBackends(t *testing.T) {
	local := dynamotest.NewTable(t)
	mem := memory.New()
	n := 0
	for name, line := range atEdgeLines {
		n++
		id := fmt.Sprintf("same%d", n)
		ctx := atCtx(t, id)
		_, errM := ops.Import(ctx, mem, strings.NewReader(line+"\n"))
		_, errL := ops.Import(ctx, local, strings.NewReader(line+"\n"))
		require.Equal(t, errM == nil, errL == nil, "%s: memory %v, Local %v", name, errM, errL)
		var bm, bl bytes.Buffer
		_, err := ops.Export(ctx, mem, &bm)
		require.NoError(t, err)
		_, err = ops.Export(ctx, local, &bl)
		require.NoError(t, err)
		assert.Equal(t, bl.String(), bm.String(), name)
	}
}

// Renaming grows every key naming the tenant: an item that fits under the
// source tenant but not under a longer destination ID is refused before
// anything is written, and one that just fits is written, on both
// backends alike.
func TestAttackRenameAtTheSizeLimit(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		before := atSeedNeighbours(t, b)
		src := "a"
		dst := "a-much-longer-tenant-id" // grows each renamed key by 22 bytes
		grow := len(dst) - len(src)
		mk := func(size int) string {
			it := testfixture.SizedItem(t, "tenant#"+src, "k#1", size-grow) // GSI1PK added below
			it["GSI1PK"] = atS("tenant#" + src + "#k#i#v")
			it["GSI1SK"] = atS("s")
			it["data"] = atS(it["data"].(*types.AttributeValueMemberS).Value[:len(it["data"].(*types.AttributeValueMemberS).Value)-(backend.ItemSize(it)-(size-grow))])
			require.Equal(t, size-grow, backend.ItemSize(it))
			line, err := ddbjson.AppendLine(nil, it)
			require.NoError(t, err)
			return string(line)
		}
		// Renamed, PK and GSI1PK grow: 2*grow bytes in all.
		fits := mk(backend.MaxItemBytes - grow)
		over := mk(backend.MaxItemBytes - grow + 1)
		res, err := ops.Import(atCtx(t, dst), b, strings.NewReader(over))
		require.ErrorIs(t, err, ops.ErrInvalidArgument)
		require.Empty(t, res.Written)
		require.Empty(t, atPartition(t, b, "tenant#"+dst))
		res, err = ops.Import(atCtx(t, dst), b, strings.NewReader(fits))
		require.NoError(t, err)
		require.Equal(t, []ops.LineRange{{First: 1, Last: 1}}, res.Written)
		require.Contains(t, atPartition(t, b, "tenant#"+dst), `"GSI1PK":{"S":"tenant#`+dst+`#k#i#v"}`)
		atUnchanged(t, b, before)
	})
}

// Copy between tenants of one backend whose IDs are prefixes of each
// other: each direction renames exactly the keys of the source tenant
// ("tenant#acme#..." but never "tenant#acme-corp#..."), leaves the source
// as it was, and touches no other partition; an item of the source whose
// index key names the other tenant is refused before anything is written.
func TestAttackCopyPrefixTenants(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		item := func(pk, sk string) backend.Item {
			return backend.Item{"PK": atS(pk), "SK": atS(sk), "email": atS(sk + "@x"),
				"GSI1PK": atS(pk + "#user#byEmail#" + sk), "GSI1SK": atS("1"),
				"GSI2PK": atS(pk), "GSI2SK": atS(sk), "GSI3PK": atS("global#" + pk), "GSI3SK": atS("x")}
		}
		atPut(t, b, item("tenant#acme", "user#1"), item("tenant#acme", "user#2"))
		others := []string{"tenant#acm", "tenant#acme2", "tenant#Acme", "tenant#acme#x", "tenantacme"}
		for _, pk := range others {
			atPut(t, b, item(pk, "user#9"))
		}
		before := atSnapshot(t, b, others...)
		src := atPartition(t, b, "tenant#acme")

		_, err := ops.Copy(atCtx(t, "acme"), b, atCtx(t, "acme-corp"), b)
		require.NoError(t, err)
		got := atPartition(t, b, "tenant#acme-corp")
		require.Equal(t, strings.ReplaceAll(strings.ReplaceAll(src, `"tenant#acme"`, `"tenant#acme-corp"`), `"tenant#acme#`, `"tenant#acme-corp#`), got)
		require.Equal(t, src, atPartition(t, b, "tenant#acme"), "the source changed")

		// And back, onto a partition that holds the same items: a no-op.
		_, err = ops.Copy(atCtx(t, "acme-corp"), b, atCtx(t, "acme"), b)
		require.NoError(t, err)
		require.Equal(t, src, atPartition(t, b, "tenant#acme"))
		require.Equal(t, got, atPartition(t, b, "tenant#acme-corp"))

		// An item of acme whose index key names acme-corp: refused, both ways.
		bad := item("tenant#acme", "user#3")
		bad["GSI1PK"] = atS("tenant#acme-corp#user#byEmail#x")
		atPut(t, b, bad)
		for _, dst := range []string{"fresh", "acme-corp"} {
			before := atPartition(t, b, "tenant#"+dst)
			_, err = ops.Copy(atCtx(t, "acme"), b, atCtx(t, dst), b)
			require.ErrorIs(t, err, ops.ErrForeignItem)
			require.Equal(t, before, atPartition(t, b, "tenant#"+dst), "a refused copy wrote")
		}
		atUnchanged(t, b, before)
	})
}

// Reindex verdicts on hostile item values, alike on both backends: an
// index key naming another tenant is replaced by the tenant's own; a
// source attribute that is NULL, empty or missing removes the keys; a
// number, a list, or a value too long for a key fails the item and leaves
// it as it was.
func TestAttackReindexHostileValues(t *testing.T) {
	spec := ops.TypeSpec{Prefix: "user", Indexes: []entity.Index{{Name: "byEmail", Slot: 1, PartitionAttr: "email", SortAttr: "name"}}}
	stale := func(it backend.Item) backend.Item {
		it["PK"], it["GSI1PK"], it["GSI1SK"] = atS("tenant#acme"), atS("tenant#acme-corp#user#byEmail#x"), atS("stale")
		return it
	}
	cases := map[string]struct {
		item backend.Item
		want string // "fix", "remove", "fail"
	}{
		"foreign index key": {stale(backend.Item{"SK": atS("user#a"), "email": atS("a#b"), "name": atS("n")}), "fix"},
		"NULL source":       {stale(backend.Item{"SK": atS("user#b"), "email": &types.AttributeValueMemberNULL{Value: true}, "name": atS("n")}), "remove"},
		"empty source":      {stale(backend.Item{"SK": atS("user#c"), "email": atS(""), "name": atS("n")}), "remove"},
		"missing source":    {stale(backend.Item{"SK": atS("user#d"), "name": atS("n")}), "remove"},
		"number source":     {stale(backend.Item{"SK": atS("user#e"), "email": &types.AttributeValueMemberN{Value: "1"}, "name": atS("n")}), "fail"},
		"list source":       {stale(backend.Item{"SK": atS("user#f"), "email": &types.AttributeValueMemberL{Value: []types.AttributeValue{atS("a")}}, "name": atS("n")}), "fail"},
		"key too long":      {stale(backend.Item{"SK": atS("user#g"), "email": atS(strings.Repeat("e", 2048-len("tenant#acme#user#byEmail#")+1)), "name": atS("n")}), "fail"},
		"key just fits":     {stale(backend.Item{"SK": atS("user#h"), "email": atS(strings.Repeat("e", 2048-len("tenant#acme#user#byEmail#"))), "name": atS("n")}), "fix"},
		"sort key too long": {stale(backend.Item{"SK": atS("user#i"), "email": atS("a"), "name": atS(strings.Repeat("n", 1025))}), "fail"},
		"id with separator": {stale(backend.Item{"SK": atS("user#j#k"), "email": atS("a"), "name": atS("n")}), "fail"},
	}
	atEach(t, func(t *testing.T, b backend.Backend) {
		before := atSeedNeighbours(t, b)
		for _, c := range cases {
			atPut(t, b, c.item)
		}
		res, err := ops.ReindexType(atCtx(t, "acme"), b, spec)
		require.NoError(t, err)
		var fails int64
		for name, c := range cases {
			sk := c.item["SK"].(*types.AttributeValueMemberS).Value
			out, err := b.Get(context.Background(), backend.GetInput{Key: backend.Key{PK: "tenant#acme", SK: sk}, ConsistentRead: true})
			require.NoError(t, err, name)
			got := out
			switch c.want {
			case "fix":
				email := c.item["email"].(*types.AttributeValueMemberS).Value
				assert.Equal(t, atS("tenant#acme#user#byEmail#"+email), got["GSI1PK"], name)
				assert.Equal(t, c.item["name"], got["GSI1SK"], name)
			case "remove":
				assert.NotContains(t, got, "GSI1PK", name)
				assert.NotContains(t, got, "GSI1SK", name)
			case "fail":
				fails++
				assert.Equal(t, c.item, got, name)
			}
		}
		assert.Equal(t, fails, res.Failed, "%+v", res)
		assert.Equal(t, int64(len(cases))-fails, res.Done, "%+v", res)
		atUnchanged(t, b, before)
	})
}

// The operations report the same on memory and on DynamoDB Local for the
// same data, pages cut at 1 MB included: stats, a purge's dry run, an
// export's manifest (but its time), a reindex's counts, and the tenant
// list.
func TestAttackSameResultsOnBothBackends(t *testing.T) {
	local := dynamotest.NewTable(t)
	mem := memory.New()
	var items []backend.Item
	for i := range 40 {
		it := testfixture.SizedItem(t, "tenant#acme", fmt.Sprintf("user#%03d", i), 1000+i*997%120_000)
		if i%3 == 0 {
			it["email"] = atS(fmt.Sprintf("u%d@x", i))
			it["name"] = atS("n")
		}
		if i%5 == 0 {
			it["GSI1PK"], it["GSI1SK"] = atS("tenant#acme-corp#user#byEmail#x"), atS("stale")
		}
		items = append(items, it)
	}
	items = append(items, backend.Item{"PK": atS("tenant#acme"), "SK": atS("nosep")}, backend.Item{"PK": atS("tenant#acme"), "SK": atS("evt#1"), "n": &types.AttributeValueMemberN{Value: "-0.5e-3"}})
	atPut(t, local, items...)
	atPut(t, mem, items...)
	atSeedNeighbours(t, local)
	atSeedNeighbours(t, mem)
	ctx := atCtx(t, "acme")
	run := func(b backend.Backend) []any {
		var out []any
		st, err := ops.Stats(ctx, b, func(o *ops.Options) { o.PageSize = 7 })
		require.NoError(t, err)
		out = append(out, st)
		pr, err := ops.Purge(ctx, b, ops.WithDryRun())
		require.NoError(t, err)
		out = append(out, pr)
		var buf bytes.Buffer
		m, err := ops.Export(ctx, b, &buf)
		require.NoError(t, err)
		m.ExportTime = time.Time{}
		out = append(out, m, buf.String())
		spec := ops.TypeSpec{Prefix: "user", Indexes: []entity.Index{{Name: "byEmail", Slot: 1, PartitionAttr: "email", SortAttr: "name"}}}
		rr, err := ops.ReindexType(ctx, b, spec, func(o *ops.Options) { o.PageSize = 3 })
		require.NoError(t, err)
		out = append(out, rr, atPartition(t, b, "tenant#acme"))
		tp, err := ops.Tenants(atOperator(t), b)
		require.NoError(t, err)
		out = append(out, tp)
		return out
	}
	got, want := run(mem), run(local)
	for i := range want {
		assert.Equal(t, want[i], got[i], "result %d", i)
	}
}

// The longest tenant IDs (a partition key of exactly 2048 bytes, in ASCII
// and in 4-byte characters) work through every operation on both
// backends, and so does a rename between the shortest and the longest.
func TestAttackLongestTenantIDs(t *testing.T) {
	ids := []string{
		strings.Repeat("a", entity.MaxTenantIDBytes),
		strings.Repeat("\U0001F600", entity.MaxTenantIDBytes/4) + strings.Repeat("b", entity.MaxTenantIDBytes%4),
	}
	atEach(t, func(t *testing.T, b backend.Backend) {
		before := atSeedNeighbours(t, b)
		for i, id := range ids {
			require.NoError(t, entity.ValidateTenantID(id))
			pk := "tenant#" + id
			require.Len(t, pk, entity.MaxPartitionKeyBytes)
			atPut(t, b,
				backend.Item{"PK": atS(pk), "SK": atS("user#1"), "email": atS("a"), "name": atS("n")},
				backend.Item{"PK": atS(pk), "SK": atS("user#2"), "GSI2PK": atS(pk), "GSI2SK": atS("x")},
			)
			ctx := atCtx(t, id)
			st, err := ops.Stats(ctx, b)
			require.NoError(t, err)
			require.Equal(t, int64(2), st.Items)
			rr, err := ops.ReindexType(ctx, b, ops.TypeSpec{Prefix: "user", Indexes: []entity.Index{{Name: "e", Slot: 1, PartitionAttr: "email", SortAttr: "name"}}})
			require.NoError(t, err)
			require.Equal(t, int64(1), rr.Failed, "the index key would be over 2048 bytes: %+v", rr)
			var buf bytes.Buffer
			_, err = ops.Export(ctx, b, &buf)
			require.NoError(t, err)
			short := fmt.Sprintf("s%d", i)
			res, err := ops.Import(atCtx(t, short), b, bytes.NewReader(buf.Bytes()))
			require.NoError(t, err, "%+v", res)
			require.Contains(t, atPartition(t, b, "tenant#"+short), `"GSI2PK":{"S":"tenant#`+short+`"}`)
			// And back from the short ID to the longest, over the items.
			var back bytes.Buffer
			_, err = ops.Export(atCtx(t, short), b, &back)
			require.NoError(t, err)
			_, err = ops.Import(ctx, b, bytes.NewReader(back.Bytes()))
			require.NoError(t, err)
			_, err = ops.Copy(ctx, b, atCtx(t, "c"+short), b)
			require.NoError(t, err)
			pr, err := ops.Purge(ctx, b)
			require.NoError(t, err)
			require.Equal(t, int64(2), pr.Done)
			require.Empty(t, atPartition(t, b, pk))
		}
		atUnchanged(t, b, before)
	})
}

// ReindexAll over near-collision tenants whose items hold index keys
// naming each other: each item gets its own tenant's keys, and partitions
// that are no tenant's ("tenant#acme#x", "tenantacme") are left alone.
func TestAttackReindexAllCrossedKeys(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		pks := []string{"tenant#acme", "tenant#acme-corp", "tenant#acm", "tenant#acme#x", "tenantacme", "Tenant#acme"}
		for i, pk := range pks {
			other := pks[(i+1)%len(pks)]
			atPut(t, b, backend.Item{"PK": atS(pk), "SK": atS("user#1"), "email": atS("e"), "name": atS("n"),
				"GSI1PK": atS(other + "#user#byEmail#e"), "GSI1SK": atS("n")})
		}
		raw := atSnapshot(t, b, "tenant#acme#x", "tenantacme", "Tenant#acme")
		spec := ops.TypeSpec{Prefix: "user", Indexes: []entity.Index{{Name: "byEmail", Slot: 1, PartitionAttr: "email", SortAttr: "name"}}}
		res, err := ops.ReindexAllType(atOperator(t), b, spec, ops.WithSegments(3))
		require.NoError(t, err)
		require.Equal(t, int64(3), res.Done, "%+v", res)
		for _, pk := range pks[:3] {
			require.Contains(t, atPartition(t, b, pk), `"GSI1PK":{"S":"`+pk+`#user#byEmail#e"}`, pk)
		}
		atUnchanged(t, b, raw)
	})
}
