// Package awsconfig builds the aws.Config of the project's commands: a
// hermetic one for the examples (Static: cmd/demo, cmd/tenantapi) and the
// SDK's default configuration for the operator CLI (Load: cmd/tenantctl).
// Both give DynamoDB Local, on a loopback endpoint, dummy credentials when
// the environment has none.
package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// DefaultRegion is the region of a configuration with an endpoint and no
// region set.
const DefaultRegion = "us-east-1"

// ErrNoRegion reports that Load found no region and had no endpoint.
var ErrNoRegion = errors.New("awsconfig: no region")

// localCredentials are the dummy credentials of DynamoDB Local, which
// accepts any.
var localCredentials = credentials.NewStaticCredentialsProvider("local", "local", "")

// Static builds the configuration of endpoint from the environment alone,
// without the shared config files: the region from AWS_REGION (else
// DefaultRegion), the credentials from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (else dummy ones). Enough
// for DynamoDB Local or a given endpoint, and the same wherever it runs.
func Static(endpoint string) aws.Config {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = DefaultRegion
	}
	creds := aws.CredentialsProvider(localCredentials)
	if key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); key != "" && secret != "" {
		creds = credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN"))
	}
	return aws.Config{Region: region, Credentials: creds, BaseEndpoint: aws.String(endpoint)}
}

// Load builds the configuration from the SDK's default configuration: the
// region given, else the SDK's (AWS_REGION, the shared config file's
// profile), else DefaultRegion when there is an endpoint (ErrNoRegion
// when not); the credentials from the SDK's default chain (environment,
// shared files and profiles, SSO, container and instance roles), except
// for a loopback endpoint (DynamoDB Local) when AWS_ACCESS_KEY_ID is not
// set: dummy ones then, so that trying a command locally needs no setup
// and never reaches for an instance role.
func Load(ctx context.Context, endpoint, region string) (aws.Config, error) {
	var optFns []func(*config.LoadOptions) error
	if region != "" {
		optFns = append(optFns, config.WithRegion(region))
	}
	if endpoint != "" && IsLoopback(endpoint) && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		optFns = append(optFns, config.WithCredentialsProvider(localCredentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, optFns...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		if endpoint == "" {
			return aws.Config{}, ErrNoRegion
		}
		cfg.Region = DefaultRegion
	}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return cfg, nil
}

// IsLoopback reports whether endpoint's host is localhost or a loopback
// address.
func IsLoopback(endpoint string) bool {
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
