package tenantcreds

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/iampolicy"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Defaults of Options.
const (
	// DefaultTagKey is the session tag key that carries the tenant ID.
	DefaultTagKey = "tenant"
	// DefaultMaxTenants is how many tenants' credentials are kept.
	DefaultMaxTenants = 1000
	// DefaultExpiryWindow is how long before they expire credentials
	// are fetched again.
	DefaultExpiryWindow = 2 * time.Minute
	// DefaultAssumeRoleTimeout bounds one AssumeRole call.
	DefaultAssumeRoleTimeout = 30 * time.Second
)

// Limits of STS this package checks before calling it.
const (
	// MinDuration and MaxDuration bound Options.Duration (STS's
	// DurationSeconds; the role's maximum session duration may be lower).
	MinDuration = 15 * time.Minute
	MaxDuration = 12 * time.Hour
	// MaxSessionNameLen is the longest RoleSessionName STS accepts.
	MaxSessionNameLen = 64
	// MaxTagValueLen is the longest session tag value (in characters);
	// a longer tenant ID cannot be tagged.
	MaxTagValueLen = 256
	// MaxTagKeyLen is the longest session tag key.
	MaxTagKeyLen = 128
)

var (
	// ErrAssumeRole is what an error of the STS AssumeRole call matches;
	// the error is an *AssumeRoleError wrapping the SDK's error.
	ErrAssumeRole = errors.New("tenantcreds: AssumeRole failed")
	// ErrAccessDenied is matched, besides ErrAssumeRole, by an
	// AssumeRole refused with the code AccessDenied.
	ErrAccessDenied = errors.New("tenantcreds: AssumeRole access denied")
	// ErrNoTenant is tenantctx.ErrNoTenant: the context has no tenant and
	// no operator marker (or the operator marker with no
	// Options.OperatorCredentials).
	ErrNoTenant = tenantctx.ErrNoTenant
	// ErrInvalidTenant is tenantctx.ErrInvalidTenant: the tenant ID breaks
	// the key rules, or cannot be a session tag value.
	ErrInvalidTenant = tenantctx.ErrInvalidTenant
	// ErrOperatorRefused: the context carries the operator marker and
	// Options.OperatorCredentials is nil.
	ErrOperatorRefused = errors.New("tenantcreds: operator context refused (no OperatorCredentials)")
	// ErrSessionPolicy wraps an error of Options.SessionPolicy.
	ErrSessionPolicy = errors.New("tenantcreds: session policy")
	// ErrInvalidOptions is what New returns for options it cannot use.
	ErrInvalidOptions = errors.New("tenantcreds: invalid options")
	// ErrCached: the Provider was wrapped in an aws.CredentialsCache,
	// which would serve one tenant's credentials to another.
	ErrCached = errors.New("tenantcreds: the Provider must not be wrapped in an aws.CredentialsCache (it caches per tenant itself)")
)

// AssumeRoleError is the error of a failed AssumeRole call. It matches
// ErrAssumeRole, ErrAccessDenied when STS answered AccessDenied, and
// unwraps to the SDK's error (errors.As with smithy.APIError gives STS's
// code).
type AssumeRoleError struct {
	Tenant  string // the tenant ID
	RoleARN string // the role
	Err     error  // the SDK's error
}

// Error names the tenant, role and the SDK's error.
func (e *AssumeRoleError) Error() string {
	return fmt.Sprintf("tenantcreds: AssumeRole %s for tenant %q: %v", e.RoleARN, e.Tenant, e.Err)
}

// Unwrap returns the SDK's error.
func (e *AssumeRoleError) Unwrap() error { return e.Err }

// Is reports whether target is ErrAssumeRole, or ErrAccessDenied for an
// AccessDenied answer.
func (e *AssumeRoleError) Is(target error) bool {
	switch target {
	case ErrAssumeRole:
		return true
	case ErrAccessDenied:
		var api smithy.APIError
		return errors.As(e.Err, &api) && api.ErrorCode() == "AccessDenied"
	}
	return false
}

