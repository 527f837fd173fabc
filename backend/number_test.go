package backend_test

import (
	"testing"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestNumberSizeMeasured pins ValueSize of numbers to sizes measured on
// DynamoDB Local 3.3.0 at the 400 KB item boundary (the conformance case
// Backend/FidelityNumberSizes checks a part of them on every backend).
func TestNumberSizeMeasured(t *testing.T) {
	for num, want := range map[string]int{
		"0": 1, "-0": 1, "0.000": 1, "1": 2, "-1": 3, "1.5": 3, "-1.5": 4, "123.4": 4,
		"12": 2, "123": 3, "1234": 3, "12345": 4, "-12": 3, "-123": 4, "-1234": 4,
		"10": 2, "100": 2, "1000": 2, "0.1": 2, "0.01": 2, "0.001": 2, "0.12": 2, "0.123": 3,
		"1.1": 3, "1.01": 3, "1.001": 4, "10.1": 3, "100.1": 4, "12.34": 3, "123.45": 4,
		"0.5": 2, "-0.5": 3, "5": 2, "50": 2, "500": 2, "5000": 2,
		"1e10": 2, "1e11": 2, "1e-10": 2, "1e-11": 2, "-1e10": 3, "-1e11": 3,
		"1e125": 2, "1e-130": 2, "9.99e125": 3, "-1e-130": 3,
		"12345678901234567890123456789012345678":   20,
		"-12345678901234567890123456789012345678":  21,
		"1.2345678901234567890123456789012345678":  21,
		"0.12345678901234567890123456789012345678": 20,
		"99999999999999999999999999999999999999":   20,
		"-99999999999999999999999999999999999999":  21,
		"101": 3, "1001": 3, "10001": 4, "-101": 4, "11": 2, "111": 3, "1111": 3, "11111": 4,
		"0.11": 2, "0.111": 3, "0.1111": 3, "-0.1": 3, "-0.11": 3, "-0.111": 4,
		"-10": 3, "-100": 3, "-1000": 3, "-5": 3, "-50": 3,
		"2e1": 2, "2e2": 2, "2e3": 2, "2e-1": 2, "2e-2": 2, "2e-3": 2,
		"123e-1": 3, "123e-2": 3, "123e-3": 3, "-123e-1": 4, "-123e-2": 4, "-123e-3": 4,
		"+1.5": 3, "١": 2, "-١.٥": 4,
	} {
		assert.Equal(t, want, backend.ValueSize(&types.AttributeValueMemberN{Value: num}), "number %q", num)
	}
	// Sets add up their members: measured {-1, 1.5} 6, {0, -1.5} 5.
	assert.Equal(t, 6, backend.ValueSize(&types.AttributeValueMemberNS{Value: []string{"-1", "1.5"}}))
	assert.Equal(t, 5, backend.ValueSize(&types.AttributeValueMemberNS{Value: []string{"0", "-1.5"}}))
}

// TestValidateNumberSyntax checks the syntax DynamoDB Local 3.3.0 takes
// (see the conformance case Backend/FidelityNumberSyntax for the recorded
// table, run on every backend).
func TestValidateNumberSyntax(t *testing.T) {
	for in, want := range map[string]string{
		"+7": "7", ".5": "0.5", "5.": "5", "1.e5": "100000", "1E+5": "100000", "-0": "0",
		"0e2147483647": "0", "0e-2147483647": "0", "1e00000000000000000005": "100000",
		"١": "1", "1e١": "10", "\uff11": "1", "१.३": "1.3",
	} {
		if assert.NoError(t, backend.ValidateNumber(in), "%q", in) {
			assert.Equal(t, want, backend.NormalizeNumber(in), "%q", in)
		}
	}
	for _, in := range []string{
		" 7", "7 ", "\t7", "7\n", "\u00a07", "0x1", "NaN", "Inf", "1_0", "", ".", "-.", ".e5", "1e", "1e+",
		"0e2147483648", "0e-2147483648", "0.0e-2147483647", "0e12345678901", "\U0001D7CF",
	} {
		assert.ErrorIs(t, backend.ValidateItem(backend.Item{"PK": s("p"), "SK": s("s"), "n": n(in)}), backend.ErrInvalidArgument, "%q", in)
		assert.Equal(t, in, backend.NormalizeNumber(in), "%q is left alone", in)
	}
	assert.Equal(t, 0, backend.CompareNumbers("١.٥", "1.50"))
	assert.Equal(t, -1, backend.CompareNumbers("-2", "-1.5"))
	assert.Equal(t, 1, backend.CompareNumbers("1e-130", "-1e125"))
	assert.Equal(t, -1, backend.CompareNumbers("0", "1e-130"))
	assert.Equal(t, 1, backend.CompareNumbers("10", "9.99"))
	assert.Equal(t, 0, backend.CompareNumbers("-0", "0.0e5"))
}

// TestUnicodeDigitRuns checks what digit values rest on: the decimal digits
// of the Basic Multilingual Plane come in runs of ten, zero to nine.
func TestUnicodeDigitRuns(t *testing.T) {
	for _, rg := range unicode.Nd.R16 {
		assert.Equal(t, uint16(1), rg.Stride)
		assert.Zero(t, (int(rg.Hi)-int(rg.Lo)+1)%10, "range %#x-%#x", rg.Lo, rg.Hi)
	}
}

// TestNestingLevelsAndDottedNames checks ValidateItem's nesting limit and
// that dotted names and map keys are names.
func TestNestingLevelsAndDottedNames(t *testing.T) {
	nest := func(levels int, v types.AttributeValue) types.AttributeValue {
		for range levels {
			v = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": v}}
		}
		return v
	}
	item := func(v types.AttributeValue) backend.Item { return backend.Item{"PK": s("p"), "SK": s("s"), "n": v} }
	assert.NoError(t, backend.ValidateItem(item(nest(31, s("x")))))
	assert.ErrorIs(t, backend.ValidateItem(item(nest(32, s("x")))), backend.ErrInvalidArgument)
	assert.ErrorIs(t, backend.ValidateItem(item(nest(31, &types.AttributeValueMemberL{}))), backend.ErrInvalidArgument)
	assert.NoError(t, backend.ValidateValue(nest(32, s("x"))))
	assert.ErrorIs(t, backend.ValidateValue(nest(33, s("x"))), backend.ErrInvalidArgument)
	for _, name := range []string{"a.", ".", "..", "a..b"} {
		assert.NoError(t, backend.ValidateItem(backend.Item{"PK": s("p"), "SK": s("s"), name: s("v"),
			"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{name: s("v")}}}), name)
	}
}
