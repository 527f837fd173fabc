package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
)

// place is a table to act on: a DynamoDB table, or an in-memory one.
type place struct {
	endpoint, region, table string
	memory                  bool
	seed                    string // what to load into a memory table: "" or "demo"
}

// source is the place the global flags name.
func (a *app) source() place {
	return place{
		endpoint: a.g.endpoint,
		region:   a.g.region,
		table:    a.g.table,
		memory:   a.g.memory || a.g.memorySeed != "",
		seed:     a.g.memorySeed,
	}
}

// String names the place for the summary.
func (p place) String() string {
	if p.memory {
		return "memory"
	}
	return "dynamodb:" + p.table
}

// check reports, as a usage error, a place the flags do not name well.
// prefix is "" for the global flags, "to-" for copy's destination.
func (p place) check(prefix string) error {
	switch {
	case p.memory && (p.endpoint != "" || p.table != "" || p.region != ""):
		return usagef("--%smemory takes no --%sendpoint, --%stable or --%sregion", prefix, prefix, prefix, prefix)
	case p.seed != "" && p.seed != "demo":
		return usagef("--memory-seed %q: the only seed is \"demo\"", p.seed)
	case !p.memory && p.table == "":
		return usagef("--%stable is required (or --%smemory to try the tool in memory)", prefix, prefix)
	}
	if p.endpoint != "" {
		u, err := url.Parse(p.endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--%sendpoint %q is not an http(s) URL", prefix, p.endpoint)
		}
	}
	return nil
}

// open returns the backend of p. A DynamoDB table must exist: it is
// described first, so that a wrong name fails before anything else;
// with create, it is created when missing (with the indexes GSI1 ... GSI5)
// and the missing indexes are added.
func open(ctx context.Context, p place, create bool) (backend.Backend, error) {
	if p.memory {
		store := memory.New()
		if p.seed == "demo" {
			if err := seedDemo(ctx, store); err != nil {
				return nil, fmt.Errorf("seeding the memory table: %w", err)
			}
		}
		return store, nil
	}
	cfg, err := awsConfig(p)
	if err != nil {
		return nil, err
	}
	b, err := dynamodbbackend.New(dynamodb.NewFromConfig(cfg), p.table)
	if err != nil {
		return nil, err
	}
	if create {
		err = b.EnsureTable(ctx)
	} else {
		_, err = b.TableIndexes(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", p.table, err)
	}
	return b, nil
}

// awsConfig is the client configuration of p: the region from the flag or
// the environment, the credentials from the environment, or dummy ones
// for a loopback endpoint (DynamoDB Local) when the environment has none.
func awsConfig(p place) (aws.Config, error) {
	cfg := aws.Config{Region: p.region}
	if cfg.Region == "" {
		cfg.Region = firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
	}
	if cfg.Region == "" {
		if p.endpoint == "" {
			return aws.Config{}, usagef("--region is required (or AWS_REGION) without --endpoint")
		}
		cfg.Region = "us-east-1"
	}
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case key != "" && secret != "":
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN"))
	case p.endpoint != "" && isLoopback(p.endpoint):
		cfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	default:
		return aws.Config{}, fmt.Errorf("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (tenantctl reads credentials from the environment)")
	}
	if p.endpoint != "" {
		cfg.BaseEndpoint = aws.String(p.endpoint)
	}
	return cfg, nil
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// isLoopback reports whether endpoint's host is localhost or a loopback
// address.
func isLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
