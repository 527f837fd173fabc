package dynamodb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// How often EnsureTable asks whether a new table is ACTIVE.
const (
	tableWaitMinDelay = 1 * time.Second
	tableWaitMaxDelay = 10 * time.Second
)

// EnsureTable makes sure the backend's table exists with the key schema the
// backend needs, has its secondary indexes, and is ACTIVE.
//
// A missing table is created with a string hash key "PK" and a string range
// key "SK" and the global secondary indexes of the slots it needs
// (Options.IndexSlots, else GSI1 ... GSI<Options.Indexes>, by default all
// five; none for WithIndexSlots()), GSI<n> keyed by the strings GSI<n>PK,
// hash, and GSI<n>SK, range, projecting all attributes, on demand
// (PAY_PER_REQUEST) unless Options.ProvisionedThroughput is set, which then
// applies to each index too, and EnsureTable waits until it is ACTIVE, at most
// Options.TableWaitTimeout. It is idempotent and safe to call from several
// processes at once: a table that another caller is creating is waited for.
// A table with another key schema returns an error wrapping
// ErrTableMismatch, and one that is being deleted or is otherwise unusable
// returns an error.
//
// An existing table that lacks some of the indexes of those slots gets
// them added (see ensureIndexes), one UpdateTable call at a time, since
// DynamoDB creates one index of a table at a time, each waited for until
// it is ACTIVE. A table whose index of one of those names has another key
// schema or projection returns an error wrapping ErrTableMismatch. Other
// indexes of the table are left alone.
//
// Once the indexes are ACTIVE the backend keeps which of its slots the
// table has (see KnownIndexes).
//
// With Options.ChangeFeed set, EnsureTable creates the table with a stream
// of new and old images, and turns it on for an existing table without one
// (see ensureStream).
//
// With Options.TTLAttribute set, EnsureTable then turns on the table's time
// to live on that attribute unless it is on already (see ensureTTL).
func (b *Backend) EnsureTable(ctx context.Context) error {
	if err := b.ensureTable(ctx); err != nil {
		return err
	}
	if err := b.ensureIndexes(ctx); err != nil {
		return err
	}
	if b.opts.ChangeFeed {
		if err := b.ensureStream(ctx); err != nil {
			return err
		}
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
	switch {
	case err == nil:
		if err := b.checkTable(out.Table); err != nil {
			return err
		}
		if out.Table.TableStatus == types.TableStatusActive {
			return nil
		}
	case tableMissing(err):
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
		TableName:            aws.String(b.table),
		AttributeDefinitions: stringAttributes(pkName, skName),
		KeySchema:            keySchema(pkName, skName),
		BillingMode:          types.BillingModePayPerRequest,
	}
	if b.opts.ChangeFeed {
		in.StreamSpecification = streamSpec()
	}
	if pt := b.opts.ProvisionedThroughput; pt != nil {
		in.BillingMode = types.BillingModeProvisioned
		in.ProvisionedThroughput = pt
	}
	for _, n := range b.declared.Slots() {
		name := backend.IndexName(n)
		ipk, isk := backend.IndexKeyNames(name)
		in.AttributeDefinitions = append(in.AttributeDefinitions, stringAttributes(ipk, isk)...)
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:             aws.String(name),
			KeySchema:             keySchema(ipk, isk),
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeAll},
			ProvisionedThroughput: b.opts.ProvisionedThroughput,
		})
	}
	for _, k := range slices.Sorted(maps.Keys(b.opts.Tags)) {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(b.opts.Tags[k])})
	}
	_, err := b.client.CreateTable(ctx, in)
	if err != nil && !tableInUse(err) {
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
	return b.checkTable(out.Table)
}

// stringAttributes returns the definitions of string attributes.
func stringAttributes(names ...string) []types.AttributeDefinition {
	defs := make([]types.AttributeDefinition, len(names))
	for i, n := range names {
		defs[i] = types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	return defs
}

// keySchema returns the key schema of hash key hash and range key rng.
func keySchema(hash, rng string) []types.KeySchemaElement {
	return []types.KeySchemaElement{
		{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash},
		{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange},
	}
}

// describeKeys describes a key schema as "PK (S, HASH), SK (S, RANGE)",
// with the attribute types of defs.
func describeKeys(schema []types.KeySchemaElement, defs []types.AttributeDefinition) string {
	attrType := make(map[string]types.ScalarAttributeType, len(defs))
	for _, d := range defs {
		attrType[aws.ToString(d.AttributeName)] = d.AttributeType
	}
	var hash, rng, other []string
	for _, k := range schema {
		n := aws.ToString(k.AttributeName)
		desc := fmt.Sprintf("%s (%s, %s)", n, attrType[n], k.KeyType)
		switch k.KeyType {
		case types.KeyTypeHash:
			hash = append(hash, desc)
		case types.KeyTypeRange:
			rng = append(rng, desc)
		default:
			other = append(other, desc)
		}
	}
	return strings.Join(append(append(hash, rng...), other...), ", ")
}

// checkTable reports whether a described table can hold the backend's
// items: an error wrapping ErrTableMismatch for another key schema, or an
// index of a slot it needs with another key schema or
// projection than the backend needs, an error for a table being deleted or
// otherwise unusable, nil for a table that is or soon will be ACTIVE.
// Missing indexes are no error here: ensureIndexes adds them.
func (b *Backend) checkTable(t *types.TableDescription) error {
	name := b.table
	if t == nil {
		return fmt.Errorf("dynamodb: table %s: DescribeTable returned no table", name)
	}
	if got := describeKeys(t.KeySchema, t.AttributeDefinitions); got != "PK (S, HASH), SK (S, RANGE)" {
		return fmt.Errorf("%w: table %s has the key schema %s, not PK (S, HASH), SK (S, RANGE)", ErrTableMismatch, name, got)
	}
	for _, g := range t.GlobalSecondaryIndexes {
		n := aws.ToString(g.IndexName)
		if !b.needsIndex(n) {
			continue
		}
		ipk, isk := backend.IndexKeyNames(n)
		want := fmt.Sprintf("%s (S, HASH), %s (S, RANGE)", ipk, isk)
		got := describeKeys(g.KeySchema, t.AttributeDefinitions)
		var proj types.ProjectionType
		if g.Projection != nil {
			proj = g.Projection.ProjectionType
		}
		if got != want || proj != types.ProjectionTypeAll {
			return fmt.Errorf("%w: table %s has the index %s with the key schema %s and projection %s, not %s and projection ALL",
				ErrTableMismatch, name, n, got, proj, want)
		}
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
