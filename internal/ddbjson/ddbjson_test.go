package ddbjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tenantrepo/tenantrepo/backend"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func TestAppendLineFormat(t *testing.T) {
	item := backend.Item{
		"SK":   s("user#1"),
		"PK":   s("tenant#a"),
		"b":    &types.AttributeValueMemberB{Value: []byte("hi?")},
		"e":    &types.AttributeValueMemberB{Value: []byte{}},
		"t":    &types.AttributeValueMemberBOOL{Value: true},
		"f":    &types.AttributeValueMemberBOOL{Value: false},
		"z":    &types.AttributeValueMemberNULL{Value: true},
		"n":    n("-1.5"),
		"ss":   &types.AttributeValueMemberSS{Value: []string{"b", "a", "B"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"10", "9", "-1", "0.5"}},
		"bs":   &types.AttributeValueMemberBS{Value: [][]byte{{2}, {1, 0}, {1}}},
		"m":    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"y": n("1"), "x": s("<&>")}},
		"l":    &types.AttributeValueMemberL{Value: []types.AttributeValue{s("q\"\\\n\x01\u2028"), &types.AttributeValueMemberL{Value: []types.AttributeValue{}}}},
		"é":    s("ü"),
		"Zcap": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
	}
	got, err := AppendLine(nil, item)
	require.NoError(t, err)
	want := `{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"user#1"},"Zcap":{"M":{}},"b":{"B":"aGk/"},"bs":{"BS":["AQ==","AQA=","Ag=="]},"e":{"B":""},` +
		`"f":{"BOOL":false},"l":{"L":[{"S":"q\"\\\n\u0001` + "\u2028" + `"},{"L":[]}]},"m":{"M":{"x":{"S":"<&>"},"y":{"N":"1"}}},` +
		`"n":{"N":"-1.5"},"ns":{"NS":["-1","0.5","9","10"]},"ss":{"SS":["B","a","b"]},"t":{"BOOL":true},"z":{"NULL":true},"é":{"S":"ü"}}}` + "\n"
	require.Equal(t, want, string(got))
	// Standard JSON readers read it.
	var v map[string]any
	require.NoError(t, json.Unmarshal(got, &v))
	// The item's own sets are left as they were.
	require.Equal(t, []string{"b", "a", "B"}, item["ss"].(*types.AttributeValueMemberSS).Value)

	back, size, err := DecodeLine(got)
	require.NoError(t, err)
	require.Equal(t, backend.ItemSize(back), size)
	again, err := AppendLine(nil, back)
	require.NoError(t, err)
	require.Equal(t, string(got), string(again))
}

