package move

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/wait"
	"github.com/tenantrepo/tenantrepo/route"
)

// This file holds the data work of a move: reading a partition, writing
// batches, comparing two partitions, and purging one.

// sortKey returns the item's sort key, "" when it has none.
func sortKey(it backend.Item) string {
	if s, ok := it[entity.SortKeyName].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// fenceItem is the item of the fence key k of the move id.
func fenceItem(k backend.Key, id string) backend.Item {
	return backend.Item{
		entity.PartitionKeyName: &types.AttributeValueMemberS{Value: k.PK},
		entity.SortKeyName:      &types.AttributeValueMemberS{Value: k.SK},
		"move":                  &types.AttributeValueMemberS{Value: id},
	}
}

// readPartition reads the partition pk of b, consistently, a page of up to
// size items at a time in sort-key order, and calls fn with each page.
func readPartition(ctx context.Context, b backend.Backend, pk string, size int, fn func([]backend.Item) error) error {
	return readRange(ctx, b, pk, size, "", "", fn)
}

// readRange is readPartition for the items whose sort keys are after
// after (none: from the first) and at most upto (none: to the last).
func readRange(ctx context.Context, b backend.Backend, pk string, size int, after, upto string, fn func([]backend.Item) error) error {
	in := backend.QueryInput{PK: pk, Range: backend.SortRange{Op: backend.BeginsWith}, Limit: size, ConsistentRead: true}
	if after != "" {
		in.StartKey = &backend.Key{PK: pk, SK: after}
		if upto != "" {
			in.Range = backend.SortRange{Op: backend.Between, Lo: after, Hi: upto}
		}
	}
	for {
		out, err := b.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("move: read partition: %w", err)
		}
		items, past := out.Items, false
		if upto != "" {
			for i, it := range items {
				if sortKey(it) > upto {
					items, past = items[:i], true
					break
				}
			}
		}
		if len(items) > 0 {
			if err := fn(items); err != nil {
				return err
			}
		}
		if out.LastKey == nil || past {
			return nil
		}
		in.StartKey = out.LastKey
	}
}

// writer writes batches into one backend, Options.Concurrency at a time.
type writer struct {
	m *mover
	b backend.Backend
}

func (m *mover) newWriter(b backend.Backend) writer { return writer{m: m, b: b} }

// maxAttempts bounds the sends of one batch's unprocessed writes.
const maxAttempts = 15

// write writes writes (on distinct keys) in batches of
// backend.MaxBatchWrite, and adds each batch's size to *n (when not nil)
// once it is done.
func (w writer) write(ctx context.Context, writes []backend.WriteRequest, n *int) error {
	var batches [][]backend.WriteRequest
	for lo := 0; lo < len(writes); lo += backend.MaxBatchWrite {
		batches = append(batches, writes[lo:min(lo+backend.MaxBatchWrite, len(writes))])
	}
	return fanOut(ctx, w.m.o.Concurrency, len(batches), func(ctx context.Context, i int) error {
		if err := batchWrite(ctx, w.b, batches[i]); err != nil {
			return err
		}
		if n != nil {
			w.m.count(n, len(batches[i]))
		}
		return nil
	})
}

// batchWrite sends one batch, and again what the backend leaves
// unprocessed, with a backoff, up to maxAttempts times.
func batchWrite(ctx context.Context, b backend.Backend, writes []backend.WriteRequest) error {
	for attempt := 1; ; attempt++ {
		out, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes})
		if err != nil {
			return fmt.Errorf("move: batch write: %w", err)
		}
		if len(out.Unprocessed) == 0 {
			return nil
		}
		if attempt == maxAttempts {
			return fmt.Errorf("move: batch write: %w: %d writes still unprocessed after %d attempts", backend.ErrThrottled, len(out.Unprocessed), attempt)
		}
		writes = out.Unprocessed
		if err := wait.Sleep(ctx, wait.Backoff(attempt)); err != nil {
			return err
		}
	}
}

