package dynamodb

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tenantrepo/tenantrepo/backend"
)

// ScanAPI is the part of the DynamoDB client that Backend.Scan uses. A
// *dynamodb.Client from the SDK implements it. It is apart from API so
// that a client wrapper written for API, which does not scan, still
// makes a Backend; Scan on such a Backend returns an error wrapping
// backend.ErrUnsupported.
type ScanAPI interface {
	Scan(ctx context.Context, in *ddb.ScanInput, optFns ...func(*ddb.Options)) (*ddb.ScanOutput, error)
}

var _ backend.Scanner = (*Backend)(nil)

// Scan reads one page of one segment of the table with DynamoDB's Scan
// (backend.Scanner): Segment, TotalSegments, Limit and ConsistentRead
// are sent as they are, StartKey as the ExclusiveStartKey, and KeysOnly as
// a ProjectionExpression of PK and SK; the LastEvaluatedKey comes back as
// LastKey. DynamoDB stops at in.Limit items or at 1 MB of item data,
// whichever comes first. Inputs backend.ScanInput.Check refuses are refused
// without a request. A client that does not implement ScanAPI makes Scan
// return an error wrapping backend.ErrUnsupported.
func (b *Backend) Scan(ctx context.Context, in backend.ScanInput) (backend.ScanOutput, error) {
	if err := ctx.Err(); err != nil {
		return backend.ScanOutput{}, err
	}
	if err := in.Check(); err != nil {
		return backend.ScanOutput{}, fmt.Errorf("dynamodb: %w", err)
	}
	g, _ := b.client.(guarded)
	if _, ok := g.api.(ScanAPI); !ok {
		return backend.ScanOutput{}, fmt.Errorf("dynamodb: scan: %w: the client does not implement ScanAPI", backend.ErrUnsupported)
	}
	limit := int32(math.MaxInt32)
	if in.Limit < math.MaxInt32 {
		limit = int32(in.Limit)
	}
	req := &ddb.ScanInput{
		TableName:      aws.String(b.table),
		Segment:        aws.Int32(int32(in.Segment)),
		TotalSegments:  aws.Int32(int32(in.TotalSegments)),
		Limit:          aws.Int32(limit),
		ConsistentRead: aws.Bool(in.ConsistentRead),
	}
	if in.KeysOnly {
		p, err := keysProjection()
		if err != nil {
			return backend.ScanOutput{}, fmt.Errorf("dynamodb: scan: %w", err)
		}
		req.ProjectionExpression = p.ProjectionExpression
		req.ExpressionAttributeNames = p.ExpressionAttributeNames
	}
	if in.StartKey != nil {
		req.ExclusiveStartKey = keyItem(*in.StartKey)
	}
	ctx, m, opts := meter(ctx)
	req.ReturnConsumedCapacity = m.ask()
	out, err := g.Scan(ctx, req, opts...)
	if err != nil {
		err = mapError(ctx, "scan", err)
		m.chargeError(ctx, err)
		return backend.ScanOutput{}, err
	}
	m.chargeCapacity(ctx, false, out.ConsumedCapacity)
	res := backend.ScanOutput{Items: out.Items}
	if len(out.LastEvaluatedKey) > 0 {
		k, err := parseKey(out.LastEvaluatedKey)
		if err != nil {
			return backend.ScanOutput{}, fmt.Errorf("dynamodb: scan: LastEvaluatedKey: %w", err)
		}
		res.LastKey = &k
	}
	return res, nil
}

// projection is a ProjectionExpression and its names, as the SDK's
// builder makes them.
type projection struct {
	ProjectionExpression     *string
	ExpressionAttributeNames map[string]string
}

var (
	keysProjectionOnce sync.Once
	keysProjectionVal  projection
	keysProjectionErr  error
)

// keysProjection returns the projection of the key attributes PK and SK,
// built once.
func keysProjection() (projection, error) {
	keysProjectionOnce.Do(func() {
		e, err := expression.NewBuilder().
			WithProjection(expression.NamesList(expression.Name(pkName), expression.Name(skName))).
			Build()
		if err != nil {
			keysProjectionErr = fmt.Errorf("%w: %w", backend.ErrInvalidArgument, err)
			return
		}
		keysProjectionVal = projection{ProjectionExpression: e.Projection(), ExpressionAttributeNames: e.Names()}
	})
	return keysProjectionVal, keysProjectionErr
}

// Scan calls the client's Scan, which Backend.Scan has checked it has.
func (g guarded) Scan(ctx context.Context, in *ddb.ScanInput, optFns ...func(*ddb.Options)) (out *ddb.ScanOutput, err error) {
	defer recoverClient("Scan", &err)
	return g.api.(ScanAPI).Scan(shield(ctx), in, optFns...)
}
