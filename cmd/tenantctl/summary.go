package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/iampolicy"
	"github.com/tenantrepo/tenantrepo/move"
	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// summary is what --json prints: one object, at the end of every run.
type summary struct {
	// Op is the subcommand: stats, purge, export, import, copy, reindex,
	// tenants, policy, move.
	Op string `json:"op"`
	// Tenant is the tenant acted on (--tenant); empty for the operator
	// commands. ToTenant is copy's destination tenant.
	Tenant   string `json:"tenant,omitempty"`
	ToTenant string `json:"toTenant,omitempty"`
	// Backend says where: "memory" or "dynamodb:<table>"; ToBackend is
	// copy's destination, or move's destination table.
	Backend   string `json:"backend,omitempty"`
	ToBackend string `json:"toBackend,omitempty"`
	// Status names ExitCode: done, failed, usage, refused, verify-failed,
	// interrupted.
	Status   string `json:"status"`
	ExitCode int    `json:"exitCode"`
	DryRun   bool   `json:"dryRun,omitempty"`
	// Counts are the operation's counts (for stats, Examined and Done are
	// the items).
	Counts *ops.Counts `json:"counts,omitempty"`
	// Checkpoint, when set, continues the operation (--resume).
	Checkpoint ops.Checkpoint `json:"checkpoint,omitempty"`
	// Error is set when the run failed.
	Error *summaryError `json:"error,omitempty"`
	// Result is what the operation returned (ops.PurgeResult, ...).
	Result         any     `json:"result,omitempty"`
	ElapsedSeconds float64 `json:"elapsedSeconds"`
}

// summaryError is the error of a run.
type summaryError struct {
	// Kind is one of: usage, refused, interrupted, invalid-argument,
	// invalid-checkpoint, invalid-tenant, invalid-arn, invalid-tag-key, bad-export, foreign-item,
	// not-empty, verify, unsupported, no-operator, move-in-progress,
	// no-move, too-late, dest-not-empty, move-changed, no-change-feed
	// (tenantctl move), or else the backend's
	// error kind (backend.KindOf: throttled, not-found, ...).
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (s *summary) setError(err error, code int) {
	s.Error = &summaryError{Kind: errorKind(err, code), Message: err.Error()}
}

// errorKind names err's kind for the summary.
func errorKind(err error, code int) string {
	switch code {
	case exitRefused:
		return "refused"
	case exitInterrupted:
		return "interrupted"
	}
	for _, k := range []struct {
		err  error
		name string
	}{
		{ops.ErrInvalidCheckpoint, "invalid-checkpoint"},
		{move.ErrInProgress, "move-in-progress"},
		{move.ErrNoMove, "no-move"},
		{move.ErrTooLate, "too-late"},
		{move.ErrDestNotEmpty, "dest-not-empty"},
		{move.ErrMoveChanged, "move-changed"},
		{move.ErrNoChangeFeed, "no-change-feed"},
		{ops.ErrBadExport, "bad-export"},
		{ops.ErrForeignItem, "foreign-item"},
		{ops.ErrNotEmpty, "not-empty"},
		{ops.ErrVerify, "verify"},
		{ops.ErrNoOperator, "no-operator"},
		{tenantctx.ErrInvalidOperator, "invalid-operator-reason"},
		{tenantctx.ErrInvalidTenant, "invalid-tenant"},
		{iampolicy.ErrInvalidARN, "invalid-arn"},
		{iampolicy.ErrInvalidTagKey, "invalid-tag-key"},
		{tenantctx.ErrNoTenant, "no-tenant"},
		{ops.ErrInvalidArgument, "invalid-argument"},
		{context.DeadlineExceeded, "deadline-exceeded"},
		{context.Canceled, "canceled"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	if code == exitUsage {
		return "usage"
	}
	if kind := backend.KindOf(err); kind != backend.KindUnknown {
		return strings.ReplaceAll(kind.String(), " ", "-")
	}
	return "unknown"
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// usageError is a bad command line: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errRefused is a destructive command run without --yes: exit code 3.
var errRefused = errors.New("refused")

// isUsage reports whether an operation's error is about its input from the
// command line: an option, a checkpoint, a tenant ID or an operator reason.
func isUsage(err error) bool {
	return errors.Is(err, ops.ErrInvalidArgument) ||
		errors.Is(err, ops.ErrInvalidCheckpoint) ||
		errors.Is(err, tenantctx.ErrInvalidTenant) ||
		errors.Is(err, tenantctx.ErrInvalidOperator)
}
