package backend

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
)

// ValidateNumber reports whether s is a number DynamoDB stores: decimal
// syntax, at most 38 significant digits, and a magnitude of zero or between
// 1E-130 and 9.99...E+125.
func ValidateNumber(s string) error {
	mant, exp, ok := parseNumber(s)
	if !ok {
		return errors.New("not a number: " + strconv.Quote(s))
	}
	if mant == "" {
		return nil // zero
	}
	if len(mant) > 38 {
		return errors.New("more than 38 significant digits: " + strconv.Quote(s))
	}
	// The value is 0.mant × 10^(exp+len(mant)); its decimal exponent
	// (scientific notation) is exp+len(mant)-1.
	sci := exp + len(mant) - 1
	if sci > 125 || sci < -130 {
		return errors.New("number out of range: " + strconv.Quote(s))
	}
	return nil
}

// CanonicalNumber returns one spelling for each numeric value ("1.0", "1"
// and "10E-1" give the same string), so numbers can be compared and used as
// set members. It returns s unchanged when s is not a number.
func CanonicalNumber(s string) string {
	mant, exp, ok := parseNumber(s)
	if !ok {
		return s
	}
	if mant == "" {
		return "0"
	}
	sign := ""
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		sign = "-"
	}
	return sign + mant + "E" + strconv.Itoa(exp)
}

// NormalizeNumber returns a valid number as DynamoDB returns it once stored:
// plain decimal notation without exponent, sign "+" or leading and trailing
// zeros ("-1.5e-3" becomes "-0.0015", "1.50" becomes "1.5", "1e3" becomes
// "1000", "-0" becomes "0"). It returns s unchanged when s is not a number.
func NormalizeNumber(s string) string {
	mant, exp, ok := parseNumber(s)
	if !ok {
		return s
	}
	if mant == "" {
		return "0"
	}
	var b strings.Builder
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		b.WriteByte('-')
	}
	switch point := len(mant) + exp; {
	case exp >= 0:
		b.WriteString(mant)
		b.WriteString(strings.Repeat("0", exp))
	case point > 0:
		b.WriteString(mant[:point])
		b.WriteByte('.')
		b.WriteString(mant[point:])
	default:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(mant)
	}
	return b.String()
}

// CompareNumbers compares two valid numbers by value: -1, 0 or +1.
func CompareNumbers(a, b string) int {
	x, okx := new(big.Float).SetPrec(256).SetString(a)
	y, oky := new(big.Float).SetPrec(256).SetString(b)
	if !okx || !oky {
		return strings.Compare(a, b)
	}
	return x.Cmp(y)
}

// parseNumber splits s into its significant digits (no leading or trailing
// zeros; "" for zero) and the power of ten of the last digit.
func parseNumber(s string) (mant string, exp int, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", 0, false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return "", 0, false
		}
		exp = e
		s = s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return "", 0, false
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return "", 0, false
			}
		}
	}
	digits := intPart + frac
	exp -= len(frac)
	digits = strings.TrimLeft(digits, "0")
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	return trimmed, exp, true
}
