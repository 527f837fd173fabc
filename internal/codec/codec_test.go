package codec

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

type namedString string

// codecAll has a field of every kind and tag option the codec takes.
type codecAll struct {
	S       string        `dynamodbav:"s"`
	SO      string        `dynamodbav:"so,omitempty"`
	SN      string        `dynamodbav:"sn,nullempty"`
	SA      string        `dynamodbav:"sa,string"`
	B       bool          // named by the field
	BO      bool          `dynamodbav:",omitempty"`
	BN      bool          `dynamodbav:"bn,nullempty"`
	I       int           `dynamodbav:"i"`
	I8      int8          `dynamodbav:"i8"`
	I16     int16         `dynamodbav:"i16"`
	I32     int32         `dynamodbav:"i32,omitempty"`
	I64     int64         `dynamodbav:"i64,string"`
	U       uint          `dynamodbav:"u"`
	U8      uint8         `dynamodbav:"u8"`
	U16     uint16        `dynamodbav:"u16,nullempty"`
	U32     uint32        `dynamodbav:"u32,string"`
	U64     uint64        `dynamodbav:"u64"`
	F32     float32       `dynamodbav:"f32"`
	F64     float64       `dynamodbav:"f64,omitempty"`
	FS      float64       `dynamodbav:"fs,string"`
	L       []string      `dynamodbav:"l"`
	LO      []string      `dynamodbav:"lo,omitempty"`
	LE      []string      `dynamodbav:"le,omitemptyelem"`
	SS      []string      `dynamodbav:"ss,stringset"`
	SSO     []string      `dynamodbav:"sso,stringset,omitempty,omitemptyelem"`
	Bytes   []byte        `dynamodbav:"bytes"`
	BytesN  []byte        `dynamodbav:"bytes_n,nullempty"`
	Named   namedString   `dynamodbav:"named"`
	NamedSS []namedString `dynamodbav:"named_ss,stringset"`
	Unix    int64         `dynamodbav:"unix,unixtime"` // no effect on a number
	Ignored string        `dynamodbav:"-"`
	hidden  string        //nolint:unused // attributevalue skips it
}

type withTime struct {
	At time.Time `dynamodbav:"at"`
}

type withPointer struct {
	P *string `dynamodbav:"p"`
}

type embedded struct{ A string }

type withEmbedded struct {
	embedded
	B string
}

type withMap struct {
	M map[string]string
}

type marshals string

func (marshals) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberS{Value: "x"}, nil
}

type withMarshaler struct {
	M marshals
}

type selfMarshaler struct{ A string }

func (*selfMarshaler) UnmarshalDynamoDBAttributeValue(types.AttributeValue) error { return nil }

type clash struct {
	A string `dynamodbav:"x"`
	B string `dynamodbav:"x"`
}

type foldsToKey struct {
	Sk string // attributevalue would decode "SK" into it
}

type withSetOfInts struct {
	N []int `dynamodbav:"n,numberset"`
}

func TestCompileCodec(t *testing.T) {
	c := compileCodec(reflect.TypeFor[codecAll]())
	require.NotNil(t, c)
	assert.Len(t, c.fields, 30)
	for _, typ := range []reflect.Type{
		reflect.TypeFor[withTime](), reflect.TypeFor[withPointer](), reflect.TypeFor[withEmbedded](),
		reflect.TypeFor[withMap](), reflect.TypeFor[withMarshaler](), reflect.TypeFor[selfMarshaler](),
		reflect.TypeFor[clash](), reflect.TypeFor[withSetOfInts](),
	} {
		assert.Nil(t, compileCodec(typ), "%s is attributevalue's", typ)
	}
	// Decoding reads exact names only, so a field named like a key in
	// another case is the codec's, and never gets the key.
	fk := For[foldsToKey]()
	require.NotNil(t, fk)
	var v foldsToKey
	require.True(t, fk.Decode(map[string]types.AttributeValue{"SK": &types.AttributeValueMemberS{Value: "user#1"}}, &v))
	assert.Empty(t, v.Sk)
}

// slowDecode decodes item into v (a pointer to a struct the codec takes:
// plain fields only) as the repository's attributevalue path does: the
// attributes that name a field exactly, without the library's keys (what
// repo's shape.cleanItem keeps of an item for such a struct), then
// attributevalue's Decoder.
func slowDecode(_ *testing.T, item map[string]types.AttributeValue, v any) error {
	names := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := ParseTag(sf.Tag.Get("dynamodbav"))
		if !sf.IsExported() || tag.Ignore {
			continue
		}
		if tag.Name == "" {
			tag.Name = sf.Name
		}
		names[tag.Name] = true
	}
	clean := map[string]types.AttributeValue{}
	for k, e := range item {
		if names[k] && !backend.IsKeyAttribute(k) {
			clean[k] = e
		}
	}
	return attributevalue.NewDecoder().Decode(&types.AttributeValueMemberM{Value: clean}, v)
}

