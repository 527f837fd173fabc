// Package faults_test injects faults between the DynamoDB backend and
// DynamoDB Local: an http.RoundTripper in the SDK client's HTTP client
// answers some requests itself (throttling, 5xx, canceled transactions),
// drops connections before or after DynamoDB Local has seen a request,
// cuts responses short, holds responses until the caller's context ends,
// and forwards only part of a batch, returning the rest as unprocessed. It
// counts every request and every item key DynamoDB Local was sent, and the
// tests compare what the repository reports with what is stored.
//
// The tests need DynamoDB Local (they skip without DYNAMODB_ENDPOINT):
//
//	scripts/dynamodb-local.sh with -- go test -race ./internal/faults/
package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// Kind is what the injector does with one request.
type Kind int

const (
	// Pass forwards the request and returns DynamoDB Local's response.
	Pass Kind = iota
	// Fail answers without forwarding: HTTP Status with an error body of
	// the JSON protocol, __type Code (and Extra fields, such as
	// CancellationReasons).
	Fail
	// Drop fails the round trip without forwarding: the connection was
	// reset before the request got out.
	Drop
	// DropAfter forwards the request, so DynamoDB Local carries it out,
	// then fails the round trip: the response was lost.
	DropAfter
	// Cut forwards the request and returns a response whose body breaks
	// off half way with BodyErr.
	Cut
	// Hold forwards the request, lets DynamoDB Local carry it out even if
	// the caller's context ends meanwhile, and then holds the response
	// until the request's context ends: a caller's deadline that passes
	// while a request is in flight, after DynamoDB did the work.
	Hold
	// Partial forwards only the items of a BatchWriteItem or BatchGetItem
	// that Keep keeps, and returns the others as UnprocessedItems or
	// UnprocessedKeys, as DynamoDB does when it is busy.
	Partial
)

// Fault is the injector's decision for one request.
type Fault struct {
	Kind    Kind
	Status  int
	Code    string
	Message string
	Extra   map[string]any
	BodyErr error
	// Keep says whether to forward the item with the key (PK, SK) of a
	// Partial batch.
	Keep func(pk, sk string) bool
}

// Request is what a rule sees of a request.
type Request struct {
	Op   string         // the operation, such as "PutItem"
	N    int            // 1 for the first request of this operation, ...
	Body map[string]any // the JSON body, numbers as json.Number
}

// Injector is an http.RoundTripper that puts faults between the SDK and
// DynamoDB Local.
type Injector struct {
	next  http.RoundTripper
	table string

	mu        sync.Mutex
	rule      func(Request) Fault
	requests  map[string]int // requests per operation, as the SDK sent them
	forwarded map[string]int // requests per operation DynamoDB Local got
	injected  map[string]int // faults injected since SetRule, by kind name
	total     map[string]int // faults injected in all, by kind name
	writes    map[string]int // "PK|SK" -> times DynamoDB Local was sent a write of it
	reads     map[string]int // "PK|SK" -> times DynamoDB Local was sent a read of it in a BatchGetItem
	tokens    []string       // ClientRequestTokens of TransactWriteItems, in order
}

// NewInjector returns an injector that passes everything until SetRule.
func NewInjector(table string) *Injector {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &Injector{
		next: tr, table: table,
		requests: map[string]int{}, forwarded: map[string]int{}, injected: map[string]int{}, total: map[string]int{},
		writes: map[string]int{}, reads: map[string]int{},
	}
}

// SetRule sets the rule that picks each request's fault (nil: Pass) and
// resets the counts.
func (in *Injector) SetRule(rule func(Request) Fault) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rule = rule
	clear(in.requests)
	clear(in.forwarded)
	clear(in.injected)
	clear(in.writes)
	clear(in.reads)
	in.tokens = nil
}

// Requests returns how many requests of op the SDK sent.
func (in *Injector) Requests(op string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.requests[op]
}

// Forwarded returns how many requests of op reached DynamoDB Local.
func (in *Injector) Forwarded(op string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.forwarded[op]
}

// Injected returns the faults injected since SetRule, by kind.
func (in *Injector) Injected() map[string]int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return cloneCounts(in.injected)
}

// Total returns every fault the injector injected, by kind.
func (in *Injector) Total() map[string]int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return cloneCounts(in.total)
}

