package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Profile is the entity of every benchmark: seven attributes of the common
// kinds, about 200 bytes stored.
type Profile struct {
	ID     string   `dynamodbav:"profile_id"`
	Name   string   `dynamodbav:"name"`
	Email  string   `dynamodbav:"email"`
	Plan   string   `dynamodbav:"plan"`
	Logins int64    `dynamodbav:"logins"`
	Active bool     `dynamodbav:"active"`
	Tags   []string `dynamodbav:"tags,stringset,omitempty"`
}

func (Profile) EntityPrefix() string     { return "profile" }
func (p Profile) EntityID() string       { return p.ID }
func (p *Profile) SetEntityID(id string) { p.ID = id }

const (
	benchTenant = "acme-corporation"
	benchTable  = "bench"
	pageSize    = 100
)

// profile returns the i-th benchmark entity, with ID id(i).
func profile(i int) Profile {
	return Profile{
		ID:     id(i),
		Name:   "Customer Number " + strconv.Itoa(i),
		Email:  "customer" + strconv.Itoa(i) + "@example.com",
		Plan:   "enterprise",
		Logins: int64(1000 + i),
		Active: i%2 == 0,
		Tags:   []string{"beta", "eu-west"},
	}
}

// id returns the i-th ID: fixed width, so byte order is numeric order.
func id(i int) string { return fmt.Sprintf("%08d", i) }

func tenantCtx(tb testing.TB, tenant string) context.Context {
	tb.Helper()
	ctx, err := tenantctx.WithTenant(context.Background(), tenant)
	if err != nil {
		tb.Fatal(err)
	}
	return ctx
}

// raw is hand-written aws-sdk-go-v2 code doing what the repository does for
// Get, Put and one page of a query of the tenant's profiles: the same
// requests (PK "tenant#<tenant>", SK "profile#<id>", Limit = page size) and
// the same attributevalue encoding, without the repository's checks,
// cursors or error kinds.
type raw struct {
	c     rawAPI
	table string
}

// rawAPI is what raw calls: an SDK client, or a stub.
type rawAPI interface {
	GetItem(ctx context.Context, in *ddb.GetItemInput, optFns ...func(*ddb.Options)) (*ddb.GetItemOutput, error)
	PutItem(ctx context.Context, in *ddb.PutItemInput, optFns ...func(*ddb.Options)) (*ddb.PutItemOutput, error)
	Query(ctx context.Context, in *ddb.QueryInput, optFns ...func(*ddb.Options)) (*ddb.QueryOutput, error)
}

var errNotFound = errors.New("not found")

func (r raw) key(tenant, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "tenant#" + tenant},
		"SK": &types.AttributeValueMemberS{Value: "profile#" + id},
	}
}

func (r raw) get(ctx context.Context, tenant, id string) (Profile, error) {
	out, err := r.c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String(r.table), Key: r.key(tenant, id)})
	if err != nil {
		return Profile{}, err
	}
	if out.Item == nil {
		return Profile{}, errNotFound
	}
	var p Profile
	err = attributevalue.UnmarshalMap(out.Item, &p)
	return p, err
}

func (r raw) put(ctx context.Context, tenant string, p Profile) error {
	item, err := attributevalue.MarshalMap(p)
	if err != nil {
		return err
	}
	item["PK"] = &types.AttributeValueMemberS{Value: "tenant#" + tenant}
	item["SK"] = &types.AttributeValueMemberS{Value: "profile#" + p.ID}
	_, err = r.c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(r.table), Item: item})
	return err
}

func (r raw) query(ctx context.Context, tenant string, limit int32, start map[string]types.AttributeValue) ([]Profile, map[string]types.AttributeValue, error) {
	out, err := r.c.Query(ctx, &ddb.QueryInput{
		TableName:              aws.String(r.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: "tenant#" + tenant},
			":prefix": &types.AttributeValueMemberS{Value: "profile#"},
		},
		Limit:             aws.Int32(limit),
		ExclusiveStartKey: start,
	})
	if err != nil {
		return nil, nil, err
	}
	var ps []Profile
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &ps); err != nil {
		return nil, nil, err
	}
	return ps, out.LastEvaluatedKey, nil
}

// canned is an http.RoundTripper that answers every DynamoDB request with
// the canned response body of its operation, as DynamoDB sends it (with its
// CRC32 header, which the SDK checks), after reading the request body.
// With capacity set it answers with the ConsumedCapacity DynamoDB reports
// to a request that asks for it at that level, as a metered repository
// call's requests do since issue #14: each side gets the transport that
// answers what its requests ask (see cannedClients, and BenchmarkIssue14's
// limiter, whose requests ask for TOTAL). It is a field rather than a look
// at each request so that the transport costs every side the same.
type canned struct {
	// bodies are by operation: "GetItem", ...; op+"+"+level is the answer
	// that reports ConsumedCapacity at that level (TOTAL or INDEXES).
	bodies   map[string][]byte
	capacity types.ReturnConsumedCapacity
}

