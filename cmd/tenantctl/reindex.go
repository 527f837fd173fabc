package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/ops"
)

func (a *app) reindexCmd() *cobra.Command {
	var (
		prefix, resume, reason string
		indexes                []string
		all, dryRun, yes       bool
		segments               int
	)
	cmd := &cobra.Command{
		Use:   "reindex",
		Short: "Write missing or stale index keys of an entity type (needs --yes)",
		Long: `reindex rewrites the index keys (GSI<n>PK, GSI<n>SK) of every item of one
entity type, the items whose sort key starts with --prefix and '#', whose
keys are missing (written by another program, or before the index existed)
or stale. Name the type's indexes as its Indexes method declares them, each
with --index name:slot:partitionAttr:sortAttr. Only the index key attributes
are written, on the condition that the item is unchanged since it was read:
an item written meanwhile is skipped (its writer wrote its keys).

It acts on the tenant of --tenant, or with --all on every tenant of the
table (an operator command: a parallel scan, --segments at once; it needs
--operator-reason and no --tenant). --dry-run reports what it would fix,
writing nothing; otherwise it needs --yes. Interrupted (exit code 5), it
prints a checkpoint for --resume.

Library call: ops.Reindex(ctx, r) for a repository r of an entity type, or
ops.ReindexType(ctx, b, ops.TypeSpec{Prefix: "order", Indexes: ...}); with
--all, ops.ReindexAll / ops.ReindexAllType with ctx from
tenantctx.AsOperator(ctx, reason).`,
		Example: `  tenantctl --memory-seed demo reindex --tenant acme --prefix order --index by-user:1:user_id:created_at --dry-run
  tenantctl --endpoint http://127.0.0.1:8000 --table shop reindex --tenant acme --prefix order --index by-user:1:user_id:created_at --yes
  tenantctl --endpoint http://127.0.0.1:8000 --table shop reindex --all --operator-reason "backfill by-user, ticket 123" \
      --prefix order --index by-user:1:user_id:created_at --yes`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&prefix, "prefix", "", "the entity type's sort-key prefix, such as order (required)")
	f.StringArrayVar(&indexes, "index", nil, "an index of the type, name:slot:partitionAttr:sortAttr, such as by-user:1:user_id:created_at (repeat for each; at least one)")
	f.BoolVar(&all, "all", false, "every tenant of the table (operator command; needs --operator-reason)")
	f.StringVar(&reason, "operator-reason", "", "with --all: why, kept in the operator context")
	f.IntVar(&segments, "segments", 0, fmt.Sprintf("with --all: parallel scan segments (0: %d, at most %d)", ops.DefaultSegments, ops.MaxSegments))
	f.BoolVar(&dryRun, "dry-run", false, "write nothing; report what would be fixed")
	f.StringVar(&resume, "resume", "", "continue an interrupted reindex from its checkpoint")
	yesFlag(cmd, &yes, "write the index keys")
	cmd.RunE = a.runE("reindex", func(*cobra.Command) error {
		if prefix == "" {
			return usagef("--prefix is required")
		}
		if len(indexes) == 0 {
			return usagef("--index is required: name each index of the type, name:slot:partitionAttr:sortAttr")
		}
		spec := ops.TypeSpec{Prefix: prefix}
		for _, s := range indexes {
			ix, err := parseIndex(s)
			if err != nil {
				return err
			}
			spec.Indexes = append(spec.Indexes, ix)
		}
		if !all && segments != 0 {
			return usagef("--segments goes with --all")
		}
		if !all && reason != "" {
			return usagef("--operator-reason goes with --all")
		}
		var (
			ctx   context.Context
			err   error
			label string
		)
		if all {
			ctx, err = a.operatorCtx(reason)
			label = "reindex every tenant"
		} else {
			ctx, err = a.tenantCtx()
			label = "reindex " + a.g.tenant
		}
		if err != nil {
			return err
		}
		src := a.source()
		a.sum.Backend, a.sum.DryRun = src.String(), dryRun
		if !dryRun {
			whose := "tenant " + a.g.tenant
			if all {
				whose = "every tenant"
			}
			if err := a.confirm(yes, fmt.Sprintf("reindex writes the index keys of the %s items of %s in %s (--dry-run shows what)", prefix, whose, src)); err != nil {
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
		r := a.newReporter(label, -1)
		var res ops.ReindexResult
		if all {
			extra = append(extra, ops.WithSegments(segments))
			res, err = ops.ReindexAllType(ctx, b, spec, a.options(r, extra...)...)
		} else {
			res, err = ops.ReindexType(ctx, b, spec, a.options(r, extra...)...)
		}
		r.close()
		a.sum.Result, a.sum.Counts = res, &res.Counts
		if err != nil {
			a.setCheckpoint(res.Checkpoint, r)
			return err
		}
		verb := "fixed"
		if dryRun {
			verb = "would fix"
		}
		fmt.Fprintf(a.out(), "%s, %s items: examined %d, %s %d, skipped %d, failed %d\n",
			label, prefix, res.Examined, verb, res.Done, res.Skipped, res.Failed)
		return nil
	})
	return cmd
}

// parseIndex parses --index name:slot:partitionAttr:sortAttr. The
// operation checks the rest (ErrInvalidArgument).
func parseIndex(s string) (entity.Index, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return entity.Index{}, usagef("--index %q: want name:slot:partitionAttr:sortAttr, such as by-user:1:user_id:created_at", s)
	}
	slot, err := strconv.Atoi(parts[1])
	if err != nil || slot < 1 || slot > entity.MaxIndexes {
		return entity.Index{}, usagef("--index %q: the slot %q is not a number from 1 to %d", s, parts[1], entity.MaxIndexes)
	}
	for i, what := range []string{"name", "", "partition attribute", "sort attribute"} {
		if what != "" && parts[i] == "" {
			return entity.Index{}, usagef("--index %q: the %s is empty", s, what)
		}
	}
	return entity.Index{Name: parts[0], Slot: slot, PartitionAttr: parts[2], SortAttr: parts[3]}, nil
}
