// Package ddbjson reads and writes items in DynamoDB JSON, one item per
// line, as DynamoDB's export to S3 writes them (its DYNAMODB_JSON format):
//
//	{"Item":{"PK":{"S":"tenant#a"},"SK":{"S":"user#1"},"n":{"N":"1.5"}}}
//
// Each attribute value is an object with one member whose name is the
// type: S, N (the number as a string), B (standard base64), BOOL, NULL
// (always true), M, L, SS, NS, BS.
//
// Writing is deterministic, so the same items always give the same bytes,
// whatever backend they were read from: attribute names and map keys in
// byte order, set elements sorted (string and binary sets by bytes, number
// sets by value; sets are unordered, so DynamoDB may return them in any
// order), no HTML escaping, no spaces. Reading is strict: anything that is
// not an item DynamoDB would store is an error wrapping ErrInvalid.
package ddbjson

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// ErrInvalid reports a line that is not an item in DynamoDB JSON, or an item
// that cannot be written as one.
var ErrInvalid = errors.New("ddbjson: invalid item")

// AppendLine appends item to dst as one line of DynamoDB JSON,
// {"Item":{...}} and a newline, and returns the extended buffer. It reports
// (ErrInvalid) a value no backend stores: nil, of an unknown type, a string
// that is not valid UTF-8, a nil binary, NULL false, an empty set. It does
// not change item, whose sets it may have to sort.
func AppendLine(dst []byte, item backend.Item) ([]byte, error) {
	dst = append(dst, `{"Item":`...)
	dst, err := appendMap(dst, item)
	if err != nil {
		return nil, err
	}
	return append(dst, '}', '\n'), nil
}

// sortedNames returns the keys of m in byte order.
func sortedNames(m map[string]types.AttributeValue) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func appendMap(dst []byte, m map[string]types.AttributeValue) ([]byte, error) {
	dst = append(dst, '{')
	for i, k := range sortedNames(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendString(dst, k); err != nil {
			return nil, err
		}
		dst = append(dst, ':')
		if dst, err = appendValue(dst, m[k]); err != nil {
			return nil, fmt.Errorf("%w (in %q)", err, k)
		}
	}
	return append(dst, '}'), nil
}

func appendValue(dst []byte, v types.AttributeValue) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		dst = append(dst, `{"S":`...)
		dst, err = appendString(dst, v.Value)
	case *types.AttributeValueMemberN:
		dst = append(dst, `{"N":`...)
		dst, err = appendString(dst, v.Value)
	case *types.AttributeValueMemberB:
		if v.Value == nil {
			return nil, fmt.Errorf("%w: a nil binary", ErrInvalid)
		}
		dst = append(dst, `{"B":`...)
		dst = appendBase64(dst, v.Value)
	case *types.AttributeValueMemberBOOL:
		if v.Value {
			dst = append(dst, `{"BOOL":true`...)
		} else {
			dst = append(dst, `{"BOOL":false`...)
		}
	case *types.AttributeValueMemberNULL:
		if !v.Value {
			return nil, fmt.Errorf("%w: NULL false", ErrInvalid)
		}
		dst = append(dst, `{"NULL":true`...)
	case *types.AttributeValueMemberM:
		dst = append(dst, `{"M":`...)
		dst, err = appendMap(dst, v.Value)
	case *types.AttributeValueMemberL:
		dst = append(dst, `{"L":[`...)
		for i, e := range v.Value {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendValue(dst, e); err != nil {
				return nil, err
			}
		}
		dst = append(dst, ']')
	case *types.AttributeValueMemberSS:
		if len(v.Value) == 0 {
			return nil, fmt.Errorf("%w: an empty string set", ErrInvalid)
		}
		ss := v.Value
		if !slices.IsSorted(ss) {
			ss = slices.Clone(ss)
			slices.Sort(ss)
		}
		dst = append(dst, `{"SS":[`...)
		for i, s := range ss {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendString(dst, s); err != nil {
				return nil, err
			}
		}
		dst = append(dst, ']')
	case *types.AttributeValueMemberNS:
		if len(v.Value) == 0 {
			return nil, fmt.Errorf("%w: an empty number set", ErrInvalid)
		}
		ns := v.Value
		if !slices.IsSortedFunc(ns, compareNumbers) {
			ns = slices.Clone(ns)
			slices.SortFunc(ns, compareNumbers)
		}
		dst = append(dst, `{"NS":[`...)
		for i, s := range ns {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendString(dst, s); err != nil {
				return nil, err
			}
		}
		dst = append(dst, ']')
	case *types.AttributeValueMemberBS:
		if len(v.Value) == 0 {
			return nil, fmt.Errorf("%w: an empty binary set", ErrInvalid)
		}
		bs := v.Value
		if !slices.IsSortedFunc(bs, bytes.Compare) {
			bs = slices.Clone(bs)
			slices.SortFunc(bs, bytes.Compare)
		}
		dst = append(dst, `{"BS":[`...)
		for i, b := range bs {
			if b == nil {
				return nil, fmt.Errorf("%w: a nil binary in a set", ErrInvalid)
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendBase64(dst, b)
		}
		dst = append(dst, ']')
	case nil:
		return nil, fmt.Errorf("%w: a nil value", ErrInvalid)
	default:
		return nil, fmt.Errorf("%w: a value of unknown type %T", ErrInvalid, v)
	}
	if err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

