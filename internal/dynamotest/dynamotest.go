package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
)

// EnvEndpoint is the environment variable that holds DynamoDB Local's
// endpoint, such as http://127.0.0.1:8000.
const EnvEndpoint = "DYNAMODB_ENDPOINT"

// Region is the region the test client uses. DynamoDB Local keeps one
// database per access key and region.
const Region = "us-east-1"

// Endpoint returns the DynamoDB Local endpoint from DYNAMODB_ENDPOINT. When
// it is unset, the test is skipped, or fails when the environment variable CI
// is "true". An endpoint that is not a loopback address fails the test.
func Endpoint(t testing.TB) string {
	t.Helper()
	ep := os.Getenv(EnvEndpoint)
	if ep == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(EnvEndpoint + " not set in CI; run the tests through `scripts/dynamodb-local.sh with -- go test ./...`")
		}
		t.Skip(EnvEndpoint + " not set; run `make test` to start DynamoDB Local and run these tests")
	}
	if err := checkLoopback(ep); err != nil {
		t.Fatalf("%s=%q: %v", EnvEndpoint, ep, err)
	}
	return ep
}

// checkLoopback returns an error unless endpoint is an http(s) URL whose
// host is localhost or a loopback address (127.0.0.0/8, ::1).
func checkLoopback(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("host %q is not a loopback address; tests only talk to DynamoDB Local on this machine", host)
}

var (
	clientsMu      sync.Mutex
	clients        = map[string]*dynamodb.Client{}
	streamsClients = map[string]*dynamodbstreams.Client{}
)

// config returns the AWS configuration of the test clients.
func config(ep string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(ep),
	}
}

// StreamsClient returns a DynamoDB Streams client for the endpoint of
// Endpoint, configured as Client is. Clients are shared between the tests
// of one process.
func StreamsClient(t testing.TB) *dynamodbstreams.Client {
	t.Helper()
	ep := Endpoint(t)
	clientsMu.Lock()
	defer clientsMu.Unlock()
	if c, ok := streamsClients[ep]; ok {
		return c
	}
	c := dynamodbstreams.NewFromConfig(config(ep))
	streamsClients[ep] = c
	return c
}

// NewFeedTable is NewTable with the change feed on: the table has a stream
// of new and old images, read through StreamsClient.
func NewFeedTable(t testing.TB, optFns ...func(*dynamodbbackend.Options)) *dynamodbbackend.Backend {
	t.Helper()
	feed := func(o *dynamodbbackend.Options) {
		o.ChangeFeed = true
		o.Streams = StreamsClient(t)
	}
	return NewTable(t, append([]func(*dynamodbbackend.Options){feed}, optFns...)...)
}

// Client returns a DynamoDB client for the endpoint of Endpoint, with the
// static credentials "local"/"local" and region us-east-1. It reads no
// shared AWS configuration or environment. Clients are shared between the
// tests of one process.
func Client(t testing.TB) *dynamodb.Client {
	t.Helper()
	ep := Endpoint(t)
	clientsMu.Lock()
	defer clientsMu.Unlock()
	if c, ok := clients[ep]; ok {
		return c
	}
	c := dynamodb.NewFromConfig(config(ep))
	clients[ep] = c
	return c
}

// TableName returns a new table name, "t_" and 16 random hex digits.
func TableName(t testing.TB) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random table name: %v", err)
	}
	return "t_" + hex.EncodeToString(b[:])
}

// NewTable returns a Backend on a new table of its own, created with
// EnsureTable and deleted when the test ends. The table has all the
// secondary indexes a table may have (backend.MaxIndexes), as the memory
// backend has by default, unless optFns set Options.Indexes or
// Options.IndexSlots (dynamodb.WithIndexSlots).
func NewTable(t testing.TB, optFns ...func(*dynamodbbackend.Options)) *dynamodbbackend.Backend {
	t.Helper()
	client := Client(t)
	name := TableName(t)
	allIndexes := func(o *dynamodbbackend.Options) { o.Indexes = backend.MaxIndexes }
	b, err := dynamodbbackend.New(client, name, append([]func(*dynamodbbackend.Options){allIndexes}, optFns...)...)
	if err != nil {
		t.Fatalf("dynamodb backend: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.EnsureTable(ctx); err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	DeleteTableOnCleanup(t, client, name)
	return b
}

// NewBackend is NewTable as a backend.Backend, to pass as the constructor
// of a conformance suite.
func NewBackend(t *testing.T) backend.Backend {
	t.Helper()
	return NewTable(t)
}

// DeleteTableOnCleanup registers a cleanup that deletes the table when the
// test ends.
func DeleteTableOnCleanup(t testing.TB, client *dynamodb.Client, name string) {
	t.Helper()
	t.Cleanup(func() {
		// The test's own context is canceled by now.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("delete table %s: %v", name, err)
		}
	})
}
