package tenantcreds_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantcreds"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

const roleARN = "arn:aws:iam::123456789012:role/tenant-role"

func newProvider(t *testing.T, f *fakeSTS, optFns ...func(*tenantcreds.Options)) *tenantcreds.Provider {
	t.Helper()
	p, err := tenantcreds.New(f.client(), roleARN, optFns...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func tenantCtx(t testing.TB, id string) context.Context {
	t.Helper()
	return tenantctx.MustWithTenant(context.Background(), id)
}

func TestAssumeRoleRequest(t *testing.T) {
	f := newFakeSTS(t)
	p := newProvider(t, f, func(o *tenantcreds.Options) {
		o.TagKey = "TenantID"
		o.Duration = 30 * time.Minute
		o.ExternalID = "ext-1"
		o.SessionPolicy = func(id string) (string, error) { return `{"Version":"2012-10-17","tenant":"` + id + `"}`, nil }
	})
	creds, err := p.Retrieve(tenantCtx(t, "acme"))
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	if f.calls() != 1 {
		t.Fatalf("STS calls = %d, want 1", f.calls())
	}
	got := f.request(0)
	want := map[string]string{
		"Action":              "AssumeRole",
		"RoleArn":             roleARN,
		"RoleSessionName":     tenantcreds.SessionName("acme"),
		"Tags.member.1.Key":   "TenantID",
		"Tags.member.1.Value": "acme",
		"DurationSeconds":     "1800",
		"ExternalId":          "ext-1",
		"Policy":              `{"Version":"2012-10-17","tenant":"acme"}`,
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("STS got %s=%q, want %q", k, got.Get(k), v)
		}
	}
	if got.Has("Tags.member.2.Key") {
		t.Errorf("STS got a second tag: %v", got)
	}
	if creds.AccessKeyID != accessKey("acme") || creds.SecretAccessKey != "secret-1" || creds.SessionToken != "token-1" ||
		!creds.CanExpire || creds.AccountID != "123456789012" {
		t.Errorf("credentials = %+v", creds)
	}
	if d := time.Until(creds.Expires); d < 50*time.Minute || d > time.Hour {
		t.Errorf("Expires in %v, want about 1h less the expiry window", d)
	}
}

func TestDefaultsSendNoPolicyNoDuration(t *testing.T) {
	f := newFakeSTS(t)
	p := newProvider(t, f)
	if _, err := p.Retrieve(tenantCtx(t, "globex")); err != nil {
		t.Fatal(err)
	}
	got := f.request(0)
	if got.Get("Tags.member.1.Key") != tenantcreds.DefaultTagKey || got.Get("Tags.member.1.Value") != "globex" {
		t.Errorf("tag = %q=%q", got.Get("Tags.member.1.Key"), got.Get("Tags.member.1.Value"))
	}
	for _, k := range []string{"Policy", "DurationSeconds", "ExternalId"} {
		if got.Has(k) {
			t.Errorf("STS got %s=%q, want none", k, got.Get(k))
		}
	}
}

func TestCaching(t *testing.T) {
	f := newFakeSTS(t)
	p := newProvider(t, f)
	a1, err := p.Retrieve(tenantCtx(t, "acme"))
	if err != nil {
		t.Fatal(err)
	}
	a2, err := p.Retrieve(tenantCtx(t, "acme"))
	if err != nil {
		t.Fatal(err)
	}
	if f.calls() != 1 || a1 != a2 {
		t.Fatalf("second call: STS calls = %d (want 1), same credentials %v", f.calls(), a1 == a2)
	}
	b, err := p.Retrieve(tenantCtx(t, "acme-corp"))
	if err != nil {
		t.Fatal(err)
	}
	if f.calls() != 2 || b.AccessKeyID == a1.AccessKeyID || b.SessionToken == a1.SessionToken {
		t.Fatalf("other tenant: STS calls = %d (want 2), credentials %+v vs %+v", f.calls(), b, a1)
	}
	// A provider fixed to a tenant shares the cache.
	fixed, err := p.For("acme")
	if err != nil {
		t.Fatal(err)
	}
	a3, err := fixed.Retrieve(context.Background())
	if err != nil || a3 != a1 || f.calls() != 2 {
		t.Fatalf("For: %v, same %v, STS calls %d", err, a3 == a1, f.calls())
	}
	if p.Len() != 2 {
		t.Errorf("Len = %d, want 2", p.Len())
	}
	p.Forget("acme")
	if _, err := p.Retrieve(tenantCtx(t, "acme")); err != nil || f.calls() != 3 {
		t.Fatalf("after Forget: %v, STS calls %d, want 3", err, f.calls())
	}
}

func TestRefreshBeforeExpiry(t *testing.T) {
	f := newFakeSTS(t)
	f.lifetime = 3 * time.Second
	p := newProvider(t, f, func(o *tenantcreds.Options) { o.ExpiryWindow = 2 * time.Second })
	ctx := tenantCtx(t, "acme")
	c1, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Retrieve(ctx); err != nil || f.calls() != 1 {
		t.Fatalf("fresh: %v, STS calls %d, want 1", err, f.calls())
	}
	time.Sleep(1300 * time.Millisecond) // past Expiration-ExpiryWindow, 1.7s before Expiration
	c2, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	firstExpiry := f.expires[0]
	f.mu.Unlock()
	if f.calls() != 2 || c2.SessionToken == c1.SessionToken {
		t.Fatalf("STS calls = %d, want 2 (refreshed)", f.calls())
	}
	if !time.Now().Before(firstExpiry) {
		t.Fatalf("refreshed at %v, not before the first credentials expired (%v)", time.Now(), firstExpiry)
	}
}

func TestEvictionLRU(t *testing.T) {
	f := newFakeSTS(t)
	p := newProvider(t, f, func(o *tenantcreds.Options) { o.MaxTenants = 3 })
	get := func(id string) {
		t.Helper()
		if _, err := p.Retrieve(tenantCtx(t, id)); err != nil {
			t.Fatal(err)
		}
	}
	get("t1")
	get("t2")
	get("t3")
	get("t1") // t2 is now the least recently used
	if f.calls() != 3 {
		t.Fatalf("STS calls = %d, want 3", f.calls())
	}
	get("t4") // evicts t2
	if f.calls() != 4 || p.Len() != 3 {
		t.Fatalf("STS calls = %d (want 4), Len %d (want 3)", f.calls(), p.Len())
	}
	get("t1")
	get("t3")
	get("t4")
	if f.calls() != 4 {
		t.Fatalf("kept tenants: STS calls = %d, want 4", f.calls())
	}
	get("t2") // was evicted: fetched again, evicting t1
	if f.calls() != 5 || f.request(4).Get("Tags.member.1.Value") != "t2" {
		t.Fatalf("evicted tenant: STS calls = %d, want 5", f.calls())
	}
	if p.Len() != 3 {
		t.Fatalf("Len = %d, want 3", p.Len())
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	f := newFakeSTS(t)
	f.delay = 100 * time.Millisecond
	p := newProvider(t, f)
	const n = 100
	var wg sync.WaitGroup
	creds := make([]aws.Credentials, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			creds[i], errs[i] = p.Retrieve(tenantCtx(t, "acme"))
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if creds[i] != creds[0] {
			t.Fatalf("goroutine %d got other credentials", i)
		}
	}
	if f.calls() != 1 {
		t.Fatalf("STS calls = %d, want 1", f.calls())
	}
}

func TestAssumeRoleFailure(t *testing.T) {
	f := newFakeSTS(t)
	f.failCode = "AccessDenied"
	p := newProvider(t, f)
	_, err := p.Retrieve(tenantCtx(t, "acme"))
	if !errors.Is(err, tenantcreds.ErrAssumeRole) || !errors.Is(err, tenantcreds.ErrAccessDenied) {
		t.Fatalf("err = %v, want ErrAssumeRole and ErrAccessDenied", err)
	}
	var are *tenantcreds.AssumeRoleError
	if !errors.As(err, &are) || are.Tenant != "acme" || are.RoleARN != roleARN {
		t.Fatalf("err = %#v, want an *AssumeRoleError for acme", err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "AccessDenied" {
		t.Fatalf("err = %v, want the SDK's APIError AccessDenied", err)
	}
	// Failures are not cached.
	f.mu.Lock()
	f.failCode = "RegionDisabledException"
	f.mu.Unlock()
	_, err = p.Retrieve(tenantCtx(t, "acme"))
	if !errors.Is(err, tenantcreds.ErrAssumeRole) || errors.Is(err, tenantcreds.ErrAccessDenied) {
		t.Fatalf("err = %v, want ErrAssumeRole but not ErrAccessDenied", err)
	}
	if f.calls() != 2 {
		t.Fatalf("STS calls = %d, want 2", f.calls())
	}
	f.mu.Lock()
	f.failCode = ""
	f.mu.Unlock()
	if _, err := p.Retrieve(tenantCtx(t, "acme")); err != nil {
		t.Fatalf("after STS recovers: %v", err)
	}
}

func TestRefusedBeforeSTS(t *testing.T) {
	f := newFakeSTS(t)
	base := credentials.NewStaticCredentialsProvider("OPKEY", "opsecret", "")
	withOp := newProvider(t, f, func(o *tenantcreds.Options) { o.OperatorCredentials = base })
	noOp := newProvider(t, f, func(o *tenantcreds.Options) {
		o.SessionPolicy = func(id string) (string, error) {
			if id == "nopolicy" {
				return "", errors.New("no policy for this tenant")
			}
			return "", nil
		}
	})
	op, err := tenantctx.AsOperator(context.Background(), "migration")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := noOp.Retrieve(context.Background()); !errors.Is(err, tenantcreds.ErrNoTenant) {
		t.Errorf("no tenant: %v, want ErrNoTenant", err)
	}
	if _, err := withOp.Retrieve(context.Background()); !errors.Is(err, tenantcreds.ErrNoTenant) {
		t.Errorf("no tenant, no marker: %v, want ErrNoTenant", err)
	}
	if _, err := noOp.Retrieve(op); !errors.Is(err, tenantcreds.ErrOperatorRefused) {
		t.Errorf("operator without OperatorCredentials: %v, want ErrOperatorRefused", err)
	}
	if c, err := withOp.Retrieve(op); err != nil || c.AccessKeyID != "OPKEY" {
		t.Errorf("operator: %+v, %v, want the base credentials", c, err)
	}
	if _, err := noOp.Retrieve(nil); !errors.Is(err, tenantcreds.ErrNoTenant) {
		t.Errorf("nil context: %v, want ErrNoTenant", err)
	}
	// Valid tenant IDs that cannot be a session tag value.
	for _, id := range []string{"acme!", "a\u00a0b\u200bc", "a*b", strings.Repeat("x", tenantcreds.MaxTagValueLen+1)} {
		if _, err := noOp.Retrieve(tenantCtx(t, id)); !errors.Is(err, tenantcreds.ErrInvalidTenant) {
			t.Errorf("tenant %q: %v, want ErrInvalidTenant", id, err)
		}
		if _, err := noOp.For(id); !errors.Is(err, tenantcreds.ErrInvalidTenant) {
			t.Errorf("For(%q): %v, want ErrInvalidTenant", id, err)
		}
	}
	for _, id := range []string{"", "a#b", "a\x00b"} {
		if _, err := noOp.For(id); !errors.Is(err, tenantcreds.ErrInvalidTenant) {
			t.Errorf("For(%q): %v, want ErrInvalidTenant", id, err)
		}
	}
	if _, err := noOp.Retrieve(tenantCtx(t, "nopolicy")); !errors.Is(err, tenantcreds.ErrSessionPolicy) {
		t.Errorf("policy error: %v, want ErrSessionPolicy", err)
	}
	if f.calls() != 0 {
		t.Fatalf("STS calls = %d, want 0", f.calls())
	}
	// A long tag value that STS accepts is fine.
	if err := tenantcreds.CheckTenant(strings.Repeat("ü", tenantcreds.MaxTagValueLen)); err != nil {
		t.Errorf("256 letters: %v", err)
	}
}

func TestWrappedInCredentialsCacheRefused(t *testing.T) {
	f := newFakeSTS(t)
	p := newProvider(t, f)
	cached := aws.NewCredentialsCache(p)
	if _, err := cached.Retrieve(tenantCtx(t, "acme")); !errors.Is(err, tenantcreds.ErrCached) {
		t.Fatalf("Provider inside aws.CredentialsCache: %v, want ErrCached", err)
	}
	// config.LoadDefaultConfig wraps a provider given with
	// WithCredentialsProvider in such a cache: refused the same way.
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithCredentialsProvider(p),
		config.WithRegion("us-east-1"), config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Credentials.Retrieve(tenantCtx(t, "acme")); !errors.Is(err, tenantcreds.ErrCached) {
		t.Fatalf("Provider through config.WithCredentialsProvider: %v, want ErrCached", err)
	}
	// A provider fixed to one tenant may be cached.
	fixed, err := p.For("acme")
	if err != nil {
		t.Fatal(err)
	}
	c, err := aws.NewCredentialsCache(fixed).Retrieve(context.Background())
	if err != nil || c.AccessKeyID != accessKey("acme") {
		t.Fatalf("For inside a cache: %+v, %v", c, err)
	}
	if f.calls() != 1 {
		t.Fatalf("STS calls = %d, want 1", f.calls())
	}
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func TestSessionName(t *testing.T) {
	ids := []string{
		"acme", "acme-corp", "a b", "a_b", "a/b", "a:b", "テナント", "テナント2",
		strings.Repeat("x", 47), strings.Repeat("x", 48), strings.Repeat("x", 200),
		strings.Repeat("x", 200) + "y", strings.Repeat("é", entity.MaxTenantIDBytes/2),
	}
	seen := map[string]string{}
	for _, id := range ids {
		n := tenantcreds.SessionName(id)
		if !sessionNameRE.MatchString(n) {
			t.Errorf("SessionName(%q) = %q, not [\\w+=,.@-]{2,64}", id, n)
		}
		if n != tenantcreds.SessionName(id) {
			t.Errorf("SessionName(%q) not stable", id)
		}
		if other, ok := seen[n]; ok {
			t.Errorf("SessionName(%q) = SessionName(%q) = %q", id, other, n)
		}
		seen[n] = id
	}
	if n := tenantcreds.SessionName("acme"); !strings.HasPrefix(n, "acme-") || len(n) != len("acme-")+16 {
		t.Errorf("SessionName(acme) = %q, want acme-<16 hex digits>", n)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	f := newFakeSTS(t)
	cases := map[string]struct {
		role string
		fn   func(*tenantcreds.Options)
	}{
		"role not an ARN":    {"tenant-role", nil},
		"empty tag key":      {roleARN, func(o *tenantcreds.Options) { o.TagKey = "" }},
		"reserved tag key":   {roleARN, func(o *tenantcreds.Options) { o.TagKey = "aws:tenant" }},
		"bad tag key":        {roleARN, func(o *tenantcreds.Options) { o.TagKey = "ten ant*" }},
		"duration too short": {roleARN, func(o *tenantcreds.Options) { o.Duration = 10 * time.Minute }},
		"duration too long":  {roleARN, func(o *tenantcreds.Options) { o.Duration = 13 * time.Hour }},
		"duration fraction":  {roleARN, func(o *tenantcreds.Options) { o.Duration = 20*time.Minute + time.Millisecond }},
		"max tenants 0":      {roleARN, func(o *tenantcreds.Options) { o.MaxTenants = 0 }},
		"jitter 2":           {roleARN, func(o *tenantcreds.Options) { o.ExpiryWindowJitterFrac = 2 }},
	}
	for name, tc := range cases {
		if _, err := tenantcreds.New(f.client(), tc.role, tc.fn); !errors.Is(err, tenantcreds.ErrInvalidOptions) {
			t.Errorf("%s: %v, want ErrInvalidOptions", name, err)
		}
	}
	if _, err := tenantcreds.New(nil, roleARN); !errors.Is(err, tenantcreds.ErrInvalidOptions) {
		t.Errorf("nil client: %v, want ErrInvalidOptions", err)
	}
}

func TestAssumeRoleTimeoutAndCanceledCaller(t *testing.T) {
	f := newFakeSTS(t)
	f.delay = 300 * time.Millisecond
	slow := newProvider(t, f, func(o *tenantcreds.Options) { o.AssumeRoleTimeout = 50 * time.Millisecond })
	_, err := slow.Retrieve(tenantCtx(t, "acme"))
	if !errors.Is(err, tenantcreds.ErrAssumeRole) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow STS: %v, want ErrAssumeRole wrapping DeadlineExceeded", err)
	}

	// The first caller gives up; the call goes on for the second.
	p := newProvider(t, f)
	first, cancel := context.WithCancel(tenantCtx(t, "globex"))
	done := make(chan error, 1)
	go func() {
		_, err := p.Retrieve(first)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled caller: %v, want context.Canceled", err)
	}
	c, err := p.Retrieve(tenantCtx(t, "globex"))
	if err != nil || c.AccessKeyID != accessKey("globex") {
		t.Fatalf("second caller: %+v, %v", c, err)
	}
	if n := f.calls(); n != 2 { // one for slow, one shared by both globex callers
		t.Fatalf("STS calls = %d, want 2", n)
	}
}
