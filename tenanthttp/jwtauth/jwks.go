package jwtauth

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// ErrJWKS reports a key set that could not be fetched or read. It comes
// with ErrUnknownKey.
var ErrJWKS = errors.New("jwtauth: JWKS unavailable")

// JWKSOptions tune a JWKS.
type JWKSOptions struct {
	// Client fetches the set; default an http.Client with a 10s timeout.
	// A Client without a timeout lets a hung issuer hold every request
	// that needs the set.
	Client *http.Client
	// MaxAge is how long a fetched set is used before it is fetched
	// again; default 10 minutes.
	MaxAge time.Duration
	// MinRefresh is the least time between two fetches, so that tokens
	// with made-up kids cannot make the service hammer the issuer;
	// default 1 minute.
	MinRefresh time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// JWKS is Keys from a JSON Web Key Set (RFC 7517) at a URL, fetched on
// first use and cached. It is safe for concurrent use.
type JWKS struct {
	url  string
	opts JWKSOptions

	mu      sync.Mutex
	keys    map[string]jwk // by kid
	fetched time.Time      // of the keys in use
	tried   time.Time      // the last fetch, successful or not
}

// jwk is one parsed key of the set.
type jwk struct {
	key any
	alg string // "" when the set names none
}

// NewJWKS returns the key set at url. Nothing is fetched until a token
// needs a key.
func NewJWKS(url string, optFns ...func(*JWKSOptions)) *JWKS {
	opts := JWKSOptions{MaxAge: 10 * time.Minute, MinRefresh: time.Minute, Now: time.Now}
	for _, fn := range optFns {
		fn(&opts)
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &JWKS{url: url, opts: opts}
}

// Key returns the key of kid for alg, fetching the set when it is older
// than MaxAge, or when kid is unknown and the last fetch is older than
// MinRefresh. A token without kid is checked with the set's only key, if
// it has exactly one. Errors wrap ErrUnknownKey (and ErrJWKS when the set
// could not be had).
func (s *JWKS) Key(ctx context.Context, kid, alg string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	stale := s.keys == nil || now.Sub(s.fetched) >= s.opts.MaxAge
	_, known := s.find(kid)
	if (stale || !known) && (s.tried.IsZero() || now.Sub(s.tried) >= s.opts.MinRefresh) {
		s.tried = now
		// The fetch serves every request waiting for the set, so one
		// caller that goes away must not fail it (and hold off the next
		// fetch for MinRefresh): it runs without the caller's
		// cancellation, bounded by the client's timeout.
		keys, err := s.fetch(context.WithoutCancel(ctx))
		if err == nil {
			s.keys, s.fetched = keys, now
		} else if s.keys == nil {
			return nil, fmt.Errorf("%w: %w: %w", ErrUnknownKey, ErrJWKS, err)
		}
		// A failed refresh keeps the keys in use.
	}
	if s.keys == nil {
		return nil, fmt.Errorf("%w: %w: the last fetch failed", ErrUnknownKey, ErrJWKS)
	}
	k, ok := s.find(kid)
	if !ok {
		return nil, fmt.Errorf("%w: kid %q is not in the key set", ErrUnknownKey, kid)
	}
	if k.alg != "" && k.alg != alg {
		return nil, fmt.Errorf("%w: key %q is for %s, the token is %s", ErrUnknownKey, kid, k.alg, alg)
	}
	return k.key, nil
}

// find returns the key of kid, or the only key when kid is "".
func (s *JWKS) find(kid string) (jwk, bool) {
	if kid == "" {
		if len(s.keys) == 1 {
			for _, k := range s.keys {
				return k, true
			}
		}
		return jwk{}, false
	}
	k, ok := s.keys[kid]
	return k, ok
}

// fetch gets and parses the set.
func (s *JWKS) fetch(ctx context.Context) (map[string]jwk, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", s.url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return parseJWKS(body)
}

// rawJWK is a key as the set spells it.
type rawJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS parses a JSON Web Key Set into its signing keys by kid: RSA,
// EC (P-256, P-384, P-521) and OKP Ed25519 public keys whose "use" is
// absent or "sig". Keys of other types or uses are skipped; a key of a
// known type that does not parse, or two keys with one kid, is an error.
// Keys without a kid are kept under "" and only used when the set has no
// other.
func parseJWKS(data []byte) (map[string]jwk, error) {
	var set struct {
		Keys []rawJWK `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("key set: %w", err)
	}
	keys := map[string]jwk{}
	for i, r := range set.Keys {
		if r.Use != "" && r.Use != "sig" {
			continue
		}
		var key any
		var err error
		switch r.Kty {
		case "RSA":
			key, err = rsaKey(r)
		case "EC":
			key, err = ecKey(r)
		case "OKP":
			if r.Crv != "Ed25519" {
				continue
			}
			var x []byte
			x, err = b64(r.X)
			if err == nil && len(x) != ed25519.PublicKeySize {
				err = errors.New("bad Ed25519 key size")
			}
			key = ed25519.PublicKey(x)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("key %d (kid %q): %w", i, r.Kid, err)
		}
		if r.Alg != "" && !suits(r.Alg, key) {
			return nil, fmt.Errorf("key %d (kid %q): alg %q does not suit a %s key", i, r.Kid, r.Alg, r.Kty)
		}
		if _, dup := keys[r.Kid]; dup {
			return nil, fmt.Errorf("key %d: kid %q appears twice", i, r.Kid)
		}
		keys[r.Kid] = jwk{key: key, alg: r.Alg}
	}
	return keys, nil
}

func b64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func rsaKey(r rawJWK) (*rsa.PublicKey, error) {
	n, err := b64(r.N)
	if err != nil || len(n) == 0 {
		return nil, errors.New("bad RSA modulus")
	}
	e, err := b64(r.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad RSA exponent")
	}
	exp := int(new(big.Int).SetBytes(e).Int64())
	mod := new(big.Int).SetBytes(n)
	if exp < 3 || exp%2 == 0 || mod.BitLen() < 2048 {
		return nil, errors.New("RSA key too weak (modulus under 2048 bits or bad exponent)")
	}
	return &rsa.PublicKey{N: mod, E: exp}, nil
}

func ecKey(r rawJWK) (*ecdsa.PublicKey, error) {
	var curve elliptic.Curve
	var ec ecdh.Curve
	switch r.Crv {
	case "P-256":
		curve, ec = elliptic.P256(), ecdh.P256()
	case "P-384":
		curve, ec = elliptic.P384(), ecdh.P384()
	case "P-521":
		curve, ec = elliptic.P521(), ecdh.P521()
	default:
		return nil, fmt.Errorf("unsupported curve %q", r.Crv)
	}
	size := (curve.Params().BitSize + 7) / 8
	x, errX := b64(r.X)
	y, errY := b64(r.Y)
	if errX != nil || errY != nil || len(x) != size || len(y) != size {
		return nil, errors.New("bad EC coordinates")
	}
	// crypto/ecdh checks that the point is on the curve.
	point := append(append([]byte{4}, x...), y...)
	if _, err := ec.NewPublicKey(point); err != nil {
		return nil, fmt.Errorf("EC point: %w", err)
	}
	return &ecdsa.PublicKey{Curve: curve, X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}, nil
}
