package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantrepo/tenantrepo/ops"
)

func (a *app) statsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count a tenant's items and bytes per entity type",
		Long: `stats counts the items of the tenant and their size (DynamoDB's item size) per
entity type, the sort-key prefix before '#', reading the tenant's partition
in pages. It changes nothing.

Library call: ops.Stats(ctx, b, optFns...), the tenant in ctx.`,
		Example: `  tenantctl --memory-seed demo stats --tenant acme
  tenantctl --endpoint http://127.0.0.1:8000 --table shop --json stats --tenant acme`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = a.runE("stats", func(*cobra.Command) error {
		ctx, err := a.tenantCtx()
		if err != nil {
			return err
		}
		src := a.source()
		a.sum.Backend = src.String()
		b, err := open(a.ctx, src, false)
		if err != nil {
			return err
		}
		r := a.newReporter("stats "+a.g.tenant, -1)
		res, err := ops.Stats(ctx, b, a.options(r)...)
		r.close()
		a.sum.Result = res
		a.sum.Counts = &ops.Counts{Examined: res.Items, Done: res.Items, Bytes: res.Bytes}
		if err != nil {
			return err
		}
		w := a.out()
		fmt.Fprintf(w, "tenant %s: %d items, %s\n", a.g.tenant, res.Items, formatBytes(res.Bytes))
		printByType(w, res.ByType)
		return nil
	})
	return cmd
}
