package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tenantrepo/tenantrepo/tenanthttp"
)

var (
	// ErrConfig reports options or keys New refuses.
	ErrConfig = errors.New("jwtauth: invalid configuration")
	// ErrInvalidToken reports a token that did not verify: malformed,
	// forged, expired, not yet valid, of another issuer or audience, of an
	// algorithm not allowed, or without the tenant claim. The error wraps
	// golang-jwt's error too (jwt.ErrTokenExpired, ...).
	ErrInvalidToken = errors.New("jwtauth: invalid token")
	// ErrUnknownKey reports a token whose key is not known: a JWKS without
	// its kid, or a key that does not suit its algorithm. It comes with
	// ErrInvalidToken.
	ErrUnknownKey = errors.New("jwtauth: no key for the token")
)

// Keys finds the key that verifies a token of algorithm alg with key ID
// kid ("" when the token has none). HMAC, PublicKey and *JWKS implement
// it.
type Keys interface {
	Key(ctx context.Context, kid, alg string) (any, error)
}

// staticKeys is one key for every token.
type staticKeys struct{ key any }

func (s staticKeys) Key(context.Context, string, string) (any, error) { return s.key, nil }

// HMAC returns Keys holding one HMAC secret, for the HS256, HS384 and
// HS512 algorithms. The secret is copied.
func HMAC(secret []byte) Keys { return staticKeys{key: append([]byte(nil), secret...)} }

// PublicKey returns Keys holding one public key: *rsa.PublicKey (RS*, PS*),
// *ecdsa.PublicKey (ES* of its curve) or ed25519.PublicKey (EdDSA). New
// refuses any other type.
func PublicKey(key any) Keys { return staticKeys{key: key} }

// Options configure New.
type Options struct {
	// Algorithms are the JWS algorithms accepted, such as "RS256"; at
	// least one, never "none", each suited to the keys (see the package
	// documentation).
	Algorithms []string
	// Issuer, when set, must equal the token's "iss".
	Issuer string
	// Audience, when set, must be among the token's "aud".
	Audience string
	// Claim names the claim holding the tenant ID; default "tenant_id".
	Claim string
	// Leeway is the clock skew allowed for exp and nbf.
	Leeway time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// keyKind is the kind of key an algorithm is checked with.
type keyKind int

const (
	kindHMAC keyKind = iota + 1
	kindRSA
	kindECDSA
	kindEd25519
)

// algorithms are the algorithms New accepts, with their key kind (and, for
// ECDSA, curve).
var algorithms = map[string]struct {
	kind  keyKind
	curve elliptic.Curve
}{
	"HS256": {kind: kindHMAC}, "HS384": {kind: kindHMAC}, "HS512": {kind: kindHMAC},
	"RS256": {kind: kindRSA}, "RS384": {kind: kindRSA}, "RS512": {kind: kindRSA},
	"PS256": {kind: kindRSA}, "PS384": {kind: kindRSA}, "PS512": {kind: kindRSA},
	"ES256": {kind: kindECDSA, curve: elliptic.P256()},
	"ES384": {kind: kindECDSA, curve: elliptic.P384()},
	"ES512": {kind: kindECDSA, curve: elliptic.P521()},
	"EdDSA": {kind: kindEd25519},
}

// suits reports whether key is of the kind alg is checked with.
func suits(alg string, key any) bool {
	a, ok := algorithms[alg]
	if !ok {
		return false
	}
	switch k := key.(type) {
	case []byte:
		return a.kind == kindHMAC && len(k) > 0
	case *rsa.PublicKey:
		return a.kind == kindRSA && k != nil && k.N != nil
	case *ecdsa.PublicKey:
		return a.kind == kindECDSA && k != nil && k.Curve == a.curve
	case ed25519.PublicKey:
		return a.kind == kindEd25519 && len(k) == ed25519.PublicKeySize
	}
	return false
}

// New returns a Verifier checking tokens with keys and opts. Errors wrap
// ErrConfig: no keys, no algorithms, "none" or an unknown algorithm, an
// algorithm that does not suit a static key.
func New(keys Keys, opts Options) (tenanthttp.Verifier, error) {
	if keys == nil {
		return nil, fmt.Errorf("%w: no keys", ErrConfig)
	}
	if len(opts.Algorithms) == 0 {
		return nil, fmt.Errorf("%w: no algorithms allowed", ErrConfig)
	}
	for _, alg := range opts.Algorithms {
		if _, ok := algorithms[alg]; !ok {
			return nil, fmt.Errorf("%w: algorithm %q is not accepted", ErrConfig, alg)
		}
		if s, ok := keys.(staticKeys); ok && !suits(alg, s.key) {
			return nil, fmt.Errorf("%w: algorithm %s does not suit the key (%T)", ErrConfig, alg, s.key)
		}
	}
	if opts.Claim == "" {
		opts.Claim = "tenant_id"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	popts := []jwt.ParserOption{
		jwt.WithValidMethods(append([]string(nil), opts.Algorithms...)),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(opts.Leeway),
		jwt.WithTimeFunc(opts.Now),
		jwt.WithStrictDecoding(),
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	if opts.Audience != "" {
		popts = append(popts, jwt.WithAudience(opts.Audience))
	}
	parser := jwt.NewParser(popts...)
	claim := opts.Claim
	return func(r *http.Request) (string, error) {
		raw, err := bearer(r)
		if err != nil {
			return "", err
		}
		claims := jwt.MapClaims{}
		_, err = parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
			alg := t.Method.Alg()
			kid, _ := t.Header["kid"].(string)
			if _, ok := t.Header["kid"]; ok && kid == "" {
				return nil, fmt.Errorf("%w: kid is not a non-empty string", ErrUnknownKey)
			}
			key, err := keys.Key(r.Context(), kid, alg)
			if err != nil {
				return nil, err
			}
			if !suits(alg, key) {
				return nil, fmt.Errorf("%w: the key does not suit %s", ErrUnknownKey, alg)
			}
			return key, nil
		})
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalidToken, err)
		}
		v, ok := claims[claim]
		if !ok {
			return "", fmt.Errorf("%w: no claim %q", ErrInvalidToken, claim)
		}
		id, ok := v.(string)
		if !ok || id == "" {
			return "", fmt.Errorf("%w: claim %q is not a non-empty string", ErrInvalidToken, claim)
		}
		return id, nil
	}, nil
}

// bearer returns the token of the request's one Authorization header.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Values("Authorization")
	switch {
	case len(h) == 0:
		return "", tenanthttp.ErrNoCredentials
	case len(h) > 1:
		return "", fmt.Errorf("%w: more than one Authorization header", ErrInvalidToken)
	}
	scheme, tok, ok := strings.Cut(h[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", fmt.Errorf("%w: the Authorization header is not \"Bearer <token>\"", ErrInvalidToken)
	}
	return strings.TrimSpace(tok), nil
}
