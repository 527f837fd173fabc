package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/guard"
	"github.com/tenantrepo/tenantrepo/internal/awsconfig"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenanthttp/jwtauth"
)

// clientOptions configure the DynamoDB client: the tenant guard (package
// guard) checks every request against the tenant in its context before it
// is sent, so that even a raw SDK call a handler might make stays within
// the request's tenant.
var clientOptions = []func(*dynamodb.Options){guard.Install}

// config is the command line.
type config struct {
	addr, endpoint, table   string
	hmacKey, jwksURL, algs  string
	issuer, audience, claim string
	// tenantRPS and tenantUnits are each tenant's limits (package
	// limit); 0 is none.
	tenantRPS, tenantUnits float64
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address")
	flag.StringVar(&c.endpoint, "endpoint", os.Getenv("DYNAMODB_ENDPOINT"), "DynamoDB endpoint; empty runs on the in-memory backend")
	flag.StringVar(&c.table, "table", "tenantapi", "DynamoDB table, created when missing")
	flag.StringVar(&c.hmacKey, "hmac-key", os.Getenv("TENANTAPI_HMAC_KEY"), "HMAC secret of the tokens (or TENANTAPI_HMAC_KEY)")
	flag.StringVar(&c.jwksURL, "jwks-url", "", "URL of the issuer's JWKS (instead of -hmac-key)")
	flag.StringVar(&c.algs, "alg", "", "allowed algorithms, comma-separated; default HS256 with -hmac-key, RS256 with -jwks-url")
	flag.StringVar(&c.issuer, "issuer", "tenantapi", "required iss; empty checks none")
	flag.StringVar(&c.audience, "audience", "tenantapi", "required aud; empty checks none")
	flag.StringVar(&c.claim, "claim", "tenant_id", "claim holding the tenant ID")
	flag.Float64Var(&c.tenantRPS, "tenant-rps", 0, "each tenant's limit in requests per second to the store; 0 is none")
	flag.Float64Var(&c.tenantUnits, "tenant-units", 0, "each tenant's limit in capacity units per second; 0 is none")
	flag.Parse()

	logger := log.New(os.Stderr, "tenantapi: ", log.LstdFlags)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	h, err := setup(ctx, c, os.Stdout, logger)
	cancel()
	if err != nil {
		logger.Fatal(err)
	}
	srv := &http.Server{Addr: c.addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	logger.Printf("listening on http://%s", c.addr)
	logger.Fatal(srv.ListenAndServe())
}

// setup opens the store and the verifier and returns the handler; in
// memory mode with an HMAC key it prints demo tokens to out.
func setup(ctx context.Context, c config, out io.Writer, logger *log.Logger) (http.Handler, error) {
	if c.hmacKey != "" && c.jwksURL != "" {
		return nil, errors.New("-hmac-key and -jwks-url exclude each other")
	}
	var b backend.Backend
	if c.endpoint == "" {
		fmt.Fprintln(out, "backend: in-memory")
		b = memory.New()
	} else {
		if c.hmacKey == "" && c.jwksURL == "" {
			return nil, errors.New("with -endpoint, give -hmac-key or -jwks-url")
		}
		fmt.Fprintf(out, "backend: DynamoDB at %s, table %s\n", c.endpoint, c.table)
		d, err := dynamodbbackend.New(dynamodb.NewFromConfig(awsconfig.Static(c.endpoint), clientOptions...), c.table)
		if err != nil {
			return nil, err
		}
		// Creating the table is an operator's act, not a tenant's: the
		// guard allows it only so.
		opCtx, err := tenantctx.AsOperator(ctx, "tenantapi: create the table when missing")
		if err != nil {
			return nil, err
		}
		if err := d.EnsureTable(opCtx); err != nil {
			return nil, err
		}
		b = d
	}
	if c.tenantRPS != 0 || c.tenantUnits != 0 {
		lim := limit.Limits{RequestsPerSecond: c.tenantRPS, UnitsPerSecond: c.tenantUnits}
		// Refuse a bad flag at start-up rather than at every request.
		if err := lim.Check(); err != nil {
			return nil, fmt.Errorf("-tenant-rps %v, -tenant-units %v: %w", c.tenantRPS, c.tenantUnits, err)
		}
		lb, err := limit.New(b, limit.WithLimits(func(string) limit.Limits { return lim }))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "limits per tenant: %v requests/s, %v capacity units/s (0: none)\n", c.tenantRPS, c.tenantUnits)
		b = lb
	}
	var keys jwtauth.Keys
	algs := "HS256"
	demo := false
	switch {
	case c.jwksURL != "":
		keys, algs = jwtauth.NewJWKS(c.jwksURL), "RS256"
	case c.hmacKey != "":
		keys = jwtauth.HMAC([]byte(c.hmacKey))
		demo = c.endpoint == ""
	default:
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		c.hmacKey = string(secret)
		keys, demo = jwtauth.HMAC(secret), true
	}
	if c.algs != "" {
		algs = c.algs
	}
	verify, err := jwtauth.New(keys, jwtauth.Options{
		Algorithms: strings.Split(algs, ","),
		Issuer:     c.issuer, Audience: c.audience, Claim: c.claim,
		Leeway: 30 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	if demo {
		for _, tenant := range []string{"acme", "globex"} {
			tok, err := demoToken([]byte(c.hmacKey), c, tenant, time.Now())
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(out, "token for tenant %s (24h):\n  %s\n", tenant, tok)
			if tenant == "acme" {
				fmt.Fprintf(out, "try:\n  curl -s -H 'Authorization: Bearer %s' -d '{\"name\":\"Alice\",\"email\":\"alice@example.com\"}' http://%s/users\n", tok, c.addr)
				fmt.Fprintf(out, "  curl -s -H 'Authorization: Bearer %s' http://%s/orders\n", tok, c.addr)
			}
		}
	}
	return newHandler(b, verify, logger)
}

// demoToken signs an HS256 token for tenant, as the service checks them.
func demoToken(key []byte, c config, tenant string, now time.Time) (string, error) {
	claims := jwt.MapClaims{
		c.claim: tenant,
		"sub":   "demo-" + tenant,
		"iat":   now.Unix(),
		"exp":   now.Add(24 * time.Hour).Unix(),
	}
	if c.issuer != "" {
		claims["iss"] = c.issuer
	}
	if c.audience != "" {
		claims["aud"] = c.audience
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}
