package bench

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
)

// stub is a dynamodb.API that answers from outputs made once, without the
// SDK: what is left of a call is the caller's own work.
type stub struct {
	dynamodbbackend.API // the calls the benchmarks do not make: nil
	get                 *ddb.GetItemOutput
	query               *ddb.QueryOutput
}

func (s *stub) GetItem(context.Context, *ddb.GetItemInput, ...func(*ddb.Options)) (*ddb.GetItemOutput, error) {
	return &ddb.GetItemOutput{Item: s.get.Item}, nil
}

func (s *stub) PutItem(context.Context, *ddb.PutItemInput, ...func(*ddb.Options)) (*ddb.PutItemOutput, error) {
	return &ddb.PutItemOutput{}, nil
}

func (s *stub) Query(context.Context, *ddb.QueryInput, ...func(*ddb.Options)) (*ddb.QueryOutput, error) {
	return &ddb.QueryOutput{Items: s.query.Items, LastEvaluatedKey: s.query.LastEvaluatedKey, Count: s.query.Count}, nil
}

// newStub returns a stub answering with the canned responses, parsed.
func newStub(tb testing.TB, tenant string) *stub {
	tb.Helper()
	bodies := cannedResponses(tenant)
	parse := func(body []byte, field string) map[string]types.AttributeValue {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			tb.Fatal(err)
		}
		item, err := jsonItem(raw[field])
		if err != nil {
			tb.Fatal(err)
		}
		return item
	}
	var q struct{ Items []json.RawMessage }
	if err := json.Unmarshal(bodies["Query"], &q); err != nil {
		tb.Fatal(err)
	}
	out := &ddb.QueryOutput{LastEvaluatedKey: parse(bodies["Query"], "LastEvaluatedKey"), Count: int32(len(q.Items))}
	for _, it := range q.Items {
		item, err := jsonItem(it)
		if err != nil {
			tb.Fatal(err)
		}
		out.Items = append(out.Items, item)
	}
	return &stub{get: &ddb.GetItemOutput{Item: parse(bodies["GetItem"], "Item")}, query: out}
}

// jsonItem reads an item in DynamoDB's JSON form, of the kinds the canned
// responses hold.
func jsonItem(data []byte) (map[string]types.AttributeValue, error) {
	var attrs map[string]map[string]any
	if err := json.Unmarshal(data, &attrs); err != nil {
		return nil, err
	}
	item := make(map[string]types.AttributeValue, len(attrs))
	for name, v := range attrs {
		for kind, x := range v {
			switch kind {
			case "S":
				item[name] = &types.AttributeValueMemberS{Value: x.(string)}
			case "N":
				item[name] = &types.AttributeValueMemberN{Value: x.(string)}
			case "BOOL":
				item[name] = &types.AttributeValueMemberBOOL{Value: x.(bool)}
			case "SS":
				var ss []string
				for _, e := range x.([]any) {
					ss = append(ss, e.(string))
				}
				item[name] = &types.AttributeValueMemberSS{Value: ss}
			}
		}
	}
	return item, nil
}

// BenchmarkStub is BenchmarkCanned without the SDK: both sides call a stub
// that answers from outputs parsed once, so only their own work is timed,
// which is what BenchmarkCanned's ratios are made of, measured here
// without the SDK's share of noise.
func BenchmarkStub(b *testing.B) {
	st := newStub(b, benchTenant)
	s := newSides(b, st, raw{c: st, table: benchTable}, benchTenant)
	// The stub's answers are what the canned transport's would decode to.
	var p Profile
	if err := attributevalue.UnmarshalMap(st.get.Item, &p); err != nil || p.ID != id(42) {
		b.Fatal(p, err)
	}
	runOps(b, s, id(42))
}