// AssumeRoleAPI is the part of *sts.Client the Provider calls.
type AssumeRoleAPI interface {
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

// Options configure a Provider.
type Options struct {
	// TagKey is the session tag key whose value is the tenant ID
	// (default DefaultTagKey). The role's policy reads it as
	// aws:PrincipalTag/<TagKey>; the role's trust policy must allow
	// sts:TagSession.
	TagKey string
	// SessionPolicy, when set, gives the inline session policy (JSON) of
	// a tenant's session, such as one written for that tenant alone.
	// Its error stops the call (ErrSessionPolicy) before STS is asked.
	SessionPolicy func(tenantID string) (string, error)
	// Duration is the session's duration (DurationSeconds), between
	// MinDuration and MaxDuration in whole seconds; 0 leaves it to STS
	// (one hour).
	Duration time.Duration
	// ExpiryWindow: credentials are fetched again this long before they
	// expire (default DefaultExpiryWindow; negative means 0).
	ExpiryWindow time.Duration
	// ExpiryWindowJitterFrac spreads refreshes: the window is shortened
	// by up to this fraction of it, at random (0 to 1, default 0).
	ExpiryWindowJitterFrac float64
	// MaxTenants is how many tenants' credentials are kept; the least
	// recently used is dropped beyond it (default DefaultMaxTenants).
	MaxTenants int
	// OperatorCredentials sign requests whose context carries the
	// operator marker (tenantctx.AsOperator) and no tenant. Nil refuses
	// them (ErrOperatorRefused).
	OperatorCredentials aws.CredentialsProvider
	// ExternalID is passed to AssumeRole when set.
	ExternalID string
	// AssumeRoleTimeout bounds one AssumeRole call (default
	// DefaultAssumeRoleTimeout). The call runs on behalf of every request
	// waiting for the tenant, so it does not end with the first caller's
	// context.
	AssumeRoleTimeout time.Duration
}

// Provider vends credentials per tenant from STS AssumeRole. It is an
// aws.CredentialsProvider whose Retrieve answers for the tenant of its
// context; For gives a provider fixed to one tenant. It is safe for
// concurrent use.
type Provider struct {
	client  AssumeRoleAPI
	roleARN string
	opts    Options

	mu      sync.Mutex
	lru     *list.List // of *entry, most recently used first
	tenants map[string]*list.Element
}

// entry is one tenant's cached credentials.
type entry struct {
	tenant string
	cache  *aws.CredentialsCache
}

// New returns a Provider that assumes roleARN with client (usually
// sts.NewFromConfig(cfg) with the service's own credentials). It checks the
// options and wraps ErrInvalidOptions when it cannot use them.
func New(client AssumeRoleAPI, roleARN string, optFns ...func(*Options)) (*Provider, error) {
	if isnil.Is(client) {
		return nil, fmt.Errorf("%w: nil STS client", ErrInvalidOptions)
	}
	if _, err := arn.Parse(roleARN); err != nil {
		return nil, fmt.Errorf("%w: role ARN %q: %v", ErrInvalidOptions, roleARN, err)
	}
	o := Options{
		TagKey:            DefaultTagKey,
		ExpiryWindow:      DefaultExpiryWindow,
		MaxTenants:        DefaultMaxTenants,
		AssumeRoleTimeout: DefaultAssumeRoleTimeout,
	}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := checkTagKey(o.TagKey); err != nil {
		return nil, err
	}
	if o.Duration != 0 && (o.Duration < MinDuration || o.Duration > MaxDuration || o.Duration%time.Second != 0) {
		return nil, fmt.Errorf("%w: Duration %v is not whole seconds between %v and %v", ErrInvalidOptions, o.Duration, MinDuration, MaxDuration)
	}
	if o.MaxTenants < 1 {
		return nil, fmt.Errorf("%w: MaxTenants %d < 1", ErrInvalidOptions, o.MaxTenants)
	}
	if o.ExpiryWindowJitterFrac < 0 || o.ExpiryWindowJitterFrac > 1 {
		return nil, fmt.Errorf("%w: ExpiryWindowJitterFrac %v not in [0, 1]", ErrInvalidOptions, o.ExpiryWindowJitterFrac)
	}
	if o.ExpiryWindow < 0 {
		o.ExpiryWindow = 0
	}
	if o.AssumeRoleTimeout <= 0 {
		o.AssumeRoleTimeout = DefaultAssumeRoleTimeout
	}
	if o.OperatorCredentials != nil && isnil.Is(o.OperatorCredentials) {
		o.OperatorCredentials = nil
	}
	return &Provider{
		client:  client,
		roleARN: roleARN,
		opts:    o,
		lru:     list.New(),
		tenants: map[string]*list.Element{},
	}, nil
}

func checkTagKey(k string) error {
	if err := iampolicy.ValidateTagKey(k); err != nil {
		return fmt.Errorf("%w: TagKey: %w", ErrInvalidOptions, err)
	}
	return nil
}

// CheckTenant reports whether tenantID can have credentials: a valid
// tenant ID (entity.ValidateTenantID) that is also a valid session tag
// value (at most MaxTagValueLen characters of letters, numbers, spaces and
// _.:/=+-@). The error wraps ErrInvalidTenant.
func CheckTenant(tenantID string) error {
	if err := entity.ValidateTenantID(tenantID); err != nil {
		return fmt.Errorf("tenantcreds: %w", err)
	}
	if err := iampolicy.ValidateTagValue(tenantID); err != nil {
		return fmt.Errorf("tenantcreds: %w %q: not a session tag value: %w", ErrInvalidTenant, tenantID, err)
	}
	return nil
}

// SessionName returns the RoleSessionName of tenantID's sessions: the
// tenant ID with every character STS does not allow ([\w+=,.@-]) replaced
// by '_', cut to 47 bytes, then '-' and 16 hex digits of the SHA-256 of the
// tenant ID, so two tenants never share a name (short of a 64-bit hash
// collision) and the name is at most MaxSessionNameLen long.
func SessionName(tenantID string) string {
	sum := sha256.Sum256([]byte(tenantID))
	suffix := "-" + hex.EncodeToString(sum[:8])
	var b strings.Builder
	max := MaxSessionNameLen - len(suffix)
	for _, r := range tenantID {
		if b.Len() >= max {
			break
		}
		if r < utf8.RuneSelf && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String() + suffix
}

// Retrieve returns the credentials of ctx's tenant, from the cache or from
// STS. A context without a tenant gets Options.OperatorCredentials when it
// carries the operator marker, and otherwise an error wrapping ErrNoTenant
// (ErrOperatorRefused for an operator with no OperatorCredentials). Set the
// Provider as a DynamoDB client's credentials (DynamoDBOption) and each
// request is signed for the tenant of its context.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if ctx == nil {
		return aws.Credentials{}, fmt.Errorf("tenantcreds: %w (nil context)", ErrNoTenant)
	}
	if cachedBy(ctx) {
		return aws.Credentials{}, ErrCached
	}
	id, err := tenantctx.FromContext(ctx)
	if errors.Is(err, tenantctx.ErrNoTenant) {
		if _, opErr := tenantctx.Operator(ctx); opErr == nil {
			if p.opts.OperatorCredentials == nil {
				return aws.Credentials{}, ErrOperatorRefused
			}
			return p.opts.OperatorCredentials.Retrieve(ctx)
		}
	}
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("tenantcreds: %w", err)
	}
	return p.retrieve(ctx, id)
}

