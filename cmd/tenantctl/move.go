package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/spf13/cobra"

	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/move"
	"github.com/tenantrepo/tenantrepo/route"
)

// poolName is the --to value that names the pool table.
const poolName = "pool"

func (a *app) moveCmd() *cobra.Command {
	var (
		to                             string
		dryRun, resume, abort          bool
		maxStale, settle, writeTimeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "move",
		Short: "Move a tenant online between the pool table and a silo table",
		Long: `move moves the tenant (--tenant) to the table --to: a silo table of its own
(created like the pool table when missing), or "pool" for the pool table
(--table). The tenant catalog, in the pool table, says where each tenant
lives; applications that reach their tables through a route.Router follow
it and keep reading and writing while the tenant moves, except for a short
pause of its writes before the switch (reported as pause).

The phases: copy the tenant's items, catch up from the source's change feed
(DynamoDB Streams with new and old images must be on), pause writes, compare
and switch, then delete the tenant's items from the source. Each phase is
recorded in the catalog: a move that stops (an error, Ctrl-C, exit code 5)
is continued with --resume or undone with --cancel (before the switch
only). While a stopped move is in its pause, the tenant's writes fail with
a retryable error: resume or cancel it promptly.

--max-stale must be at least the MaxStale of the applications' catalogs
(route.CatalogOptions; default 2s): the move waits that long, plus
--settle, for every router to see each change of placement.
--write-timeout must be at least their WriteTimeout (default 10s; 0 means
that default): before it pauses writes and before it purges the source,
the move also waits that out, for the writes routers sent before they saw
a change of placement to be done or given up. --dry-run
checks the tenant, the destination and the change feed, counts the items
to copy, and changes nothing.

Library call: move.Run(ctx, cfg, tenant, to, optFns...); move.Resume and
move.Cancel for --resume and --cancel.`,
		Example: `  tenantctl --memory-seed demo move --tenant acme --to acme-silo
  tenantctl --endpoint http://127.0.0.1:8000 --table pool move --tenant acme --to pool-acme --dry-run
  tenantctl --endpoint http://127.0.0.1:8000 --table pool --json move --tenant acme --to pool
  tenantctl --endpoint http://127.0.0.1:8000 --table pool move --tenant acme --resume`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", `the destination table, or "pool" for the pool table (--table)`)
	f.BoolVar(&dryRun, "dry-run", false, "check the move and count the items to copy; change nothing")
	f.BoolVar(&resume, "resume", false, "continue the tenant's move recorded in the catalog")
	f.BoolVar(&abort, "cancel", false, "undo the tenant's move recorded in the catalog (before its switch)")
	f.DurationVar(&maxStale, "max-stale", route.DefaultMaxStale, "the longest the applications' routers cache a placement (route.CatalogOptions.MaxStale)")
	f.DurationVar(&settle, "settle", move.DefaultSettle, "waited beyond --max-stale for in-flight requests")
	f.DurationVar(&writeTimeout, "write-timeout", route.DefaultWriteTimeout, "the longest the applications' routers let a write take (route.CatalogOptions.WriteTimeout)")
	cmd.RunE = a.runE("move", func(*cobra.Command) error {
		if _, err := a.tenantCtx(); err != nil {
			return err
		}
		modes := 0
		for _, b := range []bool{resume, abort, dryRun} {
			if b {
				modes++
			}
		}
		switch {
		case modes > 1:
			return usagef("--resume, --cancel and --dry-run go alone")
		case (resume || abort) && to != "":
			return usagef("--to: --resume and --cancel take the move's destination from the catalog")
		case !resume && !abort && to == "":
			return usagef(`--to is required: a table name, or "pool"`)
		case maxStale < 0 || settle < 0 || writeTimeout < 0:
			return usagef("--max-stale, --settle and --write-timeout take durations of at least 0")
		}
		if to == poolName {
			to = ""
		} else if to != "" && !route.ValidTableName(to) {
			return usagef("--to %q: not a table name (3 to 255 of a-z, A-Z, 0-9, '_', '.', '-'), nor \"pool\"", to)
		}
		src := a.source()
		a.sum.Backend, a.sum.DryRun = src.String(), dryRun
		cfg, err := openRouted(a.ctx, src, maxStale, writeTimeout)
		if err != nil {
			return err
		}
		pr := &moveProgress{a: a}
		opts := []func(*move.Options){
			move.WithProgress(pr.report),
			func(o *move.Options) {
				o.Settle, o.PageSize = settle, a.g.pageSize
				if a.g.concurrency <= move.MaxConcurrency {
					o.Concurrency = a.g.concurrency
				}
			},
		}
		var res move.Result
		switch {
		case resume:
			res, err = move.Resume(a.ctx, cfg, a.g.tenant, opts...)
		case abort:
			err = move.Cancel(a.ctx, cfg, a.g.tenant, opts...)
			if err == nil {
				fmt.Fprintf(a.out(), "cancelled the move of %s: it is where it was, and the destination holds nothing of it\n", a.g.tenant)
			}
			return moveError(err)
		default:
			if dryRun {
				opts = append(opts, move.WithDryRun())
			}
			res, err = move.Run(a.ctx, cfg, a.g.tenant, to, opts...)
		}
		a.sum.Result = summaryOf(res)
		a.sum.ToBackend = tableName(src, res.To)
		if err != nil {
			if a.ctx.Err() != nil {
				fmt.Fprintf(a.stderr, "tenantctl: the move is recorded in the catalog: continue it with --resume, or undo it with --cancel\n")
			}
			return moveError(err)
		}
		switch {
		case dryRun:
			fmt.Fprintf(a.out(), "move %s from %s to %s (dry run): %d items to copy; nothing changed\n",
				a.g.tenant, tableName(src, res.From), tableName(src, res.To), res.Copied)
		default:
			fmt.Fprintf(a.out(), "moved %s from %s to %s: %d items copied, %d changes applied, %d repaired, %d purged; writes paused %v\n",
				a.g.tenant, tableName(src, res.From), tableName(src, res.To), res.Copied, res.Applied, res.Repaired, res.Purged,
				res.Pause.Round(time.Millisecond))
		}
		return nil
	})
	return cmd
}

// moveError makes the refusals of bad input usage errors.
func moveError(err error) error {
	if errors.Is(err, move.ErrInvalidArgument) {
		return usageError{err}
	}
	return err
}

// tableName names a table of the move for people: "" is the pool.
func tableName(src place, table string) string {
	if table == "" {
		return "the pool (" + src.String() + ")"
	}
	return table
}

// moveSummary is the result of move in the JSON summary: move.Result with
// durations in seconds.
type moveSummary struct {
	MoveID       string             `json:"moveId,omitempty"`
	From         string             `json:"from"`
	To           string             `json:"to"`
	Copied       int                `json:"copied"`
	Applied      int                `json:"applied"`
	Repaired     int                `json:"repaired"`
	Purged       int                `json:"purged"`
	PauseSeconds float64            `json:"pauseSeconds"`
	PhaseSeconds map[string]float64 `json:"phaseSeconds"`
	ResumedAt    string             `json:"resumedAt,omitempty"`
	DryRun       bool               `json:"dryRun,omitempty"`
}

func summaryOf(r move.Result) moveSummary {
	s := moveSummary{MoveID: r.MoveID, From: r.From, To: r.To, Copied: r.Copied, Applied: r.Applied, Repaired: r.Repaired,
		Purged: r.Purged, PauseSeconds: r.Pause.Seconds(), PhaseSeconds: map[string]float64{}, ResumedAt: string(r.ResumedAt), DryRun: r.DryRun}
	for ph, d := range r.Phases {
		s.PhaseSeconds[string(ph)] = d.Seconds()
	}
	return s
}

// openRouted returns the catalog and tables of the pool table p: a memory
// Store with a change feed (seeded as --memory-seed says), or the DynamoDB
// table with its stream read through DynamoDB Streams, silo tables made
// with its index slots.
func openRouted(ctx context.Context, p place, maxStale, writeTimeout time.Duration) (move.Config, error) {
	var tables route.Tables
	if p.memory {
		store := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
		if p.seed == "demo" {
			if err := seedDemo(ctx, store); err != nil {
				return move.Config{}, fmt.Errorf("seeding the memory table: %w", err)
			}
		}
		tables = route.NewMemoryTables(store, "silo-{tenant}")
	} else {
		cfg, err := awsConfig(ctx, p)
		if err != nil {
			return move.Config{}, err
		}
		client := dynamodb.NewFromConfig(cfg)
		probe, err := dynamodbbackend.New(client, p.table)
		if err != nil {
			return move.Config{}, err
		}
		slots, err := probe.TableIndexes(ctx)
		if err != nil {
			return move.Config{}, fmt.Errorf("table %s: %w", p.table, err)
		}
		pool, err := dynamodbbackend.New(client, p.table, dynamodbbackend.WithIndexSlots(slots.Slots()...), func(o *dynamodbbackend.Options) {
			o.ChangeFeed = true
			o.Streams = dynamodbstreams.NewFromConfig(cfg)
		})
		if err != nil {
			return move.Config{}, err
		}
		if tables, err = route.NewDynamoDBTables(client, pool, p.table+"-{tenant}"); err != nil {
			return move.Config{}, err
		}
	}
	cat, err := route.NewCatalog(tables.Pool(), func(o *route.CatalogOptions) {
		o.MaxStale, o.WriteTimeout = maxStale, writeTimeout
	})
	if err != nil {
		return move.Config{}, err
	}
	return move.Config{Catalog: cat, Tables: tables}, nil
}

// moveProgress prints a move's progress on stderr: a line at each phase,
// and one per --progress-interval at most within a phase.
type moveProgress struct {
	a *app

	mu    sync.Mutex
	phase route.Phase
	last  time.Time
}

func (r *moveProgress) report(p move.Progress) {
	if r.a.g.quiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if p.Phase == r.phase && !p.Final && now.Sub(r.last) < r.a.g.progressEvery {
		return
	}
	r.phase, r.last = p.Phase, now
	word := "phase " + string(p.Phase)
	if p.Final {
		word = "finished"
	}
	fmt.Fprintf(r.a.stderr, "tenantctl: move %s %s: copied %d, applied %d, repaired %d, purged %d, %.1fs\n",
		p.Tenant, word, p.Copied, p.Applied, p.Repaired, p.Purged, p.Elapsed.Seconds())
}
