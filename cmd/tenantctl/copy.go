package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

func (a *app) copyCmd() *cobra.Command {
	var (
		to          place
		toTenant    string
		yes, create bool
		dryRun      bool
	)
	cmd := &cobra.Command{
		Use:   "copy",
		Short: "Copy a tenant's items to another table or tenant, and verify (needs --yes)",
		Long: `copy copies every item of the tenant (--tenant, in the table of the global
flags) to the destination: the tenant --to-tenant (default: the same ID) in
the table of the --to-* flags. Each --to flag not given is the source's;
--to-memory copies into an empty in-memory table (for a try). Keys are
renamed when the tenants differ. At the end it compares the count and
SHA-256 of the tenant's items on both sides: a difference is exit code 4.
Items in the destination with the same keys are replaced; hence --yes.
--dry-run checks every item, as import checks an export's lines, and
writes nothing. A copy does not resume: interrupted (exit code 5), run it
again; it puts the same items. --create-table creates a missing
destination table (with the indexes GSI1 ... GSI5) first.

Library call: ops.Copy(srcCtx, src, dstCtx, dst, optFns...), each tenant
in its context.`,
		Example: `  tenantctl --memory-seed demo copy --tenant acme --to-tenant acme-copy --yes
  tenantctl --endpoint http://127.0.0.1:8000 --table pool copy --tenant acme --to-table acme-silo --create-table --yes`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&to.endpoint, "to-endpoint", "", "the destination's DynamoDB endpoint (default: --endpoint)")
	f.StringVar(&to.table, "to-table", "", "the destination table (default: --table)")
	f.StringVar(&to.region, "to-region", "", "the destination's region (default: --region)")
	f.BoolVar(&to.memory, "to-memory", false, "copy into an empty in-memory table")
	f.StringVar(&toTenant, "to-tenant", "", "the destination tenant ID (default: --tenant)")
	f.BoolVar(&create, "create-table", false, "create the destination table when it is missing")
	f.BoolVar(&dryRun, "dry-run", false, "check the source's items; write nothing")
	yesFlag(cmd, &yes, "write the items into the destination, replacing items with the same keys")
	cmd.RunE = a.runE("copy", func(*cobra.Command) error {
		srcCtx, err := a.tenantCtx()
		if err != nil {
			return err
		}
		if toTenant == "" {
			toTenant = a.g.tenant
		}
		a.sum.ToTenant = toTenant
		dstCtx, err := tenantctx.WithTenant(a.ctx, toTenant)
		if err != nil {
			return usageError{fmt.Errorf("--to-tenant %q: %w", toTenant, err)}
		}
		src := a.source()
		dst, same := a.destination(to)
		if err := dst.check("to-"); err != nil {
			return err
		}
		if same && toTenant == a.g.tenant {
			return usagef("copy onto itself: give --to-tenant or a --to-table, --to-endpoint or --to-memory")
		}
		a.sum.Backend, a.sum.ToBackend, a.sum.DryRun = src.String(), dst.String(), dryRun
		if dryRun {
			yes = true // writes nothing
		}
		if err := a.confirm(yes, fmt.Sprintf("copy writes the items of tenant %s in %s into tenant %s in %s, replacing items with the same keys", a.g.tenant, src, toTenant, dst)); err != nil {
			return err
		}
		sb, err := open(a.ctx, src, false)
		if err != nil {
			return err
		}
		db := sb
		if !same {
			var err error
			if db, err = open(a.ctx, dst, create); err != nil {
				return fmt.Errorf("destination: %w", err)
			}
		}
		r := a.newReporter(fmt.Sprintf("copy %s to %s", a.g.tenant, toTenant), -1).countingDone()
		var extra []func(*ops.Options)
		if dryRun {
			extra = append(extra, ops.WithDryRun())
		}
		res, err := ops.Copy(srcCtx, sb, dstCtx, db, a.options(r, extra...)...)
		r.close()
		a.sum.Result, a.sum.Counts = res, &res.Import.Counts
		if err != nil {
			if a.ctx.Err() != nil {
				fmt.Fprintln(a.stderr, "tenantctl: a copy does not resume: run it again, it puts the same items")
			}
			return err
		}
		if dryRun {
			fmt.Fprintf(a.out(), "copy %s to %s (dry run): %d items checked, nothing written\n", a.g.tenant, toTenant, res.Import.Examined)
			return nil
		}
		fmt.Fprintf(a.out(), "copy %s (%s) to %s (%s): %d items, sha256 %s on both sides\n",
			a.g.tenant, src, toTenant, dst, res.Source.Items, res.Source.SHA256)
		return nil
	})
	return cmd
}

// destination is copy's destination: the source with each --to flag given
// in place of its own, or an empty memory table for --to-memory. same
// reports that it is the source's table, whose backend copy then shares
// (an in-memory source's items exist only in its backend).
func (a *app) destination(to place) (dst place, same bool) {
	if to.memory {
		return place{memory: true}, false
	}
	dst = a.source()
	if to.endpoint == "" && to.table == "" && to.region == "" {
		return dst, true
	}
	dst.seed = ""
	if dst.memory {
		// --to-table and the like with an in-memory source: a DynamoDB
		// destination with no source flags to fall back on.
		dst = place{}
	}
	if to.endpoint != "" {
		dst.endpoint = to.endpoint
	}
	if to.table != "" {
		dst.table = to.table
	}
	if to.region != "" {
		dst.region = to.region
	}
	return dst, dst == a.source()
}
