package ops

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// This file holds how a run of an operation goes and stops: work handed
// out to concurrent workers, the run's first error, which cancels the rest
// of the run, and the error it reports.

// fanOut runs produce, which hands out pieces of work in order through
// send, with n workers calling do on each piece, and returns the first
// error of produce or of do. The first error cancels the context both are
// given; send then returns false, the piece not taken. Every piece taken
// is given to do, which decides what to do with it once ctx has ended. A
// panic in do (a backend's, say) is its error: a worker goroutine's panic
// could not be recovered by the caller, and would end the program.
func fanOut[W any](ctx context.Context, n int, produce func(ctx context.Context, send func(W) bool) error, do func(ctx context.Context, w W) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fe := &firstError{cancel: cancel}
	work := make(chan W)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range work {
				if err := doSafely(ctx, w, do); err != nil {
					fe.set(err)
				}
			}
		}()
	}
	send := func(w W) bool {
		if ctx.Err() != nil {
			return false
		}
		select {
		case work <- w:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if err := produce(ctx, send); err != nil {
		fe.set(err)
	}
	close(work)
	wg.Wait()
	return fe.get()
}

// doSafely calls do, returning a panic as an error.
func doSafely[W any](ctx context.Context, w W, do func(ctx context.Context, w W) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("ops: a request panicked: %v", p)
		}
	}()
	return do(ctx, w)
}

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