// fanOut runs do(ctx, i) for i in 0 ... n-1, up to workers at a time, and
// returns the first error, after every call started has returned.
func fanOut(ctx context.Context, workers, n int, do func(context.Context, int) error) error {
	if n == 1 || workers <= 1 {
		for i := range n {
			if err := do(ctx, i); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	next := make(chan int)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := do(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// pages reads the range (after, upto] of the partition pk of b (see
// readRange) into a channel, a page ahead of its reader; the channel
// closes at the end, after an error (in *errp) or when ctx ends.
func pages(ctx context.Context, b backend.Backend, pk string, size int, after, upto string, errp *error) <-chan []backend.Item {
	ch := make(chan []backend.Item, 1)
	go func() {
		defer close(ch)
		*errp = readRange(ctx, b, pk, size, after, upto, func(items []backend.Item) error {
			select {
			case ch <- items:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return ch
}

// cursor walks the items of a channel of pages.
type cursor struct {
	ch   <-chan []backend.Item
	err  *error // the reader's error, set before ch closes
	page []backend.Item
	i    int
	skip map[string]bool // sort keys to pass over (fence items)
}

// peek returns the next item, nil at the end, or the reader's error.
func (c *cursor) peek() (backend.Item, error) {
	for {
		for c.i < len(c.page) {
			if it := c.page[c.i]; !c.skip[sortKey(it)] {
				return it, nil
			}
			c.i++
		}
		page, ok := <-c.ch
		if !ok {
			return nil, *c.err
		}
		c.page, c.i = page, 0
	}
}

func (c *cursor) advance() { c.i++ }

// repair reads the tenant's partition in the source and in the
// destination side by side, consistently, and writes into the destination
// every item that differs or is missing there, and deletes those it holds
// that the source does not: after it, with the source's writes fenced, the
// destination holds what the source does. It compares the ranges between
// the bounds (m.bounds) Options.Concurrency at a time.
func (m *mover) repair(ctx context.Context) error {
	n := len(m.bounds) + 1
	return fanOut(ctx, m.o.Concurrency, n, func(ctx context.Context, i int) error {
		var after, upto string
		if i > 0 {
			after = m.bounds[i-1]
		}
		if i < len(m.bounds) {
			upto = m.bounds[i]
		}
		return m.repairRange(ctx, after, upto)
	})
}

// repairRange is repair for the range of sort keys (after, upto].
func (m *mover) repairRange(ctx context.Context, after, upto string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pk := m.tenant.PartitionKey()
	var srcErr, dstErr error
	src := &cursor{ch: pages(ctx, m.src, pk, m.o.PageSize, after, upto, &srcErr), err: &srcErr, skip: m.fences}
	dst := &cursor{ch: pages(ctx, m.dst, pk, m.o.PageSize, after, upto, &dstErr), err: &dstErr, skip: m.fences}
	var fixes []backend.WriteRequest
	for {
		s, err := src.peek()
		if err != nil {
			return err
		}
		d, err := dst.peek()
		if err != nil {
			return err
		}
		if s == nil && d == nil {
			break
		}
		switch {
		case d == nil || (s != nil && sortKey(s) < sortKey(d)):
			fixes = append(fixes, backend.WriteRequest{Put: s})
			src.advance()
		case s == nil || sortKey(d) < sortKey(s):
			fixes = append(fixes, backend.WriteRequest{Delete: &backend.Key{PK: pk, SK: sortKey(d)}})
			dst.advance()
		default:
			if !backend.ItemsEqual(s, d) {
				fixes = append(fixes, backend.WriteRequest{Put: s})
			}
			src.advance()
			dst.advance()
		}
	}
	return m.newWriter(m.dst).write(ctx, fixes, &m.res.Repaired)
}

// findBounds sets m.bounds from the destination's partition, as the copy
// sets them from the source's pages.
func (m *mover) findBounds(ctx context.Context) error {
	m.bounds = []string{}
	return readPartition(ctx, m.dst, m.tenant.PartitionKey(), m.o.PageSize, func(items []backend.Item) error {
		m.bounds = append(m.bounds, sortKey(items[len(items)-1]))
		return nil
	})
}

// purge deletes the tenant's partition from b, page by page, and reads it
// again until it is empty; with fencesLast, the fence items are deleted
// after every other item. *n counts the items deleted.
func (m *mover) purge(ctx context.Context, b backend.Backend, fencesLast bool, n *int) error {
	pk := m.tenant.PartitionKey()
	w := m.newWriter(b)
	first := true
	for pass := 0; ; pass++ {
		var fences []backend.WriteRequest
		deleted := 0
		err := readPartition(ctx, b, pk, m.o.PageSize, func(items []backend.Item) error {
			var writes []backend.WriteRequest
			for _, it := range items {
				k := backend.Key{PK: pk, SK: sortKey(it)}
				if fencesLast && m.fences[k.SK] {
					fences = append(fences, backend.WriteRequest{Delete: &k})
					continue
				}
				writes = append(writes, backend.WriteRequest{Delete: &k})
			}
			deleted += len(writes)
			if err := w.write(ctx, writes, n); err != nil {
				return err
			}
			m.report(route.PhasePurge, false)
			if first && fencesLast {
				first = false
				return m.crash(crashPurge)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if deleted == 0 {
			// Only fence items are left, if any.
			return w.write(ctx, fences, n)
		}
		if pass == 10 {
			return fmt.Errorf("move: purge: items of tenant %s still being written into the table after %d passes", m.tenant.ID(), pass)
		}
	}
}
