package ddbjson

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// Hostile lines: nesting bombs, huge arrays of tiny values, lines that
// smuggle a second item or key, and spellings that decode to a key other
// than the one they show. Each is refused with ErrInvalid, quickly, and
// without a panic; none yields an item with another partition key than
// the one the line spells.
func TestAttackHostileLines(t *testing.T) {
	head := `{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"k#1"},`
	bad := map[string]string{
		"list bomb":           head + `"l":` + strings.Repeat(`{"L":[`, 200000) + `]}}}`,
		"map bomb":            head + `"m":` + strings.Repeat(`{"M":{"a":`, 200000) + `}}}`,
		"unclosed":            head + `"s":{"S":"x"`,
		"second item":         head + `"s":{"S":"x"}},"Item":{"PK":{"S":"tenant#b"},"SK":{"S":"k#1"}}}`,
		"key twice":           `{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"k#1"},"PK":{"S":"tenant#b"}}}`,
		"key twice escaped":   `{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"k#1"},"\u0050\u004b":{"S":"tenant#b"}}}`,
		"two types":           `{"Item":{"PK":{"S":"tenant#a","N":"1"},"SK":{"S":"k#1"}}}`,
		"lone surrogate":      `{"Item":{"PK":{"S":"tenant#a\ud800"},"SK":{"S":"k#1"}}}`,
		"reversed pair":       `{"Item":{"PK":{"S":"tenant#a\udc00\ud800"},"SK":{"S":"k#1"}}}`,
		"raw invalid UTF-8":   "{\"Item\":{\"PK\":{\"S\":\"tenant#a\xff\"},\"SK\":{\"S\":\"k#1\"}}}",
		"overlong slash":      "{\"Item\":{\"PK\":{\"S\":\"tenant#a\xc0\xaf\"},\"SK\":{\"S\":\"k#1\"}}}",
		"raw newline":         "{\"Item\":{\"PK\":{\"S\":\"tenant#a\nb\"},\"SK\":{\"S\":\"k#1\"}}}",
		"number not string":   head + `"n":{"N":1}}}`,
		"NaN":                 head + `"n":{"N":"NaN"}}}`,
		"Infinity":            head + `"n":{"N":"Infinity"}}}`,
		"huge exponent":       head + `"n":{"N":"1e99999999999999999999"}}}`,
		"39 digits":           head + `"n":{"N":"123456789012345678901234567890123456789"}}}`,
		"empty number":        head + `"n":{"N":""}}}`,
		"PK number":           `{"Item":{"PK":{"N":"1"},"SK":{"S":"k#1"}}}`,
		"PK empty":            `{"Item":{"PK":{"S":""},"SK":{"S":"k#1"}}}`,
		"no Item":             `{"PK":{"S":"tenant#a"},"SK":{"S":"k#1"}}`,
		"array":               `[{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"k#1"}}}]`,
		"null item":           `{"Item":null}`,
		"BOM":                 "\ufeff" + `{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"k#1"}}}`,
		"trailing comma":      `{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"k#1"},}}`,
		"set duplicate":       head + `"s":{"SS":["a","a"]}}}`,
		"number set equal":    head + `"s":{"NS":["1","1.00"]}}}`,
		"empty set":           head + `"s":{"SS":[]}}}`,
		"NULL false":          head + `"n":{"NULL":false}}}`,
		"bad base64":          head + `"b":{"B":"A"}}}`,
		"url base64":          head + `"b":{"B":"-_8="}}}`,
		"base64 with newline": head + `"b":{"B":"AA\n=="}}}`,
		"base64 with CR":      head + `"b":{"B":"A\rA=="}}}`,
		"over 400 KB":         head + `"s":{"S":"` + strings.Repeat("x", backend.MaxItemBytes) + `"}}}`,
		"many tiny values":    head + `"l":{"L":[` + strings.Repeat(`{"NULL":true},`, 500000) + `{"NULL":true}]}}}`,
		"lower-case type":     head + `"s":{"s":"x"}}}`,
		"escaped type":        head + `"s":{"\u0053":"x"}}}`,
		"garbage after item":  `{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"k#1"}}}x`,
	}
	for name, line := range bad {
		t.Run(name, func(t *testing.T) {
			var err error
			var item backend.Item
			require.NotPanics(t, func() { item, _, err = DecodeLine([]byte(line)) })
			if name == "escaped type" {
				// "\u0053" is "S": valid JSON for {"S":"x"}.
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid, "accepted: %v", item)
		})
	}
}

// What AppendLine writes of any item DecodeLine accepts decodes to the
// same item, so an export imported again is that export.
func TestAttackRoundTripOfOddStrings(t *testing.T) {
	for _, v := range []string{"", "\x00", "\x7f", "\u0085", "\u2028\u2029", "\"\\/", "<>&", "\ufeff", "\U0010FFFF", "\ud7ff"} {
		item := backend.Item{"PK": s("tenant#a"), "SK": s("k#" + v + "x"), v + "n": s(v), "m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{v + "k": s(v)}}}
		line, err := AppendLine(nil, item)
		require.NoError(t, err, "%q", v)
		got, _, err := DecodeLine(line)
		require.NoError(t, err, "%q: %s", v, line)
		again, err := AppendLine(nil, got)
		require.NoError(t, err)
		require.Equal(t, string(line), string(again), "%q", v)
	}
}
