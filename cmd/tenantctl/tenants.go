package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantrepo/tenantrepo/ops"
)

// tenantsResult is the result of the tenants command in --json.
type tenantsResult struct {
	Tenants []string `json:"tenants"`
	// Next continues the list (--resume); empty when the table was read to
	// its end.
	Next  ops.Checkpoint `json:"next,omitempty"`
	Pages int            `json:"pages"`
}

func (a *app) tenantsCmd() *cobra.Command {
	var (
		reason, resume  string
		pages, segments int
	)
	cmd := &cobra.Command{
		Use:   "tenants",
		Short: "List the tenants of the table (operator command)",
		Long: `tenants lists the tenant IDs of the table's partition keys, one per line,
reading the table page by page (--page-size items, keys only), in a scan
of --segments parallel segments. It is an operator command: it reads every
tenant's partition, so it needs --operator-reason, kept in the operator
context, and takes no --tenant. It changes nothing.

--pages N stops after N pages and prints the checkpoint to continue from
with --resume; so does an interrupt (exit code 5).

Library call: ops.Tenants(ctx, b, optFns...) returns one ops.TenantPage,
ctx from tenantctx.AsOperator(ctx, reason); page.Next continues
(ops.WithResume).`,
		Example: `  tenantctl --memory-seed demo tenants --operator-reason "list for the audit"
  tenantctl --endpoint http://127.0.0.1:8000 --table shop tenants --operator-reason "offboarding review" --page-size 500 --pages 1`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&reason, "operator-reason", "", "why the table's tenants are listed (required)")
	f.StringVar(&resume, "resume", "", "continue a list from its checkpoint")
	f.IntVar(&pages, "pages", 0, "stop after this many pages and print the checkpoint (0: read to the end)")
	f.IntVar(&segments, "segments", 0, fmt.Sprintf("parallel scan segments (0: %d, at most %d)", ops.DefaultSegments, ops.MaxSegments))
	cmd.RunE = a.runE("tenants", func(*cobra.Command) error {
		ctx, err := a.operatorCtx(reason)
		if err != nil {
			return err
		}
		if pages < 0 {
			return usagef("--pages %d is below 0", pages)
		}
		src := a.source()
		a.sum.Backend = src.String()
		b, err := open(a.ctx, src, false)
		if err != nil {
			return err
		}
		r := a.newReporter("tenants", -1)
		defer r.close()
		res := tenantsResult{Tenants: []string{}}
		a.sum.Result = &res
		a.sum.Counts = &ops.Counts{}
		next := ops.Checkpoint(resume)
		w := a.out()
		for {
			page, err := ops.Tenants(ctx, b, a.options(r, ops.WithResume(next), ops.WithSegments(segments))...)
			if err != nil {
				a.setCheckpoint(next, nil)
				res.Next = next
				return err
			}
			res.Pages++
			// ops.Tenants lists a tenant in one page of a listing only.
			for _, t := range page.Tenants {
				res.Tenants = append(res.Tenants, t)
				fmt.Fprintln(w, t)
			}
			next = page.Next
			a.sum.Counts.Done = int64(len(res.Tenants))
			if next == "" {
				return nil
			}
			if pages > 0 && res.Pages >= pages {
				res.Next = next
				a.sum.Checkpoint = next
				fmt.Fprintf(a.stderr, "tenantctl: stopped after %d pages; to continue, run the same command with --resume %s\n", res.Pages, next)
				return nil
			}
		}
	})
	return cmd
}