func TestAppendLineRefuses(t *testing.T) {
	for name, v := range map[string]types.AttributeValue{
		"nil":        nil,
		"unknown":    &types.UnknownUnionMember{Tag: "X"},
		"bad utf8":   s("\xff"),
		"nil binary": &types.AttributeValueMemberB{},
		"null false": &types.AttributeValueMemberNULL{},
		"empty SS":   &types.AttributeValueMemberSS{},
		"empty NS":   &types.AttributeValueMemberNS{},
		"empty BS":   &types.AttributeValueMemberBS{},
		"nil in BS":  &types.AttributeValueMemberBS{Value: [][]byte{nil}},
		"deep nil":   &types.AttributeValueMemberL{Value: []types.AttributeValue{nil}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := AppendLine(nil, backend.Item{"PK": s("p"), "SK": s("s"), "a": v})
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
	_, err := AppendLine(nil, backend.Item{"PK": s("p"), "SK": s("s"), "\xff": s("x")})
	require.ErrorIs(t, err, ErrInvalid)
}

func TestDecodeLineAcceptsSpacing(t *testing.T) {
	line := " { \"Item\" : {\"PK\": {\"S\": \"p\"} ,\n\t\"SK\":{ \"S\":\"s\\u00e9\\ud83d\\ude00\\/\" }, \"l\": {\"L\": [ ] } } }\r"
	item, _, err := DecodeLine([]byte(line))
	require.NoError(t, err)
	require.Equal(t, "sé😀/", item["SK"].(*types.AttributeValueMemberS).Value)
	require.Empty(t, item["l"].(*types.AttributeValueMemberL).Value)
}

func TestDecodeLineRefuses(t *testing.T) {
	const keys = `"PK":{"S":"p"},"SK":{"S":"s"}`
	big := strings.Repeat("x", backend.MaxItemBytes)
	deep := strings.Repeat(`{"L":[`, 40) + `{"S":"x"}` + strings.Repeat(`]}`, 40)
	for name, line := range map[string]string{
		"empty":           ``,
		"not JSON":        `hello`,
		"array":           `[]`,
		"no Item":         `{"Items":{` + keys + `}}`,
		"extra member":    `{"Item":{` + keys + `},"x":1}`,
		"trailing":        `{"Item":{` + keys + `}} {}`,
		"unknown tag":     `{"Item":{` + keys + `,"a":{"X":"1"}}}`,
		"lower tag":       `{"Item":{` + keys + `,"a":{"s":"1"}}}`,
		"two tags":        `{"Item":{` + keys + `,"a":{"S":"1","N":"1"}}}`,
		"no tag":          `{"Item":{` + keys + `,"a":{}}}`,
		"number number":   `{"Item":{` + keys + `,"a":{"N":1}}}`,
		"bad number":      `{"Item":{` + keys + `,"a":{"N":"1x"}}}`,
		"NaN":             `{"Item":{` + keys + `,"a":{"N":"NaN"}}}`,
		"string bool":     `{"Item":{` + keys + `,"a":{"BOOL":"true"}}}`,
		"null false":      `{"Item":{` + keys + `,"a":{"NULL":false}}}`,
		"json null":       `{"Item":{` + keys + `,"a":null}}`,
		"bad base64":      `{"Item":{` + keys + `,"a":{"B":"a!=="}}}`,
		"unpadded base64": `{"Item":{` + keys + `,"a":{"B":"aGk"}}}`,
		"url base64":      `{"Item":{` + keys + `,"a":{"B":"_-8="}}}`,
		"empty SS":        `{"Item":{` + keys + `,"a":{"SS":[]}}}`,
		"empty NS":        `{"Item":{` + keys + `,"a":{"NS":[]}}}`,
		"empty BS":        `{"Item":{` + keys + `,"a":{"BS":[]}}}`,
		"dup SS":          `{"Item":{` + keys + `,"a":{"SS":["x","x"]}}}`,
		"dup NS":          `{"Item":{` + keys + `,"a":{"NS":["1","1.0"]}}}`,
		"number in SS":    `{"Item":{` + keys + `,"a":{"SS":[1]}}}`,
		"bad utf8":        `{"Item":{` + keys + `,"a":{"S":"` + "\xff" + `"}}}`,
		"bad utf8 name":   `{"Item":{` + keys + `,"` + "\xc3" + `":{"S":"x"}}}`,
		"lone surrogate":  `{"Item":{` + keys + `,"a":{"S":"\ud800"}}}`,
		"low surrogate":   `{"Item":{` + keys + `,"a":{"S":"\udc00\udc00"}}}`,
		"raw control":     `{"Item":{` + keys + `,"a":{"S":"` + "\x01" + `"}}}`,
		"bad escape":      `{"Item":{` + keys + `,"a":{"S":"\x"}}}`,
		"dup attribute":   `{"Item":{` + keys + `,"a":{"S":"1"},"a":{"S":"2"}}}`,
		"dup map key":     `{"Item":{` + keys + `,"a":{"M":{"k":{"S":"1"},"k":{"S":"1"}}}}}`,
		"empty name":      `{"Item":{` + keys + `,"":{"S":"1"}}}`,
		"no PK":           `{"Item":{"SK":{"S":"s"}}}`,
		"no SK":           `{"Item":{"PK":{"S":"p"}}}`,
		"number PK":       `{"Item":{"PK":{"N":"1"},"SK":{"S":"s"}}}`,
		"empty SK":        `{"Item":{"PK":{"S":"p"},"SK":{"S":""}}}`,
		"too deep":        `{"Item":{` + keys + `,"a":` + deep + `}}`,
		"too large":       `{"Item":{` + keys + `,"a":{"S":"` + big + `"}}}`,
		"unterminated":    `{"Item":{` + keys + `,"a":{"S":"abc`,
		"cut":             `{"Item":{` + keys,
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := DecodeLine([]byte(line))
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
}

// genName draws attribute names and map keys: short, sometimes not ASCII.
func genName() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"a", "b", "data", "GSI1PK", "é", "x.y", "\"q\"", "<tag>", "\\", "\n"}),
		rapid.StringN(1, 8, 24),
	)
}

