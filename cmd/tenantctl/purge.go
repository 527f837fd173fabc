package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantrepo/tenantrepo/ops"
)

func (a *app) purgeCmd() *cobra.Command {
	var (
		yes, dryRun bool
		resume      string
	)
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Delete every item of a tenant (needs --yes)",
		Long: `purge deletes every item of the tenant: every entity type, including types
no program of ours knows and items other programs wrote. It deletes in
batches of 25, --concurrency at a time, and ends by reading the partition
again: items left (written while it ran) fail it with exit code 4.

Without --yes it deletes nothing and exits with code 3. --dry-run deletes
nothing and reports what a purge would delete, per type; it needs no --yes.
Interrupted (Ctrl-C, exit code 5), it prints a checkpoint: run the same
command with --resume CHECKPOINT to continue. Running a finished purge
again deletes nothing.

Library call: ops.Purge(ctx, b, optFns...), the tenant in ctx.`,
		Example: `  tenantctl --memory-seed demo purge --tenant acme --dry-run
  tenantctl --endpoint http://127.0.0.1:8000 --table shop purge --tenant acme --yes
  tenantctl --endpoint http://127.0.0.1:8000 --table shop purge --tenant acme --yes --pace-items 500 --resume eyJ2Ijox...`,
		Args: cobra.NoArgs,
	}
	yesFlag(cmd, &yes, "delete the tenant's items")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "delete nothing; report what would be deleted")
	cmd.Flags().StringVar(&resume, "resume", "", "continue an interrupted purge from its checkpoint")
	cmd.RunE = a.runE("purge", func(*cobra.Command) error {
		ctx, err := a.tenantCtx()
		if err != nil {
			return err
		}
		src := a.source()
		a.sum.Backend, a.sum.DryRun = src.String(), dryRun
		if !dryRun {
			if err := a.confirm(yes, fmt.Sprintf("purge deletes every item of tenant %s in %s (--dry-run shows what)", a.g.tenant, src)); err != nil {
				return err
			}
		}
		b, err := open(a.ctx, src, false)
		if err != nil {
			return err
		}
		extra := []func(*ops.Options){ops.WithResume(ops.Checkpoint(resume))}
		if dryRun {
			extra = append(extra, ops.WithDryRun())
		}
		r := a.newReporter("purge "+a.g.tenant, -1).countingDone()
		res, err := ops.Purge(ctx, b, a.options(r, extra...)...)
		r.close()
		a.sum.Result, a.sum.Counts = res, &res.Counts
		if err != nil {
			a.setCheckpoint(res.Checkpoint, r)
			return err
		}
		w := a.out()
		if dryRun {
			fmt.Fprintf(w, "purge %s (dry run): would delete %d items, %s\n", a.g.tenant, res.Done, formatBytes(res.Bytes))
		} else {
			fmt.Fprintf(w, "purge %s: deleted %d items, %s; the partition is empty\n", a.g.tenant, res.Done, formatBytes(res.Bytes))
		}
		printByType(w, res.ByType)
		return nil
	})
	return cmd
}