// compareNumbers orders numbers by value, and spellings of one value by
// bytes, so that any number set has one order.
func compareNumbers(a, b string) int {
	if c := backend.CompareNumbers(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func appendBase64(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string: '"', '\\' and control
// characters escaped, nothing else (no HTML escaping; U+2028 and U+2029 as
// they are).
func appendString(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: a string that is not valid UTF-8", ErrInvalid)
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), nil
}

// DecodeLine reads one line of DynamoDB JSON, {"Item":{...}}, surrounding
// JSON white space allowed, and returns the item and its size
// (backend.ItemSize). Its errors wrap ErrInvalid: a line that is not JSON
// or not of this shape; an attribute name or map key given twice; a value
// with an unknown type, with two types, of the wrong JSON type (a number
// not in a string, say); bad base64; a string that is not valid UTF-8 (raw
// or as a lone surrogate escape); an item backend.CheckItem refuses (keys
// PK and SK not non-empty strings, a number DynamoDB refuses, an empty set
// or one with a duplicate, too deep); an item over backend.MaxItemBytes.
func DecodeLine(line []byte) (backend.Item, int, error) {
	p := parser{s: line}
	item, err := p.line()
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	size, err := backend.CheckItem(item)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if size > backend.MaxItemBytes {
		return nil, 0, fmt.Errorf("%w: an item of %d bytes, more than %d", ErrInvalid, size, backend.MaxItemBytes)
	}
	if err := backend.CheckItemSendable(item); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return item, size, nil
}

// maxDepth bounds the nesting the parser follows, so that a hostile line
// cannot make it recurse deeply; backend.CheckItem then applies DynamoDB's
// exact limit.
const maxDepth = backend.MaxNestingLevels + 2

// parser reads the restricted JSON of DynamoDB JSON lines.
type parser struct {
	s []byte
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: "+format, append([]any{p.i}, args...)...)
}

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// consume skips white space and then c, or reports an error.
func (p *parser) consume(c byte) error {
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != c {
		if p.i >= len(p.s) {
			return p.errorf("unexpected end, want %q", c)
		}
		return p.errorf("found %q, want %q", p.s[p.i], c)
	}
	p.i++
	return nil
}

// peek skips white space and returns the next byte, 0 at the end.
func (p *parser) peek() byte {
	p.ws()
	if p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

func (p *parser) line() (backend.Item, error) {
	if err := p.consume('{'); err != nil {
		return nil, err
	}
	key, err := p.str()
	if err != nil {
		return nil, err
	}
	if key != "Item" {
		return nil, p.errorf("member %q, want \"Item\"", key)
	}
	if err := p.consume(':'); err != nil {
		return nil, err
	}
	item, err := p.object(1)
	if err != nil {
		return nil, err
	}
	if err := p.consume('}'); err != nil {
		return nil, err
	}
	if p.ws(); p.i != len(p.s) {
		return nil, p.errorf("data after the item")
	}
	return item, nil
}

// object reads an object of attribute values: an item or the value of an M.
func (p *parser) object(depth int) (map[string]types.AttributeValue, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested too deeply")
	}
	if err := p.consume('{'); err != nil {
		return nil, err
	}
	m := map[string]types.AttributeValue{}
	if p.peek() == '}' {
		p.i++
		return m, nil
	}
	for {
		name, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := m[name]; dup {
			return nil, p.errorf("attribute %q given twice", name)
		}
		if err := p.consume(':'); err != nil {
			return nil, err
		}
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		m[name] = v
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, nil
		default:
			return nil, p.errorf("want ',' or '}'")
		}
	}
}

// list calls elem for each element of an array.
func (p *parser) list(elem func() error) error {
	if err := p.consume('['); err != nil {
		return err
	}
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return p.errorf("want ',' or ']'")
		}
	}
}

