package ops

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// This file holds how a run of an operation stops: its first error, which
// cancels the rest of the run, and the error it reports.

// firstError keeps the first error of a group of goroutines and cancels
// their context when it is set. It is safe for concurrent use.
type firstError struct {
	mu     sync.Mutex
	err    error
	cancel context.CancelFunc
}

// set records err if it is the first, and cancels the group.
func (e *firstError) set(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil {
		e.err = err
		e.cancel()
	}
}

// get returns the first error, nil when there is none yet.
func (e *firstError) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// opError returns the error operation op reports for err: nil for nil,
// the context's error as it is when ctx has ended or err is one, else err
// wrapped with the operation's name.
func opError(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("ops: %s: %w", op, err)
}