// Writes returns how many times DynamoDB Local was sent a write of each
// key, "PK|SK".
func (in *Injector) Writes() map[string]int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return cloneCounts(in.writes)
}

// Reads returns how many times DynamoDB Local was sent a batch read of each
// key.
func (in *Injector) Reads() map[string]int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return cloneCounts(in.reads)
}

// Tokens returns the ClientRequestTokens of the TransactWriteItems sent.
func (in *Injector) Tokens() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.tokens)
}

func cloneCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

var kindNames = map[Kind]string{Pass: "pass", Fail: "fail", Drop: "drop", DropAfter: "drop-after", Cut: "cut", Hold: "hold", Partial: "partial"}

// RoundTrip carries out the rule's fault for one request.
func (in *Injector) RoundTrip(req *http.Request) (*http.Response, error) {
	raw, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	body := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("faults: %s: request body: %w", op, err)
	}
	in.mu.Lock()
	in.requests[op]++
	f := Fault{}
	if in.rule != nil {
		f = in.rule(Request{Op: op, N: in.requests[op], Body: body})
	}
	if f.Kind != Pass {
		name := kindNames[f.Kind]
		if f.Kind == Fail {
			name += ":" + f.Code
		}
		in.injected[name]++
		in.total[name]++
	}
	in.mu.Unlock()

	switch f.Kind {
	case Fail:
		return in.errorResponse(req, f), nil
	case Drop:
		return nil, connReset()
	case Partial:
		return in.partial(req, op, body, f)
	}
	fwd := req
	if f.Kind == Hold {
		// DynamoDB Local gets to finish the request, whatever happens to
		// the caller's context meanwhile.
		fwd = req.WithContext(context.WithoutCancel(req.Context()))
	}
	resp, err := in.forward(fwd, op, body, raw)
	if err != nil {
		return nil, err
	}
	switch f.Kind {
	case DropAfter:
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, connReset()
	case Cut:
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data[:len(data)/2]), errReader{f.BodyErr}))
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
		return resp, nil
	case Hold:
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	return resp, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// connReset is the error of a connection the peer reset.
func connReset() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
}

// forward sends the request, with body raw, to DynamoDB Local and counts
// the keys it writes or reads.
func (in *Injector) forward(req *http.Request, op string, body map[string]any, raw []byte) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(raw))
	out.ContentLength = int64(len(raw))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	in.mu.Lock()
	in.forwarded[op]++
	in.count(op, body)
	in.mu.Unlock()
	return in.next.RoundTrip(out)
}

// count records the keys of a request DynamoDB Local is sent. The caller
// holds in.mu.
func (in *Injector) count(op string, body map[string]any) {
	switch op {
	case "PutItem":
		in.writes[keyOf(body["Item"])]++
	case "UpdateItem", "DeleteItem":
		in.writes[keyOf(body["Key"])]++
	case "BatchWriteItem":
		for _, w := range batchWrites(body, in.table) {
			in.writes[writeKey(w)]++
		}
	case "BatchGetItem":
		for _, k := range batchKeys(body, in.table) {
			in.reads[keyOf(k)]++
		}
	case "TransactWriteItems":
		tok, _ := body["ClientRequestToken"].(string)
		in.tokens = append(in.tokens, tok)
		items, _ := body["TransactItems"].([]any)
		for _, it := range items {
			for kind, a := range it.(map[string]any) {
				am := a.(map[string]any)
				switch kind {
				case "Put":
					in.writes[keyOf(am["Item"])]++
				case "Update", "Delete":
					in.writes[keyOf(am["Key"])]++
				}
			}
		}
	}
}

// keyOf returns "PK|SK" of an item or key in the JSON protocol.
func keyOf(v any) string {
	m, _ := v.(map[string]any)
	s := func(name string) string {
		a, _ := m[name].(map[string]any)
		str, _ := a["S"].(string)
		return str
	}
	return s("PK") + "|" + s("SK")
}

func writeKey(w any) string {
	wm := w.(map[string]any)
	if p, ok := wm["PutRequest"].(map[string]any); ok {
		return keyOf(p["Item"])
	}
	d, _ := wm["DeleteRequest"].(map[string]any)
	return keyOf(d["Key"])
}

func batchWrites(body map[string]any, table string) []any {
	ri, _ := body["RequestItems"].(map[string]any)
	ws, _ := ri[table].([]any)
	return ws
}

