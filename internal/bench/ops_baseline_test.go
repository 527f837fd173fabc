package bench

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// rawOps is the hand-written aws-sdk-go-v2 baseline of the tenant
// operations of package ops (issue #12): what a careful engineer writes
// without the library to purge a tenant's partition or export it, doing
// the same requests ops does on DynamoDB (Query pages of 1,000 items,
// consistent; BatchWriteItem of 25 deletes, four in flight, retrying
// UnprocessedItems; a last consistent Query to check the partition is
// empty; DynamoDB JSON lines and their SHA-256 for an export), without the
// library's checks, checkpoints, pacing, progress and statistics.
type rawOps struct {
	c     *ddb.Client
	table string
}

// rawPageSize and rawConcurrency are ops.DefaultPageSize and
// ops.DefaultConcurrency, which the ops side runs with.
const (
	rawPageSize    = 1000
	rawConcurrency = 4
)

// partitionExpr is the key condition PK = :pk, built once with the SDK's
// expression builder, with the projection of the key attributes or
// without (each query puts its partition key in the value placeholder).
var partitionExpr = func() [2]expression.Expression {
	var out [2]expression.Expression
	for i, keysOnly := range []bool{false, true} {
		b := expression.NewBuilder().WithKeyCondition(expression.Key("PK").Equal(expression.Value("pk")))
		if keysOnly {
			b = b.WithProjection(expression.NamesList(expression.Name("PK"), expression.Name("SK")))
		}
		e, err := b.Build()
		if err != nil {
			panic(err)
		}
		out[i] = e
	}
	return out
}()

// partitionQuery returns the Query of one page of partition pk: every
// item, or their keys only.
func (r rawOps) partitionQuery(pk string, keysOnly bool, limit int32, start map[string]types.AttributeValue) *ddb.QueryInput {
	e := partitionExpr[0]
	if keysOnly {
		e = partitionExpr[1]
	}
	values := make(map[string]types.AttributeValue, 1)
	for ph := range e.Values() {
		values[ph] = &types.AttributeValueMemberS{Value: pk}
	}
	return &ddb.QueryInput{
		TableName:                 aws.String(r.table),
		KeyConditionExpression:    e.KeyCondition(),
		ProjectionExpression:      e.Projection(),
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: values,
		Limit:                     aws.Int32(limit),
		ConsistentRead:            aws.Bool(true),
		ExclusiveStartKey:         start,
	}
}

// purge deletes every item of partition pk and returns how many it
// deleted: a reader queries pages of keys and hands batches of 25 to
// rawConcurrency workers, which retry what comes back unprocessed; then a
// consistent query checks that the partition is empty.
func (r rawOps) purge(ctx context.Context, pk string) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []types.WriteRequest)
	var (
		mu      sync.Mutex
		deleted int
		first   error
		wg      sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
			cancel()
		}
	}
	for range rawConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reqs := range batches {
				n, err := r.deleteBatch(ctx, reqs)
				if err != nil {
					fail(err)
					continue
				}
				mu.Lock()
				deleted += n
				mu.Unlock()
			}
		}()
	}
	var start map[string]types.AttributeValue
read:
	for {
		out, err := r.c.Query(ctx, r.partitionQuery(pk, true, rawPageSize, start))
		if err != nil {
			fail(err)
			break
		}
		for lo := 0; lo < len(out.Items); lo += 25 {
			hi := min(lo+25, len(out.Items))
			reqs := make([]types.WriteRequest, 0, hi-lo)
			for _, key := range out.Items[lo:hi] {
				reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key}})
			}
			select {
			case batches <- reqs:
			case <-ctx.Done():
				break read
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	close(batches)
	wg.Wait()
	if first != nil {
		return deleted, first
	}
	out, err := r.c.Query(ctx, r.partitionQuery(pk, true, 1, nil))
	if err != nil {
		return deleted, err
	}
	if len(out.Items) > 0 {
		return deleted, errors.New("purge: the partition is not empty")
	}
	return deleted, nil
}

