package ops

import (
	"context"

	"github.com/tenantrepo/tenantrepo/backend"
)

// CopyResult is what Copy did.
type CopyResult struct {
	Import ImportResult `json:"import"`
	// Source and Dest are the checksums of the tenant's items in each
	// backend at the end, the destination's with its keys renamed to the
	// source tenant's; they are equal when Copy returns no error.
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
// dst, as Export piped into Import would, renaming the keys when the
// tenants differ, then verifies that the destination holds the same items
// by count and checksum (ErrVerify when not). src and dst may be the same
// backend, for two different tenants.
func Copy(srcCtx context.Context, src backend.Backend, dstCtx context.Context, dst backend.Backend, optFns ...func(*Options)) (CopyResult, error) {
	panic("ops.Copy: not yet")
}