// value reads one attribute value, {"<type>": ...}.
func (p *parser) value(depth int) (types.AttributeValue, error) {
	if err := p.consume('{'); err != nil {
		return nil, err
	}
	tag, err := p.str()
	if err != nil {
		return nil, err
	}
	if err := p.consume(':'); err != nil {
		return nil, err
	}
	var v types.AttributeValue
	switch tag {
	case "S":
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		v = &types.AttributeValueMemberS{Value: s}
	case "N":
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		v = &types.AttributeValueMemberN{Value: s}
	case "B":
		b, err := p.binary()
		if err != nil {
			return nil, err
		}
		v = &types.AttributeValueMemberB{Value: b}
	case "BOOL":
		b, err := p.boolean()
		if err != nil {
			return nil, err
		}
		v = &types.AttributeValueMemberBOOL{Value: b}
	case "NULL":
		b, err := p.boolean()
		if err != nil {
			return nil, err
		}
		if !b {
			return nil, p.errorf("NULL must be true")
		}
		v = &types.AttributeValueMemberNULL{Value: true}
	case "M":
		m, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		v = &types.AttributeValueMemberM{Value: m}
	case "L":
		if depth+1 > maxDepth {
			return nil, p.errorf("nested too deeply")
		}
		l := []types.AttributeValue{}
		err := p.list(func() error {
			e, err := p.value(depth + 1)
			l = append(l, e)
			return err
		})
		if err != nil {
			return nil, err
		}
		v = &types.AttributeValueMemberL{Value: l}
	case "SS", "NS":
		var ss []string
		err := p.list(func() error {
			s, err := p.str()
			ss = append(ss, s)
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(ss) == 0 {
			return nil, p.errorf("an empty set")
		}
		if tag == "SS" {
			v = &types.AttributeValueMemberSS{Value: ss}
		} else {
			v = &types.AttributeValueMemberNS{Value: ss}
		}
	case "BS":
		var bs [][]byte
		err := p.list(func() error {
			b, err := p.binary()
			bs = append(bs, b)
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(bs) == 0 {
			return nil, p.errorf("an empty set")
		}
		v = &types.AttributeValueMemberBS{Value: bs}
	default:
		return nil, p.errorf("unknown type %q", tag)
	}
	if p.peek() != '}' {
		return nil, p.errorf("a value with more than one type, or not closed")
	}
	p.i++
	return v, nil
}

func (p *parser) boolean() (bool, error) {
	p.ws()
	switch {
	case bytes.HasPrefix(p.s[p.i:], []byte("true")):
		p.i += 4
		return true, nil
	case bytes.HasPrefix(p.s[p.i:], []byte("false")):
		p.i += 5
		return false, nil
	}
	return false, p.errorf("want true or false")
}

func (p *parser) binary() ([]byte, error) {
	s, err := p.str()
	if err != nil {
		return nil, err
	}
	// The decoder skips '\r' and '\n' wherever they are, even when
	// strict: refused here, so that one item has one spelling.
	if strings.ContainsAny(s, "\r\n") {
		return nil, p.errorf("bad base64: a line break")
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, p.errorf("bad base64: %v", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// str reads a JSON string: valid UTF-8, no raw control characters, the
// escapes of JSON, surrogate escapes only in pairs.
func (p *parser) str() (string, error) {
	if err := p.consume('"'); err != nil {
		return "", err
	}
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			raw := p.s[start:p.i]
			if !utf8.Valid(raw) {
				return "", p.errorf("a string that is not valid UTF-8")
			}
			p.i++
			return string(raw), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.i++
	}
	buf := append([]byte(nil), p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				return "", p.errorf("a string that is not valid UTF-8")
			}
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("a control character in a string")
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.s) {
			break
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				if r >= 0xDC00 || !bytes.HasPrefix(p.s[p.i:], []byte(`\u`)) {
					return "", p.errorf("a lone surrogate escape")
				}
				p.i += 2
				r2, err := p.hex4()
				if err != nil {
					return "", err
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", p.errorf("a lone surrogate escape")
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errorf("bad escape \\%c", e)
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *parser) hex4() (rune, error) {
	if p.i+4 > len(p.s) {
		return 0, p.errorf("short \\u escape")
	}
	var r rune
	for _, c := range p.s[p.i : p.i+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, p.errorf("bad \\u escape")
		}
	}
	p.i += 4
	return r, nil
}
