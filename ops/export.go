package ops

import (
	"context"
	"io"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
)

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
// a time and keeps no more than a page in memory, whatever the tenant's
// size. Map keys are written in byte order and set elements sorted, so
// the same items always give the same bytes.
func Export(ctx context.Context, b backend.Backend, w io.Writer, optFns ...func(*Options)) (Manifest, error) {
	panic("ops.Export: not yet")
}
