package memory_test

import (
	"testing"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/conformance"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) backend.Backend { return memory.New() })
}
