package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tenantrepo/tenantrepo/ops"
)

// The exit codes, documented in the root command's help.
const (
	exitDone        = 0 // the operation finished
	exitFailed      = 1 // an error
	exitUsage       = 2 // a bad command line
	exitRefused     = 3 // a destructive command without --yes
	exitVerify      = 4 // ops.ErrNotEmpty or ops.ErrVerify
	exitInterrupted = 5 // SIGINT or SIGTERM; the checkpoint is printed
)

// statusNames are the exit codes' names in the JSON summary's "status".
var statusNames = map[int]string{
	exitDone:        "done",
	exitFailed:      "failed",
	exitUsage:       "usage",
	exitRefused:     "refused",
	exitVerify:      "verify-failed",
	exitInterrupted: "interrupted",
}

const exitCodesHelp = `Exit codes:
  0  done
  1  failed: an error (the message says which; --json gives its kind)
  2  usage error: a bad command line, flag value, tenant ID or checkpoint
  3  refused: a destructive command without --yes; nothing was changed
  4  verification failed: a purge found items left (ops.ErrNotEmpty), or a
     copy's destination does not match its source (ops.ErrVerify)
  5  interrupted: SIGINT or SIGTERM (Ctrl-C) stopped the operation; the
     checkpoint to pass to --resume is printed (and is in --json's summary)`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the operation winds down and reports its
		// checkpoint; a second one kills the process as usual.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// globals are the flags every subcommand takes.
type globals struct {
	endpoint    string
	region      string
	table       string
	memory      bool
	memorySeed  string
	tenant      string
	json        bool
	paceItems   float64
	paceUnits   float64
	concurrency int
	pageSize    int
	quiet       bool
	// progressEvery is how often plain progress lines are printed.
	progressEvery time.Duration
}

// app is one run of the command.
type app struct {
	ctx    context.Context // canceled by SIGINT or SIGTERM
	g      globals
	stdout io.Writer
	stderr io.Writer
	// terminal is whether stderr is a terminal: a progress bar, else lines.
	terminal bool
	// started is set when a subcommand's own code runs: an error before
	// that is cobra's, about the command line.
	started bool
	sum     summary
	begin   time.Time
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, stdout: stdout, stderr: stderr, begin: time.Now()}
	if f, ok := stderr.(interface{ Fd() uintptr }); ok {
		a.terminal = term.IsTerminal(int(f.Fd()))
	}
	root := a.rootCmd()
	args = normalizeArgs(root, args)
	// A bad command line stops the parse before flags after the error:
	// --json still asks for the summary.
	a.g.json = wantsJSON(args)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := execute(root)
	return a.finish(cmd, err)
}

// execute runs root, turning a panic into an error: a Go panic's exit
// code, 2, would read as a usage error.
func execute(root *cobra.Command) (cmd *cobra.Command, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return root.ExecuteC()
}

// finish prints the error and the JSON summary, and returns the exit code.
func (a *app) finish(cmd *cobra.Command, err error) int {
	code := exitDone
	if err != nil {
		code = a.exitCode(err)
		a.sum.setError(err, code)
		fmt.Fprintf(a.stderr, "tenantctl: %v\n", err)
		if code == exitUsage && cmd != nil {
			fmt.Fprintf(a.stderr, "Run '%s -h' for its flags and an example.\n", cmd.CommandPath())
		}
	}
	if code == exitInterrupted && a.sum.Checkpoint != "" {
		fmt.Fprintf(a.stderr, "tenantctl: interrupted; to continue, run the same command with --resume %s\n", a.sum.Checkpoint)
	}
	if a.g.json {
		if a.sum.Op == "" && cmd != nil && cmd.HasParent() {
			a.sum.Op = cmd.Name()
		}
		a.sum.ExitCode = code
		a.sum.Status = statusNames[code]
		a.sum.ElapsedSeconds = time.Since(a.begin).Seconds()
		if werr := writeJSON(a.stdout, a.sum); werr != nil && code == exitDone {
			fmt.Fprintf(a.stderr, "tenantctl: writing the summary: %v\n", werr)
			code = exitFailed
		}
	}
	return code
}

