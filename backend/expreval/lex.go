package expreval

import (
	"strings"
)

// tokKind is the kind of a token of an expression.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // a plain attribute name, keyword or function name
	tName           // a name placeholder, "#" and letters, digits, '_'
	tValue          // a value placeholder, ":" and letters, digits, '_'
	tNumber         // digits: a list index
	tLParen         // (
	tRParen         // )
	tLBrack         // [
	tRBrack         // ]
	tComma          // ,
	tDot            // .
	tEq             // =
	tNe             // <>
	tLt             // <
	tLe             // <=
	tGt             // >
	tGe             // >=
	tPlus           // +
	tMinus          // -
)

var tokText = [...]string{
	tEOF: "<EOF>", tLParen: "(", tRParen: ")", tLBrack: "[", tRBrack: "]",
	tComma: ",", tDot: ".", tEq: "=", tNe: "<>", tLt: "<", tLe: "<=",
	tGt: ">", tGe: ">=", tPlus: "+", tMinus: "-",
}

// token is one token and where it starts in the expression.
type token struct {
	kind tokKind
	text string
	pos  int
}

func (t token) String() string {
	if t.text != "" {
		return t.text
	}
	return tokText[t.kind]
}

// isSpace reports the bytes DynamoDB takes as white space between tokens.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// isPlaceholderByte reports the bytes that may follow the '#' or ':' of a
// placeholder.
func isPlaceholderByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// validPlaceholder reports whether key is a placeholder DynamoDB takes as a
// key of ExpressionAttributeNames (sigil '#') or ExpressionAttributeValues
// (sigil ':').
func validPlaceholder(key string, sigil byte) bool {
	if len(key) < 2 || key[0] != sigil {
		return false
	}
	for i := 1; i < len(key); i++ {
		if !isPlaceholderByte(key[i]) {
			return false
		}
	}
	return true
}

// lex splits s into tokens, ending with a tEOF token. A byte that starts no
// token is a syntax error.
func lex(s string, toks []token) ([]token, error) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isSpace(c):
			i++
			continue
		case isLetter(c):
			j := i + 1
			for j < len(s) && (isLetter(s[j]) || isDigit(s[j]) || s[j] == '_') {
				j++
			}
			toks = append(toks, token{tIdent, s[i:j], i})
			i = j
			continue
		case isDigit(c):
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			toks = append(toks, token{tNumber, s[i:j], i})
			i = j
			continue
		case c == '#' || c == ':':
			j := i + 1
			for j < len(s) && isPlaceholderByte(s[j]) {
				j++
			}
			if j == i+1 {
				return nil, syntaxError(s, i, s[i:i+1])
			}
			k := tName
			if c == ':' {
				k = tValue
			}
			toks = append(toks, token{k, s[i:j], i})
			i = j
			continue
		}
		k, n := tEOF, 1
		switch c {
		case '(':
			k = tLParen
		case ')':
			k = tRParen
		case '[':
			k = tLBrack
		case ']':
			k = tRBrack
		case ',':
			k = tComma
		case '.':
			k = tDot
		case '=':
			k = tEq
		case '+':
			k = tPlus
		case '-':
			k = tMinus
		case '<':
			k = tLt
			if i+1 < len(s) && s[i+1] == '=' {
				k, n = tLe, 2
			} else if i+1 < len(s) && s[i+1] == '>' {
				k, n = tNe, 2
			}
		case '>':
			k = tGt
			if i+1 < len(s) && s[i+1] == '=' {
				k, n = tGe, 2
			}
		default:
			end := i + 1
			for end < len(s) && s[end]&0xC0 == 0x80 {
				end++ // the whole of a UTF-8 sequence
			}
			return nil, syntaxError(s, i, s[i:end])
		}
		toks = append(toks, token{kind: k, pos: i})
		i += n
	}
	return append(toks, token{kind: tEOF, pos: len(s)}), nil
}

// keyword reports whether t is the keyword kw, which DynamoDB takes in any
// case.
func keyword(t token, kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}