func genNumber() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.Custom(func(t *rapid.T) string { return fmt.Sprint(rapid.Int64().Draw(t, "i")) }),
		rapid.Custom(func(t *rapid.T) string {
			return fmt.Sprintf("%d.%d", rapid.IntRange(-1000, 1000).Draw(t, "w"), rapid.IntRange(1, 999).Draw(t, "f"))
		}),
		rapid.SampledFrom([]string{"0", "1E+3", "-0.001", "12345678901234567890123456789012345678", "1e-130"}),
	)
}

func genValue(depth int) *rapid.Generator[types.AttributeValue] {
	gens := []*rapid.Generator[types.AttributeValue]{
		rapid.Custom(func(t *rapid.T) types.AttributeValue {
			return s(rapid.String().Draw(t, "s"))
		}),
		rapid.Custom(func(t *rapid.T) types.AttributeValue { return n(genNumber().Draw(t, "n")) }),
		rapid.Custom(func(t *rapid.T) types.AttributeValue {
			return &types.AttributeValueMemberB{Value: rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "b")}
		}),
		rapid.Custom(func(t *rapid.T) types.AttributeValue {
			return &types.AttributeValueMemberBOOL{Value: rapid.Bool().Draw(t, "bool")}
		}),
		rapid.Just[types.AttributeValue](&types.AttributeValueMemberNULL{Value: true}),
		rapid.Custom(func(t *rapid.T) types.AttributeValue {
			return &types.AttributeValueMemberSS{Value: rapid.SliceOfNDistinct(rapid.String(), 1, 6, rapid.ID[string]).Draw(t, "ss")}
		}),
		rapid.Custom(func(t *rapid.T) types.AttributeValue {
			ns := rapid.SliceOfNDistinct(rapid.Int64(), 1, 6, rapid.ID[int64]).Draw(t, "ns")
			out := make([]string, len(ns))
			for i, v := range ns {
				out[i] = fmt.Sprint(v)
			}
			return &types.AttributeValueMemberNS{Value: out}
		}),
		rapid.Custom(func(t *rapid.T) types.AttributeValue {
			bs := rapid.SliceOfNDistinct(rapid.SliceOfN(rapid.Byte(), 0, 8), 1, 5, func(b []byte) string { return string(b) }).Draw(t, "bs")
			for i := range bs {
				if bs[i] == nil {
					bs[i] = []byte{}
				}
			}
			return &types.AttributeValueMemberBS{Value: bs}
		}),
	}
	if depth < 3 {
		gens = append(gens,
			rapid.Custom(func(t *rapid.T) types.AttributeValue {
				return &types.AttributeValueMemberL{Value: rapid.SliceOfN(genValue(depth+1), 0, 4).Draw(t, "l")}
			}),
			rapid.Custom(func(t *rapid.T) types.AttributeValue {
				return &types.AttributeValueMemberM{Value: rapid.MapOfN(genName(), genValue(depth+1), 0, 4).Draw(t, "m")}
			}),
		)
	}
	return rapid.OneOf(gens...)
}

func genItem() *rapid.Generator[backend.Item] {
	return rapid.Custom(func(t *rapid.T) backend.Item {
		item := rapid.MapOfN(genName(), genValue(0), 0, 8).Draw(t, "attrs")
		item["PK"] = s("tenant#" + rapid.StringMatching(`[a-z0-9-]{1,12}`).Draw(t, "tenant"))
		item["SK"] = s(rapid.StringN(1, 20, 100).Draw(t, "sk"))
		return item
	})
}

// TestRoundTrip: decoding what AppendLine wrote gives the item back (sets
// as sets: in the sorted order), and writing it again gives the same bytes.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		item := genItem().Draw(t, "item")
		line, err := AppendLine(nil, item)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
			t.Fatalf("not one line: %q", line)
		}
		back, size, err := DecodeLine(line)
		if err != nil {
			t.Fatalf("decode of %s: %v", line, err)
		}
		if size != backend.ItemSize(item) {
			t.Fatalf("size %d, want %d", size, backend.ItemSize(item))
		}
		if !equalItems(item, back) {
			t.Fatalf("round trip changed the item:\n%s", line)
		}
		again, err := AppendLine(nil, back)
		if err != nil || !bytes.Equal(line, again) {
			t.Fatalf("encode not stable: %v\n%s\n%s", err, line, again)
		}
		// Shuffled sets give the same bytes.
		shuffled, err := AppendLine(nil, shuffle(item))
		if err != nil || !bytes.Equal(line, shuffled) {
			t.Fatalf("set order changed the bytes: %v\n%s\n%s", err, line, shuffled)
		}
		// Standard JSON readers read it.
		var v map[string]any
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
	})
}