// cachedBy reports whether ctx is the one aws.CredentialsCache hands the
// provider it wraps (an *aws.suppressedContext): such a cache would keep
// the first tenant's credentials for every request, and shares one
// Retrieve among concurrent callers of any tenant.
func cachedBy(ctx context.Context) bool {
	t := reflect.TypeOf(ctx)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath() == "github.com/aws/aws-sdk-go-v2/aws" && t.Name() == "suppressedContext"
}

// For returns a credentials provider fixed to tenantID, whatever the
// context of its Retrieve; it shares the Provider's cache. The error wraps
// ErrInvalidTenant (CheckTenant).
func (p *Provider) For(tenantID string) (aws.CredentialsProvider, error) {
	if err := CheckTenant(tenantID); err != nil {
		return nil, err
	}
	return tenantProvider{p: p, tenant: tenantID}, nil
}

// tenantProvider is the Provider for one tenant.
type tenantProvider struct {
	p      *Provider
	tenant string
}

// Retrieve returns the tenant's credentials.
func (t tenantProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if cachedBy(ctx) {
		// A cache around a fixed tenant is harmless; only its
		// context's cancellation is suppressed.
		ctx = context.WithoutCancel(ctx)
	}
	return t.p.retrieve(ctx, t.tenant)
}