func batchKeys(body map[string]any, table string) []any {
	ri, _ := body["RequestItems"].(map[string]any)
	ka, _ := ri[table].(map[string]any)
	ks, _ := ka["Keys"].([]any)
	return ks
}

// partial forwards the items of a batch that f.Keep keeps and returns the
// others as unprocessed, in DynamoDB's response format.
func (in *Injector) partial(req *http.Request, op string, body map[string]any, f Fault) (*http.Response, error) {
	ri := body["RequestItems"].(map[string]any)
	var kept, left []any
	var resp map[string]any
	switch op {
	case "BatchWriteItem":
		for _, w := range batchWrites(body, in.table) {
			pk, sk, _ := strings.Cut(writeKey(w), "|")
			if f.Keep(pk, sk) {
				kept = append(kept, w)
			} else {
				left = append(left, w)
			}
		}
		ri[in.table] = kept
		resp = map[string]any{"UnprocessedItems": map[string]any{}}
	case "BatchGetItem":
		ka := ri[in.table].(map[string]any)
		for _, k := range batchKeys(body, in.table) {
			pk, sk, _ := strings.Cut(keyOf(k), "|")
			if f.Keep(pk, sk) {
				kept = append(kept, k)
			} else {
				left = append(left, k)
			}
		}
		ka["Keys"] = kept
		resp = map[string]any{"Responses": map[string]any{in.table: []any{}}, "UnprocessedKeys": map[string]any{}}
	default:
		return nil, fmt.Errorf("faults: Partial of %s", op)
	}
	if len(kept) > 0 {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r, err := in.forward(req, op, body, raw)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		if r.StatusCode != http.StatusOK {
			return response(req, r.StatusCode, data), nil
		}
		resp = map[string]any{}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&resp); err != nil {
			return nil, fmt.Errorf("faults: %s response: %w", op, err)
		}
	}
	if len(left) > 0 {
		switch op {
		case "BatchWriteItem":
			un, _ := resp["UnprocessedItems"].(map[string]any)
			if un == nil {
				un = map[string]any{}
			}
			prev, _ := un[in.table].([]any)
			un[in.table] = append(prev, left...)
			resp["UnprocessedItems"] = un
		case "BatchGetItem":
			un, _ := resp["UnprocessedKeys"].(map[string]any)
			if un == nil {
				un = map[string]any{}
			}
			ka := map[string]any{"Keys": left}
			if c, ok := ri[in.table].(map[string]any)["ConsistentRead"]; ok {
				ka["ConsistentRead"] = c
			}
			un[in.table] = ka
			resp["UnprocessedKeys"] = un
		}
	}
	data, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	return response(req, http.StatusOK, data), nil
}

// errorResponse is an error of DynamoDB's JSON protocol.
func (in *Injector) errorResponse(req *http.Request, f Fault) *http.Response {
	body := map[string]any{"__type": "com.amazonaws.dynamodb.v20120810#" + f.Code, "message": f.Message}
	for k, v := range f.Extra {
		body[k] = v
	}
	data, _ := json.Marshal(body)
	return response(req, f.Status, data)
}

// response is a response of DynamoDB's JSON protocol, with the CRC32 header
// DynamoDB sends, which the SDK checks.
func response(req *http.Request, status int, data []byte) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(data)), 10))
	h.Set("X-Amzn-Requestid", "faults")
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(data)),
		ContentLength: int64(len(data)),
		Request:       req,
	}
}

// MaxAttempts is how many attempts the SDK makes of each request in these
// tests: the first and two retries.
const MaxAttempts = 3

// NewClient returns an SDK client of DynamoDB Local whose HTTP requests go
// through in, with the standard retryer limited to MaxAttempts attempts, a
// backoff of a millisecond or two and no retry quota (so one test's faults
// do not use up another's retries). It builds the client from aws.Config's
// parts, never config.LoadDefaultConfig, so nothing of the environment
// (such as AWS_CA_BUNDLE, which wants a transport of its own) applies.
func NewClient(t testing.TB, in *Injector) *ddb.Client {
	t.Helper()
	return ddb.New(ddb.Options{
		Region:       dynamotest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(dynamotest.Endpoint(t)),
		HTTPClient:   &http.Client{Transport: in},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = MaxAttempts
			o.RateLimiter = ratelimit.None
			o.Backoff = retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
				return time.Duration(attempt) * time.Millisecond, nil
			})
		}),
	})
}
