package backend

import (
	"fmt"
	"sync"
)

// Registry records which type owns each sort-key prefix of one store. Its
// zero value is ready to use. Backends embed it to implement RegisterPrefix.
type Registry struct {
	mu     sync.Mutex
	owners map[string]string
}

// RegisterPrefix records owner as the type stored under prefix. It returns
// an error wrapping ErrDuplicatePrefix when another owner has the prefix.
func (r *Registry) RegisterPrefix(prefix, owner string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.owners[prefix]; ok {
		if prev == owner {
			return nil
		}
		return fmt.Errorf("%w: %q is used by %s, so %s cannot use it", ErrDuplicatePrefix, prefix, prev, owner)
	}
	if r.owners == nil {
		r.owners = make(map[string]string)
	}
	r.owners[prefix] = owner
	return nil
}