// exitCode classifies err.
func (a *app) exitCode(err error) int {
	var ue usageError
	switch {
	case !a.started, errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, errRefused):
		return exitRefused
	case a.ctx.Err() != nil:
		return exitInterrupted
	case errors.Is(err, ops.ErrNotEmpty), errors.Is(err, ops.ErrVerify):
		return exitVerify
	case isUsage(err):
		return exitUsage
	}
	return exitFailed
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "tenantctl",
		Short: "Operate on a tenant's data in a tenantrepo table",
		Long: `tenantctl runs the tenant data operations of package ops (github.com/tenantrepo/tenantrepo/ops)
on a DynamoDB table, or on the in-memory backend for trying them.

Every command acts on the tenant given with --tenant and on nothing else,
except the operator commands (tenants, reindex --all), which act on every
tenant of the table and need --operator-reason. Destructive commands
(purge, import, copy, reindex) do nothing without --yes. policy prints the
IAM policy of a tenant-scoped role and touches no table.

The backend: --table with --endpoint (such as DynamoDB Local's
http://127.0.0.1:8000) or --region (AWS). Credentials and the region
come from the AWS SDK's default configuration (environment, shared config
and credentials files, AWS_PROFILE, SSO, container and instance roles);
for a loopback endpoint without AWS_ACCESS_KEY_ID, dummy credentials
(DynamoDB Local accepts any). The region is then us-east-1 if none is set.
Or --memory: an in-memory table, empty in each run, so give it
--memory-seed demo to load the demo tenants (acme, acme-corp, globex, with
users, orders, orders written without index keys, and a note) and every
command has something to show.

Progress goes to stderr: a progress bar on a terminal, plain lines
otherwise (--quiet: none). --json prints one JSON object on stdout at the
end: op, tenant, status, exitCode, counts, checkpoint, error {kind,
message} and the operation's result. Flags take two dashes or one.

` + exitCodesHelp,
		Example: `  tenantctl --memory-seed demo stats --tenant acme
  tenantctl --endpoint http://127.0.0.1:8000 --table shop purge --tenant acme --dry-run
  tenantctl --endpoint http://127.0.0.1:8000 --table shop --json purge --tenant acme --yes`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError{errors.New("a command is required: " + commandNames(cmd))}
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	f := root.PersistentFlags()
	f.StringVar(&a.g.endpoint, "endpoint", "", "DynamoDB endpoint URL, such as http://127.0.0.1:8000 (DynamoDB Local)")
	f.StringVar(&a.g.region, "region", "", "AWS region (default AWS_REGION or AWS_DEFAULT_REGION; us-east-1 with --endpoint)")
	f.StringVar(&a.g.table, "table", "", "DynamoDB table")
	f.BoolVar(&a.g.memory, "memory", false, "use an in-memory table, empty in each run (see --memory-seed)")
	f.StringVar(&a.g.memorySeed, "memory-seed", "", `fill the in-memory table first: "demo" loads tenants acme, acme-corp and globex (implies --memory)`)
	f.StringVar(&a.g.tenant, "tenant", "", "the tenant ID to act on")
	f.BoolVar(&a.g.json, "json", false, "print a JSON summary object on stdout at the end")
	f.Float64Var(&a.g.paceItems, "pace-items", 0, "limit the items read and written per second (0: no limit)")
	f.Float64Var(&a.g.paceUnits, "pace-units", 0, "limit the estimated capacity units per second (0: no limit)")
	f.IntVar(&a.g.concurrency, "concurrency", 0, fmt.Sprintf("write requests in flight at once (0: %d, at most %d)", ops.DefaultConcurrency, ops.MaxConcurrency))
	f.IntVar(&a.g.pageSize, "page-size", 0, fmt.Sprintf("items per read (0: %d, at most %d)", ops.DefaultPageSize, ops.MaxPageSize))
	f.DurationVar(&a.g.progressEvery, "progress-interval", time.Second, "without a terminal, print a progress line this often at most")
	f.BoolVar(&a.g.quiet, "quiet", false, "no progress on stderr (the report, errors and --json still print)")

	root.AddCommand(
		a.statsCmd(),
		a.purgeCmd(),
		a.exportCmd(),
		a.importCmd(),
		a.copyCmd(),
		a.reindexCmd(),
		a.tenantsCmd(),
		a.policyCmd(),
		a.moveCmd(),
	)
	return root
}

// commandNames lists cmd's subcommands.
func commandNames(cmd *cobra.Command) string {
	s := ""
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() {
			continue
		}
		if s != "" {
			s += ", "
		}
		s += c.Name()
	}
	return s
}