func randString(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return ""
	}
	return "v" + strconv.Itoa(r.IntN(1000))
}

func randStrings(r *rand.Rand) []string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	s := make([]string, 1+r.IntN(3))
	for i := range s {
		s[i] = randString(r)
	}
	return s
}

func randFloat(r *rand.Rand) float64 {
	switch r.IntN(5) {
	case 0:
		return 0
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return r.NormFloat64() * 1e30
	}
	return r.NormFloat64()
}

func randCodecAll(r *rand.Rand) codecAll {
	zero := func(n int64) int64 {
		if r.IntN(3) == 0 {
			return 0
		}
		return n
	}
	var b []byte
	if r.IntN(3) > 0 {
		b = make([]byte, r.IntN(3))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
	}
	var named []namedString
	for _, s := range randStrings(r) {
		named = append(named, namedString(s))
	}
	return codecAll{
		S: randString(r), SO: randString(r), SN: randString(r), SA: randString(r),
		B: r.IntN(2) == 0, BO: r.IntN(2) == 0, BN: r.IntN(2) == 0,
		I: int(zero(r.Int64())), I8: int8(zero(r.Int64())), I16: int16(zero(r.Int64())), I32: int32(zero(r.Int64())), I64: zero(r.Int64()),
		U: uint(zero(r.Int64())), U8: uint8(zero(r.Int64())), U16: uint16(zero(r.Int64())), U32: uint32(zero(r.Int64())), U64: uint64(zero(r.Int64())) * 2,
		F32: float32(randFloat(r)), F64: randFloat(r), FS: randFloat(r),
		L: randStrings(r), LO: randStrings(r), LE: randStrings(r), SS: randStrings(r), SSO: randStrings(r),
		Bytes: b, BytesN: b, Named: namedString(randString(r)), NamedSS: named, Unix: zero(r.Int64()),
		Ignored: "ignored", hidden: "hidden",
	}
}

// TestCodecEncodesAsAttributevalue checks that the codec encodes random
// values exactly as attributevalue's Encoder does.
func TestCodecEncodesAsAttributevalue(t *testing.T) {
	c := compileCodec(reflect.TypeFor[codecAll]())
	require.NotNil(t, c)
	enc := attributevalue.NewEncoder()
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		v := randCodecAll(r)
		want, err := enc.Encode(v)
		require.NoError(t, err)
		got, spare := c.encode(unsafe.Pointer(&v), 3)
		require.Equal(t, want.(*types.AttributeValueMemberM).Value, got, "%+v", v)
		assert.GreaterOrEqual(t, len(spare), 3)
	}
}

// randValue returns an attribute value of a random kind, often one a field
// of the codecAll takes, sometimes one that breaks it.
func randValue(r *rand.Rand) types.AttributeValue {
	nums := []string{"0", "1", "-1", "127", "128", "-129", "255", "256", "65536", "4294967296", "-4294967296",
		"9223372036854775807", "9223372036854775808", "18446744073709551616", "1.5", "1e3", "-0", "3.4e38", "3.5e38",
		"1e-50", "abc", "1e400", ""}
	num := func() string { return nums[r.IntN(len(nums))] }
	switch r.IntN(12) {
	case 0:
		return nil
	case 1:
		return &types.AttributeValueMemberNULL{Value: r.IntN(2) == 0}
	case 2:
		return &types.AttributeValueMemberS{Value: randString(r)}
	case 3:
		return &types.AttributeValueMemberS{Value: num()}
	case 4:
		return &types.AttributeValueMemberN{Value: num()}
	case 5:
		return &types.AttributeValueMemberBOOL{Value: r.IntN(2) == 0}
	case 6:
		return &types.AttributeValueMemberSS{Value: randStrings(r)}
	case 7:
		return &types.AttributeValueMemberNS{Value: []string{num(), num()}}
	case 8:
		var l []types.AttributeValue
		for range r.IntN(3) {
			switch r.IntN(5) {
			case 0:
				l = append(l, &types.AttributeValueMemberN{Value: num()})
			case 1:
				l = append(l, &types.AttributeValueMemberNULL{Value: true})
			case 2:
				l = append(l, &types.AttributeValueMemberBOOL{Value: true})
			default:
				l = append(l, &types.AttributeValueMemberS{Value: randString(r)})
			}
		}
		return &types.AttributeValueMemberL{Value: l}
	case 9:
		return &types.AttributeValueMemberB{Value: []byte(randString(r))}
	case 10:
		return &types.AttributeValueMemberBS{Value: [][]byte{[]byte("a")}}
	}
	return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"s": &types.AttributeValueMemberS{Value: "x"}}}
}