// equalItems compares items, sets as sets.
func equalItems(a, b backend.Item) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !equalValues(v, w) {
			return false
		}
	}
	return true
}

func equalValues(a, b types.AttributeValue) bool {
	switch a := a.(type) {
	case *types.AttributeValueMemberS:
		b, ok := b.(*types.AttributeValueMemberS)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberN:
		b, ok := b.(*types.AttributeValueMemberN)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberB:
		b, ok := b.(*types.AttributeValueMemberB)
		return ok && bytes.Equal(a.Value, b.Value) && b.Value != nil
	case *types.AttributeValueMemberBOOL:
		b, ok := b.(*types.AttributeValueMemberBOOL)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberNULL:
		b, ok := b.(*types.AttributeValueMemberNULL)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberSS:
		b, ok := b.(*types.AttributeValueMemberSS)
		return ok && sameSet(a.Value, b.Value, func(s string) string { return s })
	case *types.AttributeValueMemberNS:
		b, ok := b.(*types.AttributeValueMemberNS)
		return ok && sameSet(a.Value, b.Value, func(s string) string { return s })
	case *types.AttributeValueMemberBS:
		b, ok := b.(*types.AttributeValueMemberBS)
		return ok && sameSet(a.Value, b.Value, func(s []byte) string { return string(s) })
	case *types.AttributeValueMemberL:
		b, ok := b.(*types.AttributeValueMemberL)
		if !ok || len(a.Value) != len(b.Value) {
			return false
		}
		for i := range a.Value {
			if !equalValues(a.Value[i], b.Value[i]) {
				return false
			}
		}
		return true
	case *types.AttributeValueMemberM:
		b, ok := b.(*types.AttributeValueMemberM)
		return ok && equalItems(a.Value, b.Value)
	}
	return false
}

func sameSet[E any](a, b []E, key func(E) string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, e := range a {
		seen[key(e)]++
	}
	for _, e := range b {
		if seen[key(e)] == 0 {
			return false
		}
		seen[key(e)]--
	}
	return true
}

// shuffle returns item with its top-level sets in another order.
func shuffle(item backend.Item) backend.Item {
	out := backend.Item{}
	for k, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberSS:
			c := append([]string(nil), v.Value...)
			rand.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
			out[k] = &types.AttributeValueMemberSS{Value: c}
		case *types.AttributeValueMemberNS:
			c := append([]string(nil), v.Value...)
			rand.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
			out[k] = &types.AttributeValueMemberNS{Value: c}
		case *types.AttributeValueMemberBS:
			c := append([][]byte(nil), v.Value...)
			rand.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
			out[k] = &types.AttributeValueMemberBS{Value: c}
		default:
			out[k] = v
		}
	}
	return out
}

// FuzzDecodeLine: DecodeLine never panics; what it accepts, AppendLine
// writes, and that decodes to the same line again.
func FuzzDecodeLine(f *testing.F) {
	f.Add([]byte(`{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"x#1"},"m":{"M":{"l":{"L":[{"NS":["1","2"]},{"BS":["AA=="]}]}}}}}`))
	f.Add([]byte(`{"Item":{"PK":{"S":"p"},"SK":{"S":"s"},"a":{"S":"\u00e9\ud83d\ude00"}}}`))
	f.Add([]byte(`{"Item":{"PK":{"S":"p"},"SK":{"S":"s"},"a":{"N":"1e3"},"b":{"NULL":true},"c":{"BOOL":false}}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		item, _, err := DecodeLine(line)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		out, err := AppendLine(nil, item)
		if err != nil {
			t.Fatalf("encode of an accepted item: %v", err)
		}
		back, _, err := DecodeLine(out)
		if err != nil {
			t.Fatalf("decode of %s: %v", out, err)
		}
		again, err := AppendLine(nil, back)
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("not stable: %v\n%s\n%s", err, out, again)
		}
	})
}
