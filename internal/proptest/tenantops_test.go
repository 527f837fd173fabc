package proptest

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// This file adds the tenant operations of package ops to the sequences:
// purging a tenant, copying it to another tenant (in the same table, as
// ops.Copy and as ops.Export piped into ops.Import), reindexing a type and
// counting a tenant's items. They act on whole partitions, so the
// isolation property checks them at their widest: after each, every
// other tenant, the near-collision IDs included, holds exactly what the
// model says.

// describeTenantOp renders an op of package ops for rapid's log.
func describeTenantOp(o op, tenants []string) string {
	to := func() string {
		if o.To >= 0 && o.To < len(tenants) {
			return shortQ(tenants[o.To])
		}
		return fmt.Sprint(o.To)
	}
	switch o.Kind {
	case opCopy:
		return "ops.Copy(to " + to() + ")"
	case opExportImport:
		return "ops.Export | ops.Import(as " + to() + ")"
	case opReindex:
		return "ops.Reindex(ticket)"
	}
	return "ops." + o.Kind.String() + "()"
}

// execTenantOp runs an op of package ops.
func (w *world) execTenantOp(ctx context.Context, tenants []string, o *op) result {
	conc := ops.WithConcurrency(2)
	switch o.Kind {
	case opPurge:
		_, err := ops.Purge(ctx, w.b, conc)
		return result{Err: errText(err)}
	case opCopy:
		_, err := ops.Copy(ctx, w.b, tenantctx.MustWithTenant(context.Background(), tenants[o.To]), w.b, conc)
		return result{Err: errText(err)}
	case opExportImport:
		var buf bytes.Buffer
		if _, err := ops.Export(ctx, w.b, &buf); err != nil {
			return result{Err: errText(err)}
		}
		_, err := ops.Import(tenantctx.MustWithTenant(context.Background(), tenants[o.To]), w.b, bytes.NewReader(buf.Bytes()), conc)
		return result{Err: errText(err)}
	case opReindex:
		res, err := ops.ReindexType(ctx, w.b, ops.SpecOf[ticket](), conc)
		if err != nil {
			return result{Err: errText(err)}
		}
		// The repository wrote every ticket's index keys: nothing to fix.
		return result{Err: "ok", Raw: []string{fmt.Sprintf("fixed %d, failed %d", res.Done, res.Failed)}}
	case opStats:
		st, err := ops.Stats(ctx, w.b)
		if err != nil {
			return result{Err: errText(err)}
		}
		return result{Err: "ok", Raw: statsLines(st.ByType)}
	}
	panic(fmt.Sprintf("not a tenant operation: %v", o.Kind))
}

// statsLines renders items per type, sorted.
func statsLines(by map[string]ops.TypeStats) []string {
	out := []string{}
	for p, ts := range by {
		if ts.Items > 0 {
			out = append(out, fmt.Sprintf("%s=%d", p, ts.Items))
		}
	}
	slices.Sort(out)
	return out
}

// tenantOp is what an op of package ops does to the model, for a valid
// tenant (step answers the others).
func (m *model) tenantOp(o *op) result {
	tenant := m.tenants[o.Tenant]
	switch o.Kind {
	case opPurge:
		delete(m.data, tenant)
		return result{Err: "ok"}
	case opCopy, opExportImport:
		to := m.tenants[o.To]
		if o.Kind == opCopy && to == tenant {
			return result{Err: "ops.InvalidArgument"} // a copy onto itself
		}
		// Nothing is written when an item's keys, renamed, break
		// DynamoDB's limits (a long destination tenant ID).
		for t := range numTypes {
			for id, a := range m.of(tenant, t) {
				if _, kind := checkEnc(to, t, decode(id, a)); kind != "" {
					return result{Err: "ops.InvalidArgument"}
				}
			}
		}
		extra := false
		for t := range numTypes {
			src, dst := m.of(tenant, t), m.of(to, t)
			for id := range dst {
				if src[id] == nil {
					extra = true
				}
			}
			for id, a := range src {
				dst[id] = a.clone()
			}
		}
		if o.Kind == opCopy && extra {
			// The destination holds items the source does not: its
			// checksum differs, though every item was written.
			return result{Err: "Verify"}
		}
		return result{Err: "ok"}
	case opReindex:
		return result{Err: "ok", Raw: []string{"fixed 0, failed 0"}}
	case opStats:
		out := []string{}
		for t := range numTypes {
			if n := len(m.of(tenant, t)); n > 0 {
				out = append(out, fmt.Sprintf("%s=%d", t.prefix(), n))
			}
		}
		slices.Sort(out)
		return result{Err: "ok", Raw: out}
	}
	panic(fmt.Sprintf("not a tenant operation: %v", o.Kind))
}
