package ops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// The Tool of the manifests Export writes, and their Format.
const (
	toolName   = "tenantrepo"
	formatJSON = "DYNAMODB_JSON"
)

// modulePath is the path of this module, whose version manifests name.
const modulePath = "github.com/tenantrepo/tenantrepo"

// toolVersion is the ToolVersion of the manifests Export writes: the
// version of this module in the running program's build information
// ("v1.2.3" when a program depends on a released version), or "devel" when
// there is none (a build of the module itself, a test).
var toolVersion = func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	mods := append([]*debug.Module{&bi.Main}, bi.Deps...)
	for _, m := range mods {
		if m.Path == modulePath && m.Version != "" && m.Version != "(devel)" {
			if m.Replace != nil && m.Replace.Version != "" {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return "devel"
}()

// Manifest describes an export: what the data holds and how to check it.
type Manifest struct {
	// Format is "DYNAMODB_JSON": one item per line, {"Item": {...}}, as
	// DynamoDB's export to S3 writes it.
	Format string `json:"format"`
	// Tool and ToolVersion name what wrote the export.
	Tool        string `json:"tool"`
	ToolVersion string `json:"toolVersion"`
	// Tenant is the exported tenant's ID, PartitionKey its partition key.
	Tenant       string `json:"tenant"`
	PartitionKey string `json:"partitionKey"`
	// ExportTime is when the export started, in UTC.
	ExportTime time.Time `json:"exportTime"`
	// ItemCount is the number of items (lines) of the data.
	ItemCount int64 `json:"itemCount"`
	// ItemBytes is the DynamoDB size of the items (backend.ItemSize).
	ItemBytes int64 `json:"itemBytes"`
	// DataBytes is the length of the data in bytes.
	DataBytes int64 `json:"dataBytes"`
	// SHA256 is the hex SHA-256 of the data.
	SHA256 string `json:"sha256"`
	// KeySchema is the table's key schema, the indexes included.
	KeySchema KeySchema `json:"keySchema"`
	// ByType are the items and bytes per sort-key prefix.
	ByType map[string]TypeStats `json:"byType"`
}

// KeySchema is a table's key attributes and secondary indexes.
type KeySchema struct {
	PartitionKey string        `json:"partitionKey"` // "PK", a string
	SortKey      string        `json:"sortKey"`      // "SK", a string
	Indexes      []IndexSchema `json:"indexes"`
}

// IndexSchema is one global secondary index: its name and string key
// attributes.
type IndexSchema struct {
	Name         string `json:"name"`
	PartitionKey string `json:"partitionKey"`
	SortKey      string `json:"sortKey"`
}

// Export writes every item of the context's tenant to w as DynamoDB JSON,
// one item per line ({"Item":{"PK":{"S":"tenant#..."},...}}), in sort-key
// order, and returns the data's manifest. It reads the partition a page at
// a time, with consistent reads, and keeps no more than a page in memory,
// whatever the tenant's size. Attribute names and map keys are written in
// byte order and set elements sorted (number sets by value), without HTML
// escaping, so the same items always give the same bytes on every backend.
//
// The manifest's key schema lists the indexes the backend reports
// (backend.IndexReporter, else backend.IndexCounter, else all
// backend.MaxIndexes); its ExportTime is Options.Clock's time at the
// start. Options.Pace limits the reads; Options.Progress is called after
// each page. Export does not resume: Options.Resume is refused
// (ErrInvalidCheckpoint), and so is Options.DryRun (ErrInvalidArgument).
// On an error, the manifest returned counts what was written to w before
// it.
func Export(ctx context.Context, b backend.Backend, w io.Writer, optFns ...func(*Options)) (Manifest, error) {
	o, err := options(optFns)
	if err != nil {
		return Manifest{}, err
	}
	switch {
	case isnil.Is(b) || isnil.Is(w):
		return Manifest{}, fmt.Errorf("%w: export: nil backend or writer", ErrInvalidArgument)
	case o.Resume != "":
		return Manifest{}, fmt.Errorf("%w: export does not resume", ErrInvalidCheckpoint)
	case o.DryRun:
		return Manifest{}, fmt.Errorf("%w: export has no dry run", ErrInvalidArgument)
	}
	t, err := tenantctx.Tenant(ctx)
	if err != nil {
		return Manifest{}, err
	}
	start := o.Clock()
	schema, err := keySchema(ctx, b)
	if err != nil {
		return Manifest{}, opError(ctx, "export", err)
	}
	m := Manifest{
		Format:       formatJSON,
		Tool:         toolName,
		ToolVersion:  toolVersion,
		Tenant:       t.ID(),
		PartitionKey: t.PartitionKey(),
		ExportTime:   start.UTC(),
		KeySchema:    schema,
		ByType:       map[string]TypeStats{},
	}
	rep := newReporter("export", t.ID(), o, start, Counts{}, nil)
	h := sha256.New()
	var buf []byte
	err = readPartition(ctx, b, t.PartitionKey(), partitionRead{PageSize: o.PageSize, Pacer: newPacer(o.Pace), Shared: true}, func(p page) error {
		buf = buf[:0]
		for i, it := range p.Items {
			var err error
			if buf, err = ddbjson.AppendLine(buf, it); err != nil {
				return fmt.Errorf("item %q: %w", sortKeyOf(it), err)
			}
			addByType(m.ByType, sortKeyOf(it), p.Sizes[i])
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("writing: %w", err)
		}
		h.Write(buf)
		n := int64(len(p.Items))
		m.ItemCount += n
		m.ItemBytes += int64(p.Bytes)
		m.DataBytes += int64(len(buf))
		rep.add(Counts{Examined: n, Done: n, Bytes: int64(p.Bytes), Units: p.Units})
		return nil
	})
	m.SHA256 = hex.EncodeToString(h.Sum(nil))
	rep.final(nil)
	return m, opError(ctx, "export", err)
}

// keySchema returns the table's key schema with the indexes b reports.
func keySchema(ctx context.Context, b backend.Backend) (KeySchema, error) {
	slots := backend.AllIndexes
	if r, ok := b.(backend.IndexReporter); ok {
		s, err := r.TableIndexes(ctx)
		if err != nil {
			return KeySchema{}, err
		}
		slots = s
	} else if c, ok := b.(backend.IndexCounter); ok {
		slots = backend.FirstIndexes(c.Indexes())
	}
	ks := KeySchema{PartitionKey: entity.PartitionKeyName, SortKey: entity.SortKeyName, Indexes: []IndexSchema{}}
	for _, n := range slots.Slots() {
		name := entity.IndexName(n)
		pk, sk := entity.IndexKeyNames(name)
		ks.Indexes = append(ks.Indexes, IndexSchema{Name: name, PartitionKey: pk, SortKey: sk})
	}
	return ks, nil
}
