package expreval

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/tenantrepo/tenantrepo/backend"
)

// decimal parses a valid DynamoDB number into an integer and a power of
// ten: the number is unscaled × 10^exp.
func decimal(s string) (unscaled *big.Int, exp int, ok bool) {
	// Plain ASCII notation: numbers may be written with other digits.
	s = backend.NormalizeNumber(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return nil, 0, false
		}
		exp = e
		s = s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	if digits == "" {
		return nil, 0, false
	}
	exp -= len(frac)
	unscaled, ok = new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, 0, false
	}
	if neg {
		unscaled.Neg(unscaled)
	}
	return unscaled, exp, true
}

var bigTen = big.NewInt(10)

// addNumbers returns a+b, or a-b when sub is set, computed exactly as
// DynamoDB computes it, in the plain notation NormalizeNumber gives. A
// result DynamoDB cannot store (more than 38 significant digits, or out of
// its range) is an error wrapping backend.ErrInvalidArgument.
func addNumbers(a, b string, sub bool) (string, error) {
	x, ex, okx := decimal(a)
	y, ey, oky := decimal(b)
	if !okx || !oky {
		return "", invalidf("An operand in the update expression has an incorrect data type")
	}
	// Align the powers of ten.
	if ex > ey {
		x.Mul(x, new(big.Int).Exp(bigTen, big.NewInt(int64(ex-ey)), nil))
		ex = ey
	} else if ey > ex {
		y.Mul(y, new(big.Int).Exp(bigTen, big.NewInt(int64(ey-ex)), nil))
	}
	if sub {
		x.Sub(x, y)
	} else {
		x.Add(x, y)
	}
	if x.Sign() == 0 {
		return "0", nil
	}
	digits := x.String()
	sign := ""
	if digits[0] == '-' {
		sign, digits = "-", digits[1:]
	}
	trimmed := strings.TrimRight(digits, "0")
	exp := ex + len(digits) - len(trimmed)
	switch sci := exp + len(trimmed) - 1; {
	case sci > 125:
		return "", invalidf("Number overflow. Attempting to store a number with magnitude larger than supported range")
	case sci < -130:
		return "", invalidf("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	case len(trimmed) > 38:
		return "", invalidf("DynamoDB only supports precision up to 38 digits")
	}
	return backend.NormalizeNumber(sign + trimmed + "E" + strconv.Itoa(exp)), nil
}