// deleteBatch sends one BatchWriteItem and then its unprocessed items
// until none is left, backing off between attempts.
func (r rawOps) deleteBatch(ctx context.Context, reqs []types.WriteRequest) (int, error) {
	n := len(reqs)
	for attempt := 0; len(reqs) > 0; attempt++ {
		if attempt > 0 {
			if attempt > 15 {
				return n - len(reqs), errors.New("purge: items still unprocessed")
			}
			select {
			case <-time.After(time.Duration(1<<min(attempt, 8)) * time.Millisecond):
			case <-ctx.Done():
				return n - len(reqs), ctx.Err()
			}
		}
		out, err := r.c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{r.table: reqs}})
		if err != nil {
			return n - len(reqs), err
		}
		reqs = out.UnprocessedItems[r.table]
	}
	return n, nil
}

// export writes every item of partition pk to w as DynamoDB JSON lines,
// {"Item":{...}}, page by page, and returns the number of items and the
// hex SHA-256 of what it wrote.
func (r rawOps) export(ctx context.Context, pk string, w io.Writer) (int, string, error) {
	h := sha256.New()
	var (
		buf   []byte
		start map[string]types.AttributeValue
		n     int
	)
	for {
		out, err := r.c.Query(ctx, r.partitionQuery(pk, false, rawPageSize, start))
		if err != nil {
			return n, "", err
		}
		buf = buf[:0]
		for _, item := range out.Items {
			buf = append(buf, `{"Item":`...)
			buf = appendMap(buf, item)
			buf = append(buf, "}\n"...)
		}
		if _, err := w.Write(buf); err != nil {
			return n, "", err
		}
		h.Write(buf)
		n += len(out.Items)
		if len(out.LastEvaluatedKey) == 0 {
			return n, hex.EncodeToString(h.Sum(nil)), nil
		}
		start = out.LastEvaluatedKey
	}
}

// appendMap appends m as DynamoDB JSON, its names in byte order.
func appendMap(buf []byte, m map[string]types.AttributeValue) []byte {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	buf = append(buf, '{')
	for i, name := range names {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, name)
		buf = append(buf, ':')
		buf = appendValue(buf, m[name])
	}
	return append(buf, '}')
}

// appendValue appends v as DynamoDB JSON ({"S":"..."}, ...); the elements
// of sets in byte order.
func appendValue(buf []byte, v types.AttributeValue) []byte {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		buf = append(buf, `{"S":`...)
		buf = appendString(buf, v.Value)
	case *types.AttributeValueMemberN:
		buf = append(buf, `{"N":`...)
		buf = appendString(buf, v.Value)
	case *types.AttributeValueMemberB:
		buf = append(buf, `{"B":"`...)
		buf = base64.StdEncoding.AppendEncode(buf, v.Value)
		buf = append(buf, '"')
	case *types.AttributeValueMemberBOOL:
		buf = append(buf, `{"BOOL":`...)
		buf = strconv.AppendBool(buf, v.Value)
	case *types.AttributeValueMemberNULL:
		buf = append(buf, `{"NULL":true`...)
	case *types.AttributeValueMemberSS:
		buf = append(buf, `{"SS":[`...)
		for i, s := range slices.Sorted(slices.Values(v.Value)) {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, s)
		}
		buf = append(buf, ']')
	case *types.AttributeValueMemberNS:
		buf = append(buf, `{"NS":[`...)
		for i, s := range slices.Sorted(slices.Values(v.Value)) {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, s)
		}
		buf = append(buf, ']')
	case *types.AttributeValueMemberBS:
		buf = append(buf, `{"BS":[`...)
		bs := slices.Clone(v.Value)
		slices.SortFunc(bs, func(a, b []byte) int { return slices.Compare(a, b) })
		for i, b := range bs {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '"')
			buf = base64.StdEncoding.AppendEncode(buf, b)
			buf = append(buf, '"')
		}
		buf = append(buf, ']')
	case *types.AttributeValueMemberL:
		buf = append(buf, `{"L":[`...)
		for i, e := range v.Value {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendValue(buf, e)
		}
		buf = append(buf, ']')
	case *types.AttributeValueMemberM:
		buf = append(buf, `{"M":`...)
		buf = appendMap(buf, v.Value)
	default:
		panic(fmt.Sprintf("appendValue: %T", v))
	}
	return append(buf, '}')
}

// appendString appends s as a JSON string.
func appendString(buf []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		buf = append(buf, s[i:i+size]...)
		i += size
	}
	return append(buf, '"')
}
