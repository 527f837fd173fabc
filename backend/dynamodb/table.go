package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// How often EnsureTable asks whether a new table is ACTIVE.
const (
	tableWaitMinDelay = 1 * time.Second
	tableWaitMaxDelay = 10 * time.Second
)

// EnsureTable makes sure the backend's table exists with the key schema the
// backend needs and is ACTIVE.
//
// A missing table is created with a string hash key "PK" and a string range
// key "SK", on demand (PAY_PER_REQUEST) unless Options.ProvisionedThroughput
// is set, and EnsureTable waits until it is ACTIVE, at most
// Options.TableWaitTimeout. It is idempotent and safe to call from several
// processes at once: a table that another caller is creating is waited for.
// A table with another key schema returns an error wrapping
// ErrTableMismatch, and one that is being deleted or is otherwise unusable
// returns an error.
func (b *Backend) EnsureTable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	out, err := b.client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(b.table)})
	var notFound *types.ResourceNotFoundException
	switch {
	case err == nil:
		if err := checkTable(b.table, out.Table); err != nil {
			return err
		}
		if out.Table.TableStatus == types.TableStatusActive {
			return nil
		}
	case errors.As(err, &notFound):
		if err := b.createTable(ctx); err != nil {
			return err
		}
	default:
		return mapError(ctx, "describe table "+b.table, err)
	}
	return b.waitActive(ctx)
}

// createTable creates the table. A table created meanwhile by someone else
// is no error: waitActive checks it.
func (b *Backend) createTable(ctx context.Context) error {
	in := &ddb.CreateTableInput{
		TableName: aws.String(b.table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(pkName), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(skName), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(pkName), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(skName), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	}
	if pt := b.opts.ProvisionedThroughput; pt != nil {
		in.BillingMode = types.BillingModeProvisioned
		in.ProvisionedThroughput = pt
	}
	_, err := b.client.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return mapError(ctx, "create table "+b.table, err)
	}
	return nil
}

// waitActive waits until the table is ACTIVE and checks its key schema.
func (b *Backend) waitActive(ctx context.Context) error {
	w := ddb.NewTableExistsWaiter(b.client, func(o *ddb.TableExistsWaiterOptions) {
		o.MinDelay = tableWaitMinDelay
		o.MaxDelay = tableWaitMaxDelay
	})
	out, err := w.WaitForOutput(ctx, &ddb.DescribeTableInput{TableName: aws.String(b.table)}, b.opts.TableWaitTimeout)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("dynamodb: table %s did not become ACTIVE: %w", b.table, err)
	}
	return checkTable(b.table, out.Table)
}

// checkTable reports whether a described table can hold the backend's
// items: an error wrapping ErrTableMismatch for another key schema, an error
// for a table being deleted or otherwise unusable, nil for a table that is
// or soon will be ACTIVE.
func checkTable(name string, t *types.TableDescription) error {
	if t == nil {
		return fmt.Errorf("dynamodb: table %s: DescribeTable returned no table", name)
	}
	attrType := make(map[string]types.ScalarAttributeType, len(t.AttributeDefinitions))
	for _, d := range t.AttributeDefinitions {
		attrType[aws.ToString(d.AttributeName)] = d.AttributeType
	}
	var got []string
	var hash, rng string
	for _, k := range t.KeySchema {
		n := aws.ToString(k.AttributeName)
		desc := fmt.Sprintf("%s (%s, %s)", n, attrType[n], k.KeyType)
		got = append(got, desc)
		switch k.KeyType {
		case types.KeyTypeHash:
			hash = desc
		case types.KeyTypeRange:
			rng = desc
		}
	}
	if len(got) != 2 || hash != "PK (S, HASH)" || rng != "SK (S, RANGE)" {
		return fmt.Errorf("%w: table %s has the key schema %s", ErrTableMismatch, name, strings.Join(got, ", "))
	}
	switch t.TableStatus {
	case types.TableStatusActive, types.TableStatusCreating, types.TableStatusUpdating:
		return nil
	}
	return fmt.Errorf("dynamodb: table %s is %s", name, t.TableStatus)
}