// DynamoDBOption returns an option for dynamodb.NewFromConfig or
// dynamodb.New that makes the client sign each request with the
// credentials of the tenant in the request's context (Retrieve).
func (p *Provider) DynamoDBOption() func(*dynamodb.Options) {
	return func(o *dynamodb.Options) { o.Credentials = p }
}

// Len returns how many tenants' credentials are kept.
func (p *Provider) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lru.Len()
}

// Forget drops tenantID's cached credentials; the next request for the
// tenant asks STS again.
func (p *Provider) Forget(tenantID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if el, ok := p.tenants[tenantID]; ok {
		p.lru.Remove(el)
		delete(p.tenants, tenantID)
	}
}

// retrieve returns tenantID's credentials through its cache, which makes
// one STS call for all concurrent callers.
func (p *Provider) retrieve(ctx context.Context, tenantID string) (aws.Credentials, error) {
	if err := CheckTenant(tenantID); err != nil {
		return aws.Credentials{}, err
	}
	return p.entry(tenantID).cache.Retrieve(ctx)
}

// entry returns tenantID's entry, made if missing, as the most recently
// used, dropping the least recently used beyond MaxTenants.
func (p *Provider) entry(tenantID string) *entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	if el, ok := p.tenants[tenantID]; ok {
		p.lru.MoveToFront(el)
		return el.Value.(*entry)
	}
	e := &entry{tenant: tenantID}
	e.cache = aws.NewCredentialsCache(fetcher{p: p, tenant: tenantID}, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = p.opts.ExpiryWindow
		o.ExpiryWindowJitterFrac = p.opts.ExpiryWindowJitterFrac
	})
	p.tenants[tenantID] = p.lru.PushFront(e)
	for p.lru.Len() > p.opts.MaxTenants {
		old := p.lru.Back()
		p.lru.Remove(old)
		delete(p.tenants, old.Value.(*entry).tenant)
	}
	return e
}

// fetcher calls AssumeRole for one tenant; the entry's cache wraps it.
type fetcher struct {
	p      *Provider
	tenant string
}

// Retrieve makes the AssumeRole call.
func (f fetcher) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p := f.p
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(p.roleARN),
		RoleSessionName: aws.String(SessionName(f.tenant)),
		Tags:            []ststypes.Tag{{Key: aws.String(p.opts.TagKey), Value: aws.String(f.tenant)}},
	}
	if p.opts.Duration != 0 {
		in.DurationSeconds = aws.Int32(int32(p.opts.Duration / time.Second))
	}
	if p.opts.ExternalID != "" {
		in.ExternalId = aws.String(p.opts.ExternalID)
	}
	if p.opts.SessionPolicy != nil {
		policy, err := p.opts.SessionPolicy(f.tenant)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("%w for tenant %q: %w", ErrSessionPolicy, f.tenant, err)
		}
		if policy != "" {
			in.Policy = aws.String(policy)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.AssumeRoleTimeout)
	defer cancel()
	out, err := p.client.AssumeRole(ctx, in)
	if err != nil {
		return aws.Credentials{}, &AssumeRoleError{Tenant: f.tenant, RoleARN: p.roleARN, Err: err}
	}
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.SessionToken == nil || c.Expiration == nil {
		return aws.Credentials{}, &AssumeRoleError{Tenant: f.tenant, RoleARN: p.roleARN, Err: errors.New("the response holds no complete credentials")}
	}
	creds := aws.Credentials{
		AccessKeyID:     *c.AccessKeyId,
		SecretAccessKey: *c.SecretAccessKey,
		SessionToken:    *c.SessionToken,
		Source:          "tenantcreds",
		CanExpire:       true,
		Expires:         *c.Expiration,
	}
	if u := out.AssumedRoleUser; u != nil && u.Arn != nil {
		if a, err := arn.Parse(*u.Arn); err == nil {
			creds.AccountID = a.AccountID
		}
	}
	return creds, nil
}
