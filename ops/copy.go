package ops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"reflect"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// CopyResult is what Copy did.
type CopyResult struct {
	// Import is what the writing pass did, as Import reports it, the
	// lines being the source's items in sort-key order (1 is the first).
	// Its Checkpoint is always empty: a copy is run again, not resumed.
	Import ImportResult `json:"import"`
	// Source and Dest are the checksums of the tenant's items in each
	// backend: the source's as the writing pass read them, the
	// destination's as read at the end, with its keys renamed to the
	// source tenant's. They are equal when Copy returns no error.
	Source Checksum `json:"source"`
	Dest   Checksum `json:"dest"`
}

// Checksum is the count and SHA-256 of a tenant's items, as Export writes
// them.
type Checksum struct {
	Items  int64  `json:"items"`
	SHA256 string `json:"sha256"`
}

// Copy copies every item of srcCtx's tenant in src to dstCtx's tenant in
// dst, as Export piped into Import would, without a file, renaming the
// keys when the tenants differ (see Import), then verifies that the
// destination holds the same items by count and checksum (ErrVerify when
// not: the destination's partition held other items, or either changed
// while Copy ran). src and dst may be the same backend, for two different
// tenants (else ErrInvalidArgument; backends are the same when they are
// equal values, and values that cannot be compared are taken for two).
//
// It reads the source three times, a page at a time: first to check every
// item as Import checks the lines of an export (ErrForeignItem,
// ErrBadExport, ErrInvalidArgument; nothing is written if a check fails),
// and, with Options.DryRun, stops there; then to write, in batches of 25,
// Options.Concurrency at a time, checking each item again (an item
// changed in between so that a check fails stops the writes with that
// check's error, what was written before it in the result, and is never
// written); then it reads the destination to verify.
// Re-running a copy is safe (it puts the same items); Copy does not take a
// checkpoint (Options.Resume is refused: ErrInvalidCheckpoint).
func Copy(srcCtx context.Context, src backend.Backend, dstCtx context.Context, dst backend.Backend, optFns ...func(*Options)) (CopyResult, error) {
	o, err := options(optFns)
	if err != nil {
		return CopyResult{}, err
	}
	switch {
	case isnil.Is(src) || isnil.Is(dst):
		return CopyResult{}, fmt.Errorf("%w: copy: nil backend", ErrInvalidArgument)
	case o.Resume != "":
		return CopyResult{}, fmt.Errorf("%w: copy does not resume; run it again", ErrInvalidCheckpoint)
	}
	srcT, err := tenantctx.Tenant(srcCtx)
	if err != nil {
		return CopyResult{}, err
	}
	dstT, err := tenantctx.Tenant(dstCtx)
	if err != nil {
		return CopyResult{}, err
	}
	if srcT.ID() == dstT.ID() && sameBackend(src, dst) {
		return CopyResult{}, fmt.Errorf("%w: copy of tenant %q onto itself", ErrInvalidArgument, srcT.ID())
	}
	srcPK, dstPK := srcT.PartitionKey(), dstT.PartitionKey()
	res := CopyResult{Import: ImportResult{From: srcT.ID(), To: dstT.ID(), Written: []LineRange{}}}
	pc := newPacer(o.Pace)
	read := partitionRead{PageSize: o.PageSize, Pacer: pc, Shared: true}
	ctxErr := func(err error) error {
		if srcCtx.Err() != nil {
			return opError(srcCtx, "copy", err)
		}
		return opError(dstCtx, "copy", err)
	}

	slots, err := loadSlots(dstCtx, dst)
	if err != nil {
		return res, ctxErr(err)
	}

	// Pass 1: check every item.
	var n int64
	err = readPartition(srcCtx, src, srcPK, read, func(p page) error {
		for i, it := range p.Items {
			n++
			if err := checkLoadItem(it, p.Sizes[i], srcPK, dstPK, slots); err != nil {
				return fmt.Errorf("item %q: %w", sortKeyOf(it), err)
			}
		}
		return nil
	})
	if err != nil {
		return res, ctxErr(err)
	}
	res.Import.Examined = n
	if o.DryRun {
		return res, nil
	}

	// Pass 2: write, and checksum what was read.
	rep := newReporter("copy", dstT.ID(), o, o.Clock(), Counts{}, nil)
	l := newLoader(dst, slots, o, pc, rep)
	sum := newChecksummer()
	var line int64
	write := read
	write.Shared = false // the items wait in batches
	err = l.load(dstCtx, srcPK, dstPK, func(put func(int64, backend.Item, int) error) error {
		return readPartition(srcCtx, src, srcPK, write, func(p page) error {
			for i, it := range p.Items {
				line++
				if err := sum.add(it); err != nil {
					return err
				}
				if err := put(line, it, p.Sizes[i]); err != nil {
					return fmt.Errorf("item %q: %w", sortKeyOf(it), err)
				}
			}
			rep.add(Counts{Examined: int64(len(p.Items)), Units: p.Units})
			return nil
		})
	})
	written, notDone, failed := l.result()
	res.Import.Counts = rep.total()
	res.Import.Examined = n // the first pass's count
	res.Import.Written, res.Import.NotDone = written, notDone
	res.Import.Done = countLines(written)
	res.Import.Failed = failed
	res.Source = sum.checksum()
	if err != nil {
		rep.final(nil)
		return res, ctxErr(err)
	}

	// Verify.
	dsum := newChecksummer()
	err = readPartition(dstCtx, dst, dstPK, read, func(p page) error {
		for _, it := range p.Items {
			if err := dsum.add(renameItem(it, dstPK, srcPK)); err != nil {
				return err
			}
		}
		return nil
	})
	rep.final(nil)
	if err != nil {
		return res, ctxErr(err)
	}
	res.Dest = dsum.checksum()
	if res.Dest != res.Source {
		return res, fmt.Errorf("ops: copy: %w: the source holds %d items (SHA-256 %s), the destination %d (SHA-256 %s)",
			ErrVerify, res.Source.Items, res.Source.SHA256, res.Dest.Items, res.Dest.SHA256)
	}
	return res, nil
}

// sameBackend reports whether a and b are one backend: equal comparable
// values (pointers, usually). Values that cannot be compared are taken
// for two backends. The check is on the values, not only their type: a
// wrapper struct that embeds backend.Backend has a comparable type, and
// comparing two of them panics when the values they hold cannot be
// compared.
func sameBackend(a, b backend.Backend) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Type() != vb.Type() || !va.Comparable() || !vb.Comparable() {
		return false
	}
	return a == b
}

// checksummer computes a Checksum of items: their count and the SHA-256 of
// their lines as Export writes them.
type checksummer struct {
	h   hash.Hash
	n   int64
	buf []byte
}

func newChecksummer() *checksummer { return &checksummer{h: sha256.New()} }

func (c *checksummer) add(item backend.Item) error {
	var err error
	if c.buf, err = ddbjson.AppendLine(c.buf[:0], item); err != nil {
		return fmt.Errorf("item %q: %w", sortKeyOf(item), err)
	}
	c.h.Write(c.buf)
	c.n++
	return nil
}

func (c *checksummer) checksum() Checksum {
	return Checksum{Items: c.n, SHA256: hex.EncodeToString(c.h.Sum(nil))}
}
