// Package jwtauth is a ready tenanthttp.Verifier: it verifies a JWT from
// the Authorization header ("Bearer <token>") with
// github.com/golang-jwt/jwt/v5 and returns a named claim as the tenant ID.
//
//	keys := jwtauth.HMAC(secret)                       // or
//	keys := jwtauth.PublicKey(rsaOrECDSAOrEd25519Key)  // or
//	keys := jwtauth.NewJWKS("https://issuer.example/.well-known/jwks.json")
//	verify, err := jwtauth.New(keys, jwtauth.Options{
//		Algorithms: []string{"RS256"},
//		Issuer:     "https://issuer.example/",
//		Audience:   "orders-api",
//		Claim:      "tenant_id",
//	})
//	handler := tenanthttp.Middleware(verify)(mux)
//
// What a token must be to pass:
//   - signed with one of Options.Algorithms, a list New requires and
//     checks: "none" and unknown names are refused, and every algorithm
//     must suit the key kind (HMAC names with an HMAC secret only, RS/PS
//     with RSA keys, ES with ECDSA keys of the algorithm's curve, EdDSA
//     with Ed25519), so a token cannot choose how it is checked: an HS256
//     token made with an RSA public key as the secret is refused (alg
//     confusion);
//   - with a signature that verifies under the key (for a JWKS, the key of
//     the token's "kid"; an unknown kid refetches the set at most once per
//     JWKSOptions.MinRefresh and is then refused);
//   - with "exp" in the future (required), "nbf" not in the future, "iss"
//     equal to Options.Issuer and "aud" holding Options.Audience when they
//     are set (each within Options.Leeway);
//   - with the claim Options.Claim a non-empty string.
//
// Anything else is an error, which tenanthttp.Middleware answers with 401;
// a request with no Authorization header gets tenanthttp.ErrNoCredentials.
//
// The JWKS support is the package's own (golang-jwt has none): RSA
// ("kty":"RSA", n and e), EC (P-256, P-384, P-521) and OKP Ed25519 keys
// with "use" absent or "sig"; a key's "alg", when present, must be the
// token's. The set is cached for JWKSOptions.MaxAge.
package jwtauth
