package tenantcreds_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// fakeSTS is an in-process server that speaks STS's AssumeRole Query
// protocol, for the SDK's real STS client. It records every request's form
// and answers with credentials whose access key ID names the tenant of the
// session tag (the same for every call of a tenant, as DynamoDB Local keeps
// a database per access key) and whose session token counts the calls.
type fakeSTS struct {
	t      testing.TB
	srv    *httptest.Server
	tagKey string

	mu       sync.Mutex
	requests []url.Values
	expires  []time.Time // Expiration of each answer
	// lifetime is how long the credentials it gives last (default 1h).
	lifetime time.Duration
	// delay is how long each answer waits.
	delay time.Duration
	// failCode, when set, makes every call fail with this error code.
	failCode string
}

func newFakeSTS(t testing.TB) *fakeSTS {
	f := &fakeSTS{t: t, tagKey: "tenant", lifetime: time.Hour}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// accessKey is the access key ID the server gives tenant.
func accessKey(tenant string) string {
	sum := sha256.Sum256([]byte(tenant))
	return "ASIA" + strings.ToUpper(hex.EncodeToString(sum[:8]))
}

func (f *fakeSTS) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		f.t.Errorf("fake STS: %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=BASEKEY/") {
		f.t.Errorf("fake STS: not signed with the base credentials: %q", r.Header.Get("Authorization"))
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("fake STS: form: %v", err)
	}
	form := r.PostForm
	f.mu.Lock()
	f.requests = append(f.requests, form)
	n := len(f.requests)
	delay, failCode, lifetime := f.delay, f.failCode, f.lifetime
	f.mu.Unlock()
	time.Sleep(delay)

	w.Header().Set("Content-Type", "text/xml")
	if form.Get("Action") != "AssumeRole" || form.Get("Version") != "2011-06-15" {
		failCode = "InvalidAction"
	}
	if failCode != "" {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>refused by the fake</Message></Error><RequestId>req-%d</RequestId></ErrorResponse>`, failCode, n)
		return
	}
	tenant := form.Get("Tags.member.1.Value")
	exp := time.Now().Add(lifetime).UTC()
	f.mu.Lock()
	f.expires = append(f.expires, exp)
	f.mu.Unlock()
	fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult>
<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>secret-%d</SecretAccessKey><SessionToken>token-%d</SessionToken><Expiration>%s</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/tenant-role/%s</Arn><AssumedRoleId>AROAEXAMPLE:%s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult>
<ResponseMetadata><RequestId>req-%d</RequestId></ResponseMetadata>
</AssumeRoleResponse>`, accessKey(tenant), n, n, exp.Format("2006-01-02T15:04:05.000Z"), form.Get("RoleSessionName"), form.Get("RoleSessionName"), n)
}

// calls returns how many requests the server had.
func (f *fakeSTS) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// request returns the i-th request's form.
func (f *fakeSTS) request(i int) url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[i]
}

// client returns the SDK's STS client for the server, signing with the
// base credentials BASEKEY.
func (f *fakeSTS) client() *sts.Client {
	return sts.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("BASEKEY", "basesecret", ""),
		BaseEndpoint: aws.String(f.srv.URL),
	})
}
