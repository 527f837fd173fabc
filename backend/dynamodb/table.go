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
//
// With Options.TTLAttribute set, EnsureTable then turns on the table's time
// to live on that attribute unless it is on already (see ensureTTL).
func (b *Backend) EnsureTable(ctx context.Context) error {
	if err := b.ensureTable(ctx); err != nil {
		return err
	}
	if b.opts.TTLAttribute == "" {
		return nil
	}
	return b.ensureTTL(ctx)
}

// ensureTable is EnsureTable without the time to live.
func (b *Backend) ensureTable(ctx context.Context) error {
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

// ensureTTL turns on time to live on Options.TTLAttribute. It asks first
// (DescribeTimeToLive) and changes nothing when TTL is ENABLED or ENABLING
// on that attribute; it fails with an error wrapping ErrTTLMismatch when
// TTL is on another attribute (DynamoDB allows one per table) and with an
// error when TTL is being turned off (DISABLING), which DynamoDB does not
// let be undone until it is done. Else it enables TTL (UpdateTimeToLive).
// When that fails because another caller enabled it meanwhile, it asks
// again and succeeds if TTL is now on the attribute.
func (b *Backend) ensureTTL(ctx context.Context) error {
	attr := b.opts.TTLAttribute
	desc, err := b.describeTTL(ctx)
	if err != nil {
		return err
	}
	if done, err := b.ttlSettled(desc); done || err != nil {
		return err
	}
	_, err = b.client.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{
		TableName: aws.String(b.table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(attr),
			Enabled:       aws.Bool(true),
		},
	})
	if err == nil {
		return nil
	}
	updateErr := mapError(ctx, "enable time to live on table "+b.table, err)
	if ctx.Err() != nil {
		return updateErr
	}
	// Someone else may have enabled it meanwhile.
	if desc, err := b.describeTTL(ctx); err == nil {
		if done, err := b.ttlSettled(desc); done || err != nil {
			return err
		}
	}
	return updateErr
}

// describeTTL returns the table's time to live setting.
func (b *Backend) describeTTL(ctx context.Context) (*types.TimeToLiveDescription, error) {
	out, err := b.client.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String(b.table)})
	if err != nil {
		return nil, mapError(ctx, "describe time to live of table "+b.table, err)
	}
	if out.TimeToLiveDescription == nil {
		return &types.TimeToLiveDescription{TimeToLiveStatus: types.TimeToLiveStatusDisabled}, nil
	}
	return out.TimeToLiveDescription, nil
}

// ttlSettled reports whether desc has time to live on Options.TTLAttribute
// already, or an error when it cannot be put there.
func (b *Backend) ttlSettled(desc *types.TimeToLiveDescription) (bool, error) {
	attr, on := b.opts.TTLAttribute, aws.ToString(desc.AttributeName)
	switch desc.TimeToLiveStatus {
	case types.TimeToLiveStatusEnabled, types.TimeToLiveStatusEnabling:
		if on != attr {
			return false, fmt.Errorf("%w: table %s has time to live %s on attribute %q, not on %q",
				ErrTTLMismatch, b.table, strings.ToLower(string(desc.TimeToLiveStatus)), on, attr)
		}
		return true, nil
	case types.TimeToLiveStatusDisabling:
		return false, fmt.Errorf("dynamodb: table %s: time to live on attribute %q is being disabled; it cannot be enabled on %q until that is done",
			b.table, on, attr)
	}
	return false, nil
}
