package ops

import (
	"context"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// StatsResult are the items of one tenant.
type StatsResult struct {
	Tenant string `json:"tenant"`
	// Items and Bytes are the totals of ByType.
	Items int64 `json:"items"`
	Bytes int64 `json:"bytes"`
	// ByType are the items and bytes (backend.ItemSize) per sort-key
	// prefix.
	ByType map[string]TypeStats `json:"byType"`
}

// Stats counts the items and bytes of the context's tenant per entity type
// (sort-key prefix), reading its partition in pages with consistent reads,
// as Export reads it, and writing nothing. Options.Pace limits the reads;
// Options.Progress is called after each page. Options.Resume is refused
// (ErrInvalidCheckpoint). On an error, the result counts the pages read
// before it.
func Stats(ctx context.Context, b backend.Backend, optFns ...func(*Options)) (StatsResult, error) {
	o, err := options(optFns)
	if err != nil {
		return StatsResult{}, err
	}
	switch {
	case isnil.Is(b):
		return StatsResult{}, fmt.Errorf("%w: stats: nil backend", ErrInvalidArgument)
	case o.Resume != "":
		return StatsResult{}, fmt.Errorf("%w: stats does not resume", ErrInvalidCheckpoint)
	}
	t, err := tenantctx.Tenant(ctx)
	if err != nil {
		return StatsResult{}, err
	}
	res := StatsResult{Tenant: t.ID(), ByType: map[string]TypeStats{}}
	rep := newReporter("stats", t.ID(), o, o.Clock(), Counts{}, nil)
	err = readPartition(ctx, b, t.PartitionKey(), partitionRead{PageSize: o.PageSize, Pacer: newPacer(o.Pace), Shared: true}, func(p page) error {
		for i, it := range p.Items {
			addByType(res.ByType, sortKeyOf(it), p.Sizes[i])
		}
		n := int64(len(p.Items))
		res.Items += n
		res.Bytes += int64(p.Bytes)
		rep.add(Counts{Examined: n, Done: n, Bytes: int64(p.Bytes), Units: p.Units})
		return nil
	})
	rep.final(nil)
	return res, opError(ctx, "stats", err)
}
