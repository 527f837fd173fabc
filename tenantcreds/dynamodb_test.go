package tenantcreds_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantcreds"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// user is the entity of the end-to-end test.
type user struct {
	ID   string `dynamodbav:"user_id"`
	Name string `dynamodbav:"user_name"`
}

func (user) EntityPrefix() string     { return "user" }
func (u user) EntityID() string       { return u.ID }
func (u *user) SetEntityID(id string) { u.ID = id }

// signed is one request as DynamoDB Local received it.
type signed struct {
	target    string // X-Amz-Target
	accessKey string // of the Authorization header
	token     string // X-Amz-Security-Token
	tenant    string // of the request's context, "" for none
	operator  bool   // the context carries the operator marker
}

// recorder is a transport in front of DynamoDB Local that records how
// each request was signed, with the tenant of the context it was sent
// with.
type recorder struct {
	mu   sync.Mutex
	reqs []signed
}

var credentialRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/`)

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	s := signed{target: req.Header.Get("X-Amz-Target"), token: req.Header.Get("X-Amz-Security-Token")}
	if m := credentialRE.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
		s.accessKey = m[1]
	}
	s.tenant, _ = tenantctx.FromContext(req.Context())
	_, opErr := tenantctx.Operator(req.Context())
	s.operator = opErr == nil
	r.mu.Lock()
	r.reqs = append(r.reqs, s)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) requests() []signed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]signed(nil), r.reqs...)
}

// TestDynamoDBSignsPerTenant runs repository calls of two tenants, in turn
// and concurrently, through one DynamoDB client on DynamoDB Local whose
// credentials are the Provider, and checks that every request was signed
// with the credentials STS gave the tenant of its context. DynamoDB Local
// keeps one database per access key, so each tenant's key has a table of
// its own there; the test asserts the signatures, not data visibility.
func TestDynamoDBSignsPerTenant(t *testing.T) {
	ep := dynamotest.Endpoint(t)
	f := newFakeSTS(t)
	p := newProvider(t, f, func(o *tenantcreds.Options) {
		o.OperatorCredentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	})
	rec := &recorder{}
	client := dynamodb.NewFromConfig(aws.Config{
		Region:       dynamotest.Region,
		BaseEndpoint: aws.String(ep),
		HTTPClient:   &http.Client{Transport: rec},
		// No Credentials here: the option sets them.
	}, p.DynamoDBOption())

	table := dynamotest.TableName(t)
	b, err := dynamodbbackend.New(client, table)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	op, err := tenantctx.AsOperator(ctx, "create the test table")
	if err != nil {
		t.Fatal(err)
	}
	tenants := []string{"acme", "acme-corp"}
	// The table, in the operator's database and in each tenant's.
	for _, c := range []context.Context{op, tenantctx.MustWithTenant(ctx, tenants[0]), tenantctx.MustWithTenant(ctx, tenants[1])} {
		if err := b.EnsureTable(c); err != nil {
			t.Fatalf("EnsureTable: %v", err)
		}
		t.Cleanup(func() {
			c := context.WithoutCancel(c)
			if _, err := client.DeleteTable(c, &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
				t.Errorf("delete table: %v", err)
			}
		})
	}

	users, err := repo.New[user](b)
	if err != nil {
		t.Fatal(err)
	}
	// In turn, then concurrently.
	for i := range 3 {
		for _, id := range tenants {
			tc := tenantctx.MustWithTenant(ctx, id)
			if _, err := users.Create(tc, user{ID: fmt.Sprint(i), Name: id}); err != nil {
				t.Fatalf("%s: Create: %v", id, err)
			}
			u, err := users.Get(tc, fmt.Sprint(i))
			if err != nil || u.Name != id {
				t.Fatalf("%s: Get: %+v, %v", id, u, err)
			}
		}
	}
	var wg sync.WaitGroup
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := tenants[g%2]
			tc := tenantctx.MustWithTenant(ctx, id)
			if u, err := users.Get(tc, "1"); err != nil || u.Name != id {
				t.Errorf("%s: concurrent Get: %+v, %v", id, u, err)
			}
		}()
	}
	wg.Wait()

	// A raw SDK call with a tenant's context is signed for it too.
	if _, err := client.DescribeTable(tenantctx.MustWithTenant(ctx, tenants[1]), &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err != nil {
		t.Fatalf("raw DescribeTable: %v", err)
	}
	if last := rec.requests()[len(rec.requests())-1]; last.tenant != tenants[1] || last.accessKey != accessKey(tenants[1]) {
		t.Fatalf("raw call recorded as %+v", last)
	}

	// No tenant, no operator: refused before anything is sent.
	before := len(rec.requests())
	_, err = client.ListTables(ctx, &dynamodb.ListTablesInput{})
	if !errors.Is(err, tenantcreds.ErrNoTenant) {
		t.Fatalf("raw call without a tenant: %v, want ErrNoTenant", err)
	}
	if n := len(rec.requests()); n != before {
		t.Fatalf("raw call without a tenant sent %d requests", n-before)
	}

	key := map[string]string{}
	for _, id := range tenants {
		key[id] = accessKey(id)
	}
	perTenant := map[string]int{}
	for _, s := range rec.requests() {
		switch {
		case s.operator:
			if s.accessKey != "local" || s.token != "" {
				t.Errorf("operator request %s signed with %q (token %q), want the base credentials", s.target, s.accessKey, s.token)
			}
		case s.tenant != "":
			perTenant[s.tenant]++
			if s.accessKey != key[s.tenant] || s.token == "" {
				t.Errorf("request %s of tenant %s signed with %q, want %q", s.target, s.tenant, s.accessKey, key[s.tenant])
			}
		default:
			t.Errorf("request %s sent with neither tenant nor operator", s.target)
		}
	}
	// 3 creates and 3 gets each, 10 concurrent gets each, and the
	// table's requests.
	for _, id := range tenants {
		if perTenant[id] < 16 {
			t.Errorf("tenant %s made %d requests, want at least 16", id, perTenant[id])
		}
	}
	if f.calls() != 2 {
		t.Errorf("STS calls = %d, want 2 (one per tenant)", f.calls())
	}
	for i := range 2 {
		if got := f.request(i).Get("Tags.member.1.Value"); got != tenants[0] && got != tenants[1] {
			t.Errorf("STS call %d tagged %q", i, got)
		}
	}
}

// TestDynamoDBAssumeRoleFailure: when STS refuses a tenant, its repository
// call fails with the typed error and nothing reaches DynamoDB (the
// transport records no request; no DynamoDB runs behind it).
func TestDynamoDBAssumeRoleFailure(t *testing.T) {
	f := newFakeSTS(t)
	f.failCode = "AccessDenied"
	p := newProvider(t, f)
	rec := &recorder{}
	client := dynamodb.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://127.0.0.1:9"), // never reached
		HTTPClient:   &http.Client{Transport: noSend{rec}},
	}, p.DynamoDBOption())
	b, err := dynamodbbackend.New(client, "app-data")
	if err != nil {
		t.Fatal(err)
	}
	users := repo.MustNew[user](b)
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	_, err = users.Get(ctx, "42")
	if !errors.Is(err, tenantcreds.ErrAccessDenied) || !errors.Is(err, tenantcreds.ErrAssumeRole) {
		t.Fatalf("Get: %v, want ErrAccessDenied", err)
	}
	_, err = users.Get(context.Background(), "42")
	if err == nil {
		t.Fatal("Get without a tenant succeeded")
	}
	if n := len(rec.requests()); n != 0 {
		t.Fatalf("%d requests sent to DynamoDB", n)
	}
	if f.calls() != 1 {
		t.Fatalf("STS calls = %d, want 1", f.calls())
	}
}

// noSend records a request and fails it without sending it.
type noSend struct{ rec *recorder }

func (n noSend) RoundTrip(req *http.Request) (*http.Response, error) {
	n.rec.mu.Lock()
	n.rec.reqs = append(n.rec.reqs, signed{target: req.Header.Get("X-Amz-Target")})
	n.rec.mu.Unlock()
	return nil, errors.New("noSend: not sent")
}
