package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/awsconfig"
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
	cfg, err := awsConfig(ctx, p)
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

// awsConfig is the client configuration of p (see awsconfig.Load); a
// missing region is a usage error.
func awsConfig(ctx context.Context, p place) (aws.Config, error) {
	cfg, err := awsconfig.Load(ctx, p.endpoint, p.region)
	if errors.Is(err, awsconfig.ErrNoRegion) {
		return aws.Config{}, usagef("--region is required (or AWS_REGION, or a region in the AWS config file) without --endpoint")
	}
	return cfg, err
}
