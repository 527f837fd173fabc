// Package tenantcreds is a token vending machine: it gives each tenant its
// own AWS credentials, from STS AssumeRole with the tenant ID as a session
// tag, so that DynamoDB itself refuses a request outside the tenant's
// partition when the role's policy allows only the tenant's leading keys
// (dynamodb:LeadingKeys matching "tenant#${aws:PrincipalTag/tenant}" and
// the index keys that start with it).
//
// # Use
//
// One Provider serves every tenant. Give it the STS client of the
// service's own credentials and the tenant role, and set it as the
// credentials of the DynamoDB client with DynamoDBOption:
//
//	p, err := tenantcreds.New(sts.NewFromConfig(cfg), "arn:aws:iam::123456789012:role/tenant-data",
//		func(o *tenantcreds.Options) {
//			o.Duration = time.Hour
//			o.OperatorCredentials = cfg.Credentials // or nil to refuse operators
//		})
//	if err != nil { ... }
//	client := dynamodb.NewFromConfig(cfg, p.DynamoDBOption())
//	b, err := ddbbackend.New(client, "app-data")
//
// Nothing changes in the calls: a repository call whose context carries a
// tenant (tenantctx.WithTenant) is signed with that tenant's credentials,
// and so is a raw SDK call made with such a context. A request whose
// context has no tenant is refused before it is sent, with an error
// wrapping ErrNoTenant; one marked with tenantctx.AsOperator (table
// creation, the tenant operations of package ops) is signed with
// Options.OperatorCredentials, or refused (ErrOperatorRefused) when they
// are nil. For a client or another SDK fixed to one tenant, For returns a
// provider bound to that tenant.
//
// # How requests are signed per tenant
//
// The SDK asks the client's credentials provider for credentials on every
// request attempt, passing the request's context (the GetIdentity step
// of the operation calls Retrieve(ctx) with the operation's context), and
// the DynamoDB backend hands the SDK the caller's context. So the Provider,
// as the client's credentials, reads the tenant from that context and
// answers with the tenant's credentials; one client serves every tenant.
// The end-to-end test checks this on DynamoDB Local, through a transport
// that compares each request's signing key with the tenant of its context.
//
// The Provider must not be wrapped in an aws.CredentialsCache: that cache
// would keep the first tenant's credentials for all, and shares one
// Retrieve among concurrent callers. config.LoadDefaultConfig wraps the
// provider of config.WithCredentialsProvider in one, so do not pass the
// Provider there; set it with DynamoDBOption (dynamodb.NewFromConfig does
// not wrap it). A Provider that finds itself inside such a cache refuses
// with ErrCached. The providers of For may be cached.
//
// # Sessions
//
// Each AssumeRole call asks for the role given to New with
//   - the session tag Options.TagKey (default "tenant") = the tenant ID; the
//     role's trust policy must allow sts:TagSession;
//   - RoleSessionName SessionName(tenant): the tenant ID made of STS's
//     allowed characters ([\w+=,.@-], others become '_'), cut short, and 16
//     hex digits of its SHA-256, so names are distinct per tenant and at
//     most 64 characters;
//   - DurationSeconds from Options.Duration (15 minutes to 12 hours; none
//     by default, which STS takes as one hour);
//   - the inline session policy of Options.SessionPolicy(tenant), when set,
//     which can only narrow what the role allows;
//   - ExternalId from Options.ExternalID, when set.
//
// A tenant ID must also be a session tag value (at most 256 letters,
// numbers, spaces and _.:/=+-@; see CheckTenant); any other is refused with
// ErrInvalidTenant before STS is called.
//
// # Cache
//
// Each tenant's credentials are kept in an aws.CredentialsCache of their
// own, fetched again Options.ExpiryWindow (default two minutes) before
// they expire, so concurrent requests of a tenant never see expired ones.
// Concurrent first requests of a tenant wait for one AssumeRole call, the
// cache's own. At most Options.MaxTenants tenants (default 1000) are kept;
// the least recently used is dropped, and its next request asks STS again.
// A failed call is not cached.
//
// # Errors
//
// A failed AssumeRole returns an *AssumeRoleError matching ErrAssumeRole,
// and also ErrAccessDenied when STS answered AccessDenied (the role's trust
// policy does not allow the caller, or not sts:TagSession); it unwraps to
// the SDK's error, so errors.As with smithy.APIError gives STS's code. The
// DynamoDB client returns these errors wrapped in its operation error, and
// nothing is sent to DynamoDB.
//
// # Tests
//
// No STS service runs in the tests: the SDK's STS client talks to an
// in-process server that speaks AssumeRole's Query protocol and checks the
// role, session name, tag, policy and duration it receives. What IAM then
// allows is not tested here (see the policy generator and the README).
package tenantcreds
