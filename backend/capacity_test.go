package backend_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// sized returns an item of exactly size bytes (ItemSize), with GSI1 keys
// gpk/"s" when gpk is not empty.
func sized(t *testing.T, sk string, size int, gpk string) backend.Item {
	t.Helper()
	item := backend.Item{
		"PK": &types.AttributeValueMemberS{Value: "p"},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
	if gpk != "" {
		item["GSI1PK"] = &types.AttributeValueMemberS{Value: gpk}
		item["GSI1SK"] = &types.AttributeValueMemberS{Value: "s"}
	}
	pad := size - backend.ItemSize(item) - 1
	if pad < 0 {
		t.Fatalf("size %d too small", size)
	}
	item["d"] = &types.AttributeValueMemberS{Value: strings.Repeat("x", pad)}
	if got := backend.ItemSize(item); got != size {
		t.Fatalf("item size %d, want %d", got, size)
	}
	return item
}

func TestUnits(t *testing.T) {
	for _, c := range []struct {
		size              int
		w, re, rc, get, k float64
	}{
		{0, 1, 0, 0, 0.5, 2},
		{1, 1, 0.5, 1, 0.5, 2},
		{1024, 1, 0.5, 1, 0.5, 2},
		{1025, 2, 0.5, 1, 0.5, 2},
		{4096, 4, 0.5, 1, 0.5, 2},
		{4097, 5, 1, 2, 1, 4},
		{9000, 9, 1.5, 3, 1.5, 6},
		{400 * 1024, 400, 50, 100, 50, 200},
	} {
		if got := backend.WriteUnits(c.size); got != c.w {
			t.Errorf("WriteUnits(%d) = %v, want %v", c.size, got, c.w)
		}
		if got := backend.ReadUnits(c.size, false); got != c.re {
			t.Errorf("ReadUnits(%d, eventual) = %v, want %v", c.size, got, c.re)
		}
		if got := backend.ReadUnits(c.size, true); got != c.rc {
			t.Errorf("ReadUnits(%d, consistent) = %v, want %v", c.size, got, c.rc)
		}
		if got := backend.GetUnits(c.size, false); got != c.get {
			t.Errorf("GetUnits(%d, eventual) = %v, want %v", c.size, got, c.get)
		}
		if got := backend.CheckUnits(c.size); got != c.k {
			t.Errorf("CheckUnits(%d) = %v, want %v", c.size, got, c.k)
		}
	}
}

// TestWriteCapacityProbed checks WriteCapacity against the figures DynamoDB
// Local 3.3.0 reported for the same writes (BRIEF14 and the probes of this
// change).
func TestWriteCapacityProbed(t *testing.T) {
	all := backend.AllIndexes
	w := backend.SizedItem
	big := sized(t, "a", 1536, "g1")
	bigAgain := backend.CopyItem(big)
	smallMoved := sized(t, "a", 600, "g2")
	shrunk := sized(t, "a", 700, "g1")
	smallIn := sized(t, "b", 300, "g1")
	k1025 := sized(t, "c", 1026, "g1")
	k1025out := backend.CopyItem(k1025)
	delete(k1025out, "GSI1PK")
	k1024 := sized(t, "d", 1024, "")
	k1024in := backend.CopyItem(k1024)
	k1024in["GSI1PK"] = &types.AttributeValueMemberS{Value: "z"}
	k1024in["GSI1SK"] = &types.AttributeValueMemberS{Value: "z"}
	tiny := sized(t, "n1", 40, "gq")
	tinyMoved := backend.CopyItem(tiny)
	tinyMoved["GSI1PK"] = &types.AttributeValueMemberS{Value: "other"}
	num1 := backend.Item{"PK": &types.AttributeValueMemberS{Value: "p"}, "SK": &types.AttributeValueMemberS{Value: "n"},
		"GSI1PK": &types.AttributeValueMemberS{Value: "a"}, "GSI1SK": &types.AttributeValueMemberS{Value: "b"},
		"n": &types.AttributeValueMemberN{Value: "1.0"}, "s": &types.AttributeValueMemberSS{Value: []string{"x", "y"}}}
	num2 := backend.CopyItem(num1)
	num2["n"] = &types.AttributeValueMemberN{Value: "1"}
	num2["s"] = &types.AttributeValueMemberSS{Value: []string{"y", "x"}}

	for _, c := range []struct {
		name       string
		old, new   backend.Item
		tx         bool
		table, gsi float64
	}{
		{"put new 1.5 KB in GSI1", nil, big, false, 2, 2},
		{"put identical again", big, bigAgain, false, 2, 0},
		{"put smaller, GSI1PK changed", big, smallMoved, false, 2, 3},
		{"update shrinking, same index keys", big, shrunk, false, 2, 2},
		{"delete small item in GSI1", smallIn, nil, false, 1, 1},
		{"delete missing item", nil, nil, false, 1, 0},
		{"update removing GSI1PK of 1026 B", k1025, k1025out, false, 2, 2},
		{"update adding index keys to 1024 B", k1024, k1024in, false, 2, 2},
		{"tx put new tiny item in GSI1", nil, tiny, true, 2, 2},
		{"tx update moving GSI1 key", tiny, tinyMoved, true, 2, 4},
		{"tx put unchanged 1.5 KB", big, bigAgain, true, 4, 0},
		{"numbers and sets equal by value", num1, num2, false, 1, 0},
	} {
		got := backend.WriteCapacity(w(c.old), w(c.new), all, c.tx)
		want := backend.Capacity{Table: backend.Units{Write: c.table}}
		want.Indexes[0].Write = c.gsi
		if got != want {
			t.Errorf("%s: %+v, want %+v", c.name, got, want)
		}
	}
	// A table without the slot: no index charge.
	if got := backend.WriteCapacity(backend.Written{}, w(big), backend.IndexSet(0), false); got.Indexes[0].Write != 0 {
		t.Errorf("no index slot: %+v", got)
	}
}

func TestFailedWriteCapacity(t *testing.T) {
	if got := backend.FailedWriteCapacity(backend.Written{}, false); got.Total() != (backend.Units{Write: 1}) || got.Table.Write != 1 {
		t.Errorf("missing: %+v", got)
	}
	big := sized(t, "a", 2500, "g")
	if got := backend.FailedWriteCapacity(backend.SizedItem(big), false); got.Total() != (backend.Units{Write: 3}) {
		t.Errorf("2500 B: %+v", got)
	}
	if got := backend.FailedWriteCapacity(backend.SizedItem(big), true); got.Total() != (backend.Units{Write: 6}) {
		t.Errorf("2500 B in tx: %+v", got)
	}
}

func TestValuesEqual(t *testing.T) {
	S := func(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
	N := func(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }
	for _, c := range []struct {
		a, b types.AttributeValue
		eq   bool
	}{
		{S("é"), S("é"), true},
		{S("a"), N("1"), false},
		{N("100"), N("1E2"), true},
		{&types.AttributeValueMemberNS{Value: []string{"1", "2.0"}}, &types.AttributeValueMemberNS{Value: []string{"2", "1"}}, true},
		{&types.AttributeValueMemberL{Value: []types.AttributeValue{S("a"), S("b")}}, &types.AttributeValueMemberL{Value: []types.AttributeValue{S("b"), S("a")}}, false},
		{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"x": N("1")}}, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"x": N("1.00")}}, true},
		{&types.AttributeValueMemberBS{Value: [][]byte{{1}, {2}}}, &types.AttributeValueMemberBS{Value: [][]byte{{2}, {1}}}, true},
		{&types.AttributeValueMemberBOOL{Value: true}, &types.AttributeValueMemberBOOL{Value: false}, false},
		{&types.AttributeValueMemberNULL{Value: true}, &types.AttributeValueMemberNULL{Value: true}, true},
	} {
		if got := backend.ValuesEqual(c.a, c.b); got != c.eq {
			t.Errorf("ValuesEqual(%#v, %#v) = %v", c.a, c.b, got)
		}
	}
}

// TestWithoutMeter: a charge to a context made by WithoutMeter reaches none
// of the Meters of the context it was made from, and a Meter made inside it
// is charged as usual.
func TestWithoutMeter(t *testing.T) {
	WithMeter, WithoutMeter, Charge, Metered := backend.WithMeter, backend.WithoutMeter, backend.Charge, backend.Metered
	ctx, outer := WithMeter(context.Background())
	free := WithoutMeter(ctx)
	Charge(free, backend.Usage{Requests: 1})
	if got := outer.Usage(); got.Requests != 0 {
		t.Fatalf("outer meter charged through WithoutMeter: %+v", got)
	}
	if Metered(free) {
		t.Fatal("Metered(WithoutMeter(ctx)) = true")
	}
	inner, m := WithMeter(free)
	Charge(inner, backend.Usage{Requests: 2})
	if m.Usage().Requests != 2 || outer.Usage().Requests != 0 {
		t.Fatalf("inner %+v outer %+v", m.Usage(), outer.Usage())
	}
	bare := context.Background()
	if WithoutMeter(bare) != bare {
		t.Fatal("WithoutMeter of a context without a Meter is not that context")
	}
}
