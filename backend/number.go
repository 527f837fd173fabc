package backend

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Numbers are read as DynamoDB reads them (recorded against DynamoDB Local
// 3.3.0, which reads them as Java's BigDecimal does): an optional sign "+"
// or "-"; digits with at most one decimal point and at least one digit
// (".5" and "5." are numbers, "." is not); then optionally "e" or "E", an
// optional sign and at least one digit. Nothing else: no spaces around it,
// no "0x", "NaN" or "Inf", no "_". Digits are ASCII digits or any other
// Unicode decimal digit of the Basic Multilingual Plane ("١" is 1, "１" is
// 1; DynamoDB stores them as ASCII digits). The exponent must fit in a
// 32-bit signed integer, and so must the number of digits after the point
// less the exponent ("0e-2147483648" and "0.0e-2147483647" are refused even
// though they are zero).

// maxNumberDigits is the most significant digits a number may have.
const maxNumberDigits = 38

// ValidateNumber reports whether s is a number DynamoDB stores: the syntax
// above, at most 38 significant digits, and a magnitude of zero or between
// 1E-130 and 9.99...E+125.
func ValidateNumber(s string) error {
	var buf [maxNumberDigits + 2]byte
	_, mant, exp, ok := scanNumber(s, buf[:0])
	if !ok {
		return errors.New("a value provided cannot be converted into a number: " + strconv.Quote(s))
	}
	if len(mant) == 0 {
		return nil // zero
	}
	if len(mant) > maxNumberDigits {
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
	var buf [maxNumberDigits + 2]byte
	neg, mant, exp, ok := scanNumber(s, buf[:0])
	if !ok {
		return s
	}
	if len(mant) == 0 {
		return "0"
	}
	sign := ""
	if neg {
		sign = "-"
	}
	return sign + string(mant) + "E" + strconv.Itoa(exp)
}

// NormalizeNumber returns a valid number as DynamoDB returns it once stored:
// plain decimal notation in ASCII digits, without exponent, sign "+" or
// leading and trailing zeros ("-1.5e-3" becomes "-0.0015", "1.50" becomes
// "1.5", "1e3" becomes "1000", "-0" becomes "0"). It returns s unchanged
// when s is not a number.
func NormalizeNumber(s string) string {
	var buf [maxNumberDigits + 2]byte
	neg, m, exp, ok := scanNumber(s, buf[:0])
	if !ok {
		return s
	}
	if len(m) == 0 {
		return "0"
	}
	mant := string(m)
	var b strings.Builder
	if neg {
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

// CompareNumbers compares two valid numbers by value: -1, 0 or +1. It
// compares the strings when one of them is not a number.
func CompareNumbers(a, b string) int {
	var bufA, bufB [maxNumberDigits + 2]byte
	negA, mA, eA, okA := scanNumber(a, bufA[:0])
	negB, mB, eB, okB := scanNumber(b, bufB[:0])
	if !okA || !okB {
		return strings.Compare(a, b)
	}
	sA, sB := numberSign(negA, mA), numberSign(negB, mB)
	switch {
	case sA != sB:
		if sA < sB {
			return -1
		}
		return 1
	case sA == 0:
		return 0
	}
	// Same sign, both non-zero: compare magnitudes by decimal exponent,
	// then digit by digit (mantissas have no trailing zeros, so a shorter
	// prefix is the smaller).
	c := 0
	if xA, xB := eA+len(mA), eB+len(mB); xA != xB {
		c = -1
		if xA > xB {
			c = 1
		}
	} else {
		c = bytes.Compare(mA, mB)
	}
	return sA * c
}

func numberSign(neg bool, mant []byte) int {
	switch {
	case len(mant) == 0:
		return 0
	case neg:
		return -1
	}
	return 1
}

// scanNumber reads s as DynamoDB reads a number (see above). It appends the
// significant digits to buf, in ASCII, without leading or trailing zeros
// (none for zero), and returns them with the sign and the power of ten of
// the last digit: the value is ±mant × 10^exp.
func scanNumber(s string, buf []byte) (neg bool, mant []byte, exp int, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	digits, frac, point := 0, 0, false
	mant = buf
	for i < len(s) {
		c := s[i]
		if c == 'e' || c == 'E' {
			break
		}
		if c == '.' {
			if point {
				return false, nil, 0, false
			}
			point = true
			i++
			continue
		}
		d, n := digitAt(s, i)
		if n == 0 {
			return false, nil, 0, false
		}
		i += n
		digits++
		if point {
			frac++
		}
		if d != 0 || len(mant) > len(buf) { // no leading zeros
			mant = append(mant, '0'+d)
		}
	}
	if digits == 0 {
		return false, nil, 0, false
	}
	var e int64
	if i < len(s) { // s[i] is 'e' or 'E'
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return false, nil, 0, false
		}
		for i < len(s) {
			d, n := digitAt(s, i)
			if n == 0 {
				return false, nil, 0, false
			}
			i += n
			if e <= 1<<32 {
				e = e*10 + int64(d)
			}
		}
		if eneg {
			e = -e
		}
	}
	// The exponent, and the scale (digits after the point less the
	// exponent), are 32-bit integers.
	if e < -1<<31 || e > 1<<31-1 || int64(frac)-e < -1<<31 || int64(frac)-e > 1<<31-1 {
		return false, nil, 0, false
	}
	exp = int(e) - frac
	// Trailing zeros.
	k := len(mant)
	for k > len(buf) && mant[k-1] == '0' {
		k--
	}
	exp += len(mant) - k
	mant = mant[len(buf):k]
	if len(mant) == 0 {
		neg = false
	}
	return neg, mant, exp, true
}

// digitAt returns the value of the decimal digit that starts at s[i] and
// its length in bytes, or a length of 0 when there is none there. Digits
// are ASCII digits and the Unicode decimal digits (category Nd) of the
// Basic Multilingual Plane, as Java's BigDecimal reads them.
func digitAt(s string, i int) (d byte, n int) {
	c := s[i]
	if c >= '0' && c <= '9' {
		return c - '0', 1
	}
	if c < utf8.RuneSelf {
		return 0, 0
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r > 0xFFFF || !unicode.IsDigit(r) {
		return 0, 0
	}
	return unicodeDigit(r), n
}

// unicodeDigit returns the value of a Unicode decimal digit: decimal
// digits come in runs of ten, from zero to nine, and each range of the
// Nd table is made of whole runs.
func unicodeDigit(r rune) byte {
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10)
		}
	}
	return 0
}
