// Command tenantapi is the shop's operations over HTTP, one tenant per
// request, the tenant taken only from a verified JWT (packages tenanthttp
// and tenanthttp/jwtauth):
//
//	go run ./cmd/tenantapi                                  # in-memory, demo tokens printed
//	go run ./cmd/tenantapi -endpoint http://127.0.0.1:8000 -hmac-key secret
//	go run ./cmd/tenantapi -jwks-url https://issuer.example/jwks.json -alg RS256 -issuer https://issuer.example/ -audience tenantapi
//
// On the memory backend without -hmac-key or -jwks-url it makes a random
// HMAC key and prints a token for each of the tenants acme and globex
// (valid 24 hours) and curl commands to try them. With -endpoint it uses
// DynamoDB (creating the table when missing) and needs -hmac-key or
// -jwks-url. -tenant-rps and -tenant-units put a limiter (package limit)
// in front of the store: each tenant may send that many requests and
// consume that many capacity units a second; over it, 429.
//
// Routes (JSON in and out; every one needs "Authorization: Bearer <token>"):
//
//	POST /users                {"name","email"[,"id"]}           201 user
//	GET  /users/{id}                                              200 user
//	POST /orders               {"user_id","amount"[,"id"]}        201 order
//	GET  /orders               [?limit=N][&cursor=C]              200 {"items","next"}
//	GET  /users/{id}/orders    [?limit=N][&cursor=C]              200 {"items","next"}, newest first
//
// Errors are {"error": "..."} with: 401 (with WWW-Authenticate) for a
// missing or bad token, 400 for a token whose tenant breaks the key rules,
// bad JSON, unknown JSON fields (a "tenant" field too), unknown query
// parameters, a bad ID (one with '#'), a bad cursor (one from another
// tenant or route) or an order for a user the tenant lacks; 404 not found;
// 409 already exists or version conflict; 412 condition failed; 413 item
// too large; 429 throttled, with Retry-After (the limiter's wait in seconds
// rounded up, or 1 for DynamoDB's own throttling); 500 anything else (logged,
// not shown).
package main
