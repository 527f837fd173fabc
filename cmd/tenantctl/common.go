package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// runE returns a cobra RunE that runs fn as the subcommand op, after the
// checks every subcommand makes.
func (a *app) runE(op string, fn func(cmd *cobra.Command) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		a.started = true
		a.sum.Op = op
		if err := a.checkGlobals(); err != nil {
			return err
		}
		return fn(cmd)
	}
}

// checkGlobals reports, as a usage error, global flags out of range, before
// anything is read or written.
func (a *app) checkGlobals() error {
	g := a.g
	for _, f := range []struct {
		name string
		v    float64
	}{{"pace-items", g.paceItems}, {"pace-units", g.paceUnits}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return usagef("--%s %v: give a number of at least 0 (0: no limit)", f.name, f.v)
		}
	}
	if g.concurrency < 0 || g.concurrency > ops.MaxConcurrency {
		return usagef("--concurrency %d is not between 0 and %d", g.concurrency, ops.MaxConcurrency)
	}
	if g.pageSize < 0 || g.pageSize > ops.MaxPageSize {
		return usagef("--page-size %d is not between 0 and %d", g.pageSize, ops.MaxPageSize)
	}
	if g.progressEvery < 0 {
		return usagef("--progress-interval %v is below 0", g.progressEvery)
	}
	return a.source().check("")
}

// tenantCtx returns the context with the tenant of --tenant.
func (a *app) tenantCtx() (context.Context, error) {
	if a.g.tenant == "" {
		return nil, usagef("--tenant is required")
	}
	a.sum.Tenant = a.g.tenant
	ctx, err := tenantctx.WithTenant(a.ctx, a.g.tenant)
	if err != nil {
		return nil, usageError{fmt.Errorf("--tenant %q: %w", a.g.tenant, err)}
	}
	return ctx, nil
}

// operatorCtx returns the operator context of an operator-scoped command,
// which acts on every tenant: --tenant is refused, --operator-reason
// required.
func (a *app) operatorCtx(reason string) (context.Context, error) {
	if a.g.tenant != "" {
		return nil, usagef("--tenant: this command acts on every tenant of the table, not on one")
	}
	if reason == "" {
		return nil, usagef("--operator-reason is required: say why this command reads every tenant (it is kept in the context)")
	}
	ctx, err := tenantctx.AsOperator(a.ctx, reason)
	if err != nil {
		return nil, usageError{fmt.Errorf("--operator-reason: %w", err)}
	}
	return ctx, nil
}

// options returns the ops options of the global flags, with r's progress
// and extra.
func (a *app) options(r *reporter, extra ...func(*ops.Options)) []func(*ops.Options) {
	fns := []func(*ops.Options){
		ops.WithPace(ops.Pace{ItemsPerSecond: a.g.paceItems, UnitsPerSecond: a.g.paceUnits}),
		ops.WithConcurrency(a.g.concurrency),
		func(o *ops.Options) { o.PageSize = a.g.pageSize },
	}
	if r != nil {
		fns = append(fns, r.option())
	}
	return append(fns, extra...)
}

// confirm refuses a destructive command without --yes: what says what it
// would do.
func (a *app) confirm(yes bool, what string) error {
	if yes {
		return nil
	}
	return fmt.Errorf("%w: %s; add --yes to do it", errRefused, what)
}

// out is where the human report goes: stdout, unless --json holds it.
func (a *app) out() io.Writer {
	if a.g.json {
		return io.Discard
	}
	return a.stdout
}

// setCheckpoint records the checkpoint of an operation that stopped: the
// result's, else the last one reported.
func (a *app) setCheckpoint(cp ops.Checkpoint, r *reporter) {
	if cp == "" && r != nil {
		cp = r.lastCheckpoint()
	}
	a.sum.Checkpoint = cp
}

// printByType prints a table of items and bytes per entity type.
func printByType(w io.Writer, byType map[string]ops.TypeStats) {
	if len(byType) == 0 {
		return
	}
	prefixes := make([]string, 0, len(byType))
	for p := range byType {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  type\titems\tbytes")
	for _, p := range prefixes {
		name := p
		if name == "" {
			name = `""`
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\n", name, byType[p].Items, byType[p].Bytes)
	}
	tw.Flush()
}

// yesFlag adds --yes to cmd.
func yesFlag(cmd *cobra.Command, yes *bool, what string) {
	cmd.Flags().BoolVar(yes, "yes", false, "confirm: "+what+" (without it, nothing is changed and the exit code is 3)")
}
