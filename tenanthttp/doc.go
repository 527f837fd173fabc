// Package tenanthttp puts the tenant of an HTTP request into the request's
// context (package tenantctx) from an identity the application verifies,
// so that handlers reach repositories only with the tenant the caller
// proved, never one it merely named.
//
// The application supplies the verification, a Verifier: a function from
// the request to a tenant ID. Package tenanthttp/jwtauth has a ready one
// that verifies a JWT (golang-jwt) and reads a named claim.
//
//	verify, err := jwtauth.New(jwtauth.HMAC(key), jwtauth.Options{Algorithms: []string{"HS256"}})
//	...
//	http.ListenAndServe(addr, tenanthttp.Middleware(verify)(mux))
//
// Middleware answers, and calls no handler, when
//   - the Verifier fails (missing, malformed, forged or expired identity):
//     401 Unauthorized with a WWW-Authenticate challenge;
//   - the Verifier returns an empty tenant ID: 401 likewise (an identity
//     that names no tenant is no tenant identity);
//   - the tenant ID breaks the key rules (tenantctx.WithTenant fails with
//     tenantctx.ErrInvalidTenant): 400 Bad Request.
//
// Otherwise the handler runs with the request's context carrying the
// tenant, and tenantctx.Tenant (and so every repository) sees it. The
// bodies of the refusals are short fixed texts: the Verifier's error is
// handed to Options.OnError for logging, never to the client.
//
// The middleware does not read the tenant from anything else in the
// request: headers such as X-Tenant, the path, the query and the body are
// the handler's business, and a handler that takes the tenant from the
// context cannot be steered by them.
package tenanthttp
