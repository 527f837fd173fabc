package repo

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestEveryBackendKindHasARepoKind: the repository passes each kind a
// backend reports on as one of its own, one for one: every kind but
// KindNone and KindUnknown has a repository kind, no two share one, and an
// error of the kind, wrapped as a backend wraps it, maps to it.
func TestEveryBackendKindHasARepoKind(t *testing.T) {
	seen := map[error]backend.ErrorKind{}
	for k := backend.KindNotFound; k < backend.NumErrorKinds; k++ {
		rk := repoKind(k)
		if !assert.NotNil(t, rk, "kind %v", k) {
			continue
		}
		if prev, dup := seen[rk]; dup {
			t.Errorf("kinds %v and %v both map to %v", prev, k, rk)
		}
		seen[rk] = k
		err := failBackend(opText("get user"), fmt.Errorf("memory: get: %w: details", k.Err()))
		assert.ErrorIs(t, err, rk, "kind %v", k)
		assert.Regexp(t, "^repo: ", err.Error())
	}
	assert.Nil(t, repoKind(backend.KindNone))
	assert.Nil(t, repoKind(backend.KindUnknown))
	assert.Nil(t, repoKind(backend.NumErrorKinds))
	assert.Nil(t, kindOf(errors.New("no kind")))
	assert.ErrorIs(t, failBackend(opText("x"), backend.ErrMissingIndex), ErrInvalidArgument, "a missing index is an invalid argument")
}