func (c *canned) RoundTrip(r *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	if c.capacity != "" {
		op += "+" + string(c.capacity)
	}
	body, ok := c.bodies[op]
	if !ok {
		return nil, fmt.Errorf("canned: no response for %q", op)
	}
	return &http.Response{
		Status:     "200 OK",
		StatusCode: http.StatusOK,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header: http.Header{
			"Content-Type":     {"application/x-amz-json-1.0"},
			"Content-Length":   {strconv.Itoa(len(body))},
			"X-Amz-Crc32":      {strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)},
			"X-Amzn-Requestid": {"BENCHMARKREQUESTID0000000000000000000000000000000000"},
		},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

// client returns an SDK client whose requests go to rt, configured as
// internal/dynamotest configures its clients (aws.Config built directly:
// no shared configuration is read), with optFns applied to its options.
func client(rt http.RoundTripper, endpoint string, optFns ...func(*ddb.Options)) *ddb.Client {
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	}
	if rt != nil {
		cfg.HTTPClient = &http.Client{Transport: rt}
	}
	return ddb.NewFromConfig(cfg, optFns...)
}

// cannedEndpoint is the endpoint of the clients over the canned transport.
const cannedEndpoint = "http://dynamodb.canned.invalid"

// cannedClients returns the clients of the two sides of a comparison over
// the canned transport, with optFns applied to both: the repository's,
// whose transport reports ConsumedCapacity INDEXES (what an observed
// call's requests ask for; an unmetered call's do not ask, so on that side
// the figures are the pessimistic ones), and the hand-written side's,
// whose requests do not ask and get none.
func cannedClients(optFns ...func(*ddb.Options)) (repoClient, rawClient *ddb.Client) {
	bodies := cannedResponses(benchTenant)
	return client(&canned{bodies: bodies, capacity: types.ReturnConsumedCapacityIndexes}, cannedEndpoint, optFns...),
		client(&canned{bodies: bodies}, cannedEndpoint, optFns...)
}

// itemJSON returns the i-th profile as DynamoDB's JSON protocol writes an
// item, stored for the tenant.
func itemJSON(tenant string, i int) string {
	p := profile(i)
	return fmt.Sprintf(`{"PK":{"S":%q},"SK":{"S":%q},"profile_id":{"S":%q},"name":{"S":%q},"email":{"S":%q},"plan":{"S":%q},"logins":{"N":"%d"},"active":{"BOOL":%t},"tags":{"SS":["beta","eu-west"]}}`,
		"tenant#"+tenant, "profile#"+p.ID, p.ID, p.Name, p.Email, p.Plan, p.Logins, p.Active)
}

// cannedResponses returns DynamoDB's answers to a GetItem of profile 42, a
// PutItem, and a Query page of pageSize profiles that stopped at its Limit.
func cannedResponses(tenant string) map[string][]byte {
	var q strings.Builder
	q.WriteString(`{"Count":100,"Items":[`)
	for i := range pageSize {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(itemJSON(tenant, i))
	}
	fmt.Fprintf(&q, `],"LastEvaluatedKey":{"PK":{"S":%q},"SK":{"S":%q}},"ScannedCount":100}`, "tenant#"+tenant, "profile#"+id(pageSize-1))
	bodies := map[string][]byte{
		"GetItem": []byte(`{"Item":` + itemJSON(tenant, 42) + `}`),
		"PutItem": []byte(`{}`),
		"Query":   []byte(q.String()),
	}
	// What DynamoDB reports with ReturnConsumedCapacity INDEXES (the
	// table's figures beside the totals) and TOTAL (the totals alone), in
	// its fuller form (a provisioned table's: read or write units beside the
	// total; DynamoDB Local reports the total alone, which takes the SDK
	// less to decode): the profiles are in no index, a Get and the page are
	// eventually consistent (0.5 units per 4 KB; the page's 100 items take
	// about 15 KB), a Put of about 150 bytes is one write unit.
	for op, units := range map[string]string{
		"GetItem": `"CapacityUnits":0.5,"ReadCapacityUnits":0.5`,
		"PutItem": `"CapacityUnits":1.0,"WriteCapacityUnits":1.0`,
		"Query":   `"CapacityUnits":2.0,"ReadCapacityUnits":2.0`,
	} {
		body := bodies[op]
		for level, cc := range map[types.ReturnConsumedCapacity]string{
			types.ReturnConsumedCapacityIndexes: `"ConsumedCapacity":{` + units + `,"Table":{` + units + `},"TableName":"` + benchTable + `"}`,
			types.ReturnConsumedCapacityTotal:   `"ConsumedCapacity":{` + units + `,"TableName":"` + benchTable + `"}`,
		} {
			if len(body) > 2 {
				cc += ","
			}
			bodies[op+"+"+string(level)] = append([]byte(`{`+cc), body[1:]...)
		}
	}
	return bodies
}