// TestCodecDecodesAsAttributevalue checks that whenever the codec decodes
// an item (names among them that differ from a field's only in case, and
// the library's keys), the repository's attributevalue path (slowDecode:
// exact names, then attributevalue's Decoder) decodes it without error to
// the same value; and that the codec does decode the items it encodes.
func TestCodecDecodesAsAttributevalue(t *testing.T) {
	c := compileCodec(reflect.TypeFor[codecAll]())
	require.NotNil(t, c)
	dec := attributevalue.NewDecoder()
	r := rand.New(rand.NewPCG(3, 4))
	names := []string{"PK", "SK", "GSI1PK", "other", "S", "SO", "I64", "Bytes", "hidden", "Ignored", "pk", "sk", "BYTES", "i64"}
	for _, f := range c.fields {
		names = append(names, f.name, f.name, f.name)
	}
	decoded := 0
	for range 20000 {
		item := map[string]types.AttributeValue{}
		for range r.IntN(12) {
			item[names[r.IntN(len(names))]] = randValue(r)
		}
		var got codecAll
		if !c.decode(item, unsafe.Pointer(&got)) {
			continue
		}
		decoded++
		var want codecAll
		require.NoError(t, slowDecode(t, item, &want), "%v", item)
		require.Equal(t, want, got, "%v", item)
	}
	t.Logf("%d random items decoded by the codec", decoded)
	assert.Greater(t, decoded, 1000)

	enc := attributevalue.NewEncoder()
	for range 2000 {
		v := randCodecAll(r)
		av, err := enc.Encode(v)
		require.NoError(t, err)
		item := av.(*types.AttributeValueMemberM).Value
		var want, got codecAll
		require.NoError(t, dec.Decode(av, &want))
		require.True(t, c.decode(item, unsafe.Pointer(&got)), "%v", item)
		require.Equal(t, want, got)
	}
}

// TestCodecDecodeCopies checks that decoded values share no mutable memory
// with the item.
func TestCodecDecodeCopies(t *testing.T) {
	c := compileCodec(reflect.TypeFor[codecAll]())
	item := map[string]types.AttributeValue{
		"bytes": &types.AttributeValueMemberB{Value: []byte("abc")},
		"ss":    &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"l":     &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "a"}}},
	}
	var v codecAll
	require.True(t, c.decode(item, unsafe.Pointer(&v)))
	v.Bytes[0], v.SS[0], v.L[0] = 'x', "x", "x"
	assert.Equal(t, []byte("abc"), item["bytes"].(*types.AttributeValueMemberB).Value)
	assert.Equal(t, []string{"a", "b"}, item["ss"].(*types.AttributeValueMemberSS).Value)
	assert.Equal(t, "a", item["l"].(*types.AttributeValueMemberL).Value[0].(*types.AttributeValueMemberS).Value)
}

func TestCodecFieldLookup(t *testing.T) {
	c := compileCodec(reflect.TypeFor[codecAll]())
	require.NotNil(t, c)
	for i, f := range c.fields {
		assert.Equal(t, i, c.field(f.name), f.name)
	}
	for _, name := range []string{"", "PK", "SK", "x", "S", "ss2", "bytes_", "unixx", "i64 ", "GSI1PK"} {
		assert.Equal(t, -1, c.field(name), name)
	}
}

// TestCodecRoundTrip checks that roundTrip gives what decoding the encoded
// item gives, for every value whose item is valid.
func TestCodecRoundTrip(t *testing.T) {
	c := compileCodec(reflect.TypeFor[codecAll]())
	require.NotNil(t, c)
	dec := attributevalue.NewDecoder()
	r := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for range 20000 {
		v := randCodecAll(r)
		if r.IntN(4) == 0 {
			v.F32 = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30)))
		}
		item, _ := c.encode(unsafe.Pointer(&v), 2)
		item["PK"] = &types.AttributeValueMemberS{Value: "pk"}
		item["SK"] = &types.AttributeValueMemberS{Value: "sk"}
		if _, err := backend.CheckItem(item); err != nil {
			continue // never written, so never decoded
		}
		checked++
		var want, got codecAll
		require.NoError(t, dec.Decode(&types.AttributeValueMemberM{Value: item}, &want))
		c.roundTrip(unsafe.Pointer(&v), unsafe.Pointer(&got))
		require.Equal(t, want, got, "%+v", v)
		if len(got.L) > 0 {
			got.L[0] = "changed"
			assert.NotEqual(t, "changed", v.L[0], "no shared arrays")
		}
	}
	t.Logf("%d valid values", checked)
	assert.Greater(t, checked, 5000)
}
