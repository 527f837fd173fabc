package changefeed

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Kind is the kind of an Event.
type Kind uint8

// The kinds of events.
const (
	// Created: an entity was written where there was none. New is set.
	Created Kind = iota + 1
	// Updated: an entity changed. Old and New are set.
	Updated
	// Deleted: an entity was deleted by a call. Old is set.
	Deleted
	// Expired: the table's time to live deleted an entity. Old is set.
	Expired
)

// String returns the kind's name: created, updated, deleted, expired.
func (k Kind) String() string {
	switch k {
	case Created:
		return "created"
	case Updated:
		return "updated"
	case Deleted:
		return "deleted"
	case Expired:
		return "expired"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Event is one change of one entity of the subscription's tenant and type.
type Event[T entity.Entity] struct {
	Kind Kind
	ID   string // the entity's ID
	// Old is the entity before the change (Updated, Deleted, Expired),
	// New after it (Created, Updated); the zero T otherwise.
	Old, New T
	// At is when the change was made, as the feed knows it.
	At time.Time
	// Err, when set, says an image of the change did not decode as the
	// repository decodes T (it wraps repo.ErrDecode); Old and New are
	// then the zero T. The event is still the tenant's and in order.
	Err error
}

// Subscription reads the changes of one tenant's entities of one type
// from the change feed of a repository's backend. It is not safe for
// concurrent use: one consumer polls it.
type Subscription[T entity.Entity] struct {
	*reader
	repo   *repo.Repository[T]
	tenant entity.Tenant
	dec    context.Context // carries the tenant, for decoding
}

// Subscribe returns a subscription to the changes of the context's
// tenant's entities of type T, stored by r, starting at Options.From.
// The tenant is read from ctx (package tenantctx) once, here: the
// subscription delivers the changes of that tenant's partition and
// nothing else, whatever the feed holds. Changes of other tenants
// (acme-corp's for acme), of other entity types, and items stored outside
// the tenant's partition are dropped unread; malformed changes are skipped
// and reported to Options.OnSkip without their contents.
//
// Errors: ErrNoTenant or ErrInvalidTenant of package tenantctx,
// ErrNoChangeFeed when r's backend has no change feed, ErrInvalidCheckpoint
// for a From of another scope or key, backend.ErrInvalidArgument for a nil
// r or option.
func Subscribe[T entity.Entity](ctx context.Context, r *repo.Repository[T], optFns ...func(*Options)) (*Subscription[T], error) {
	if r == nil {
		return nil, fmt.Errorf("changefeed: subscribe: %w: nil repository", backend.ErrInvalidArgument)
	}
	t, err := tenantctx.Tenant(ctx)
	if err != nil {
		return nil, fmt.Errorf("changefeed: subscribe: %w", err)
	}
	feed, ok := r.Backend().(backend.ChangeFeed)
	if !ok {
		return nil, fmt.Errorf("changefeed: subscribe: %w: the backend %T has none", ErrNoChangeFeed, r.Backend())
	}
	o, err := options(optFns)
	if err != nil {
		return nil, fmt.Errorf("changefeed: subscribe: %w", err)
	}
	if o.Tenant != "" {
		return nil, fmt.Errorf("changefeed: subscribe: %w: Options.Tenant is for operator readers; a subscription's tenant comes from the context", backend.ErrInvalidArgument)
	}
	rd, err := newReader(feed, "tenant\x00"+t.ID()+"\x00"+r.Prefix(), o)
	if err != nil {
		return nil, err
	}
	dec, err := tenantctx.WithTenant(context.Background(), t.ID())
	if err != nil {
		return nil, fmt.Errorf("changefeed: subscribe: %w", err)
	}
	return &Subscription[T]{reader: rd, repo: r, tenant: t, dec: dec}, nil
}

// Tenant returns the ID of the subscription's tenant.
func (s *Subscription[T]) Tenant() string { return s.tenant.ID() }

// Checkpoint returns where the subscription stands: after every event
// Poll returned, or Events yielded. A subscription made with it as
// Options.From, for the same tenant and type and key, goes on with the
// next event, without losing or repeating one.
func (s *Subscription[T]) Checkpoint() (string, error) { return s.checkpoint() }

// checkScope refuses a nil context (backend.ErrInvalidArgument), and a
// context of another tenant or whose tenant cannot be read (ErrScope). A
// context without a tenant is fine: the subscription has its own.
func (s *Subscription[T]) checkScope(ctx context.Context) error {
	if ctx == nil {
		return errNilContext
	}
	id, err := tenantctx.FromContext(ctx)
	switch {
	case err == nil && id != s.tenant.ID():
		return fmt.Errorf("changefeed: poll: %w: the context carries another tenant than the subscription's", ErrScope)
	case err != nil && (errors.Is(err, tenantctx.ErrInvalidTenant) || !errors.Is(err, tenantctx.ErrNoTenant)):
		return fmt.Errorf("changefeed: poll: %w: %w", ErrScope, err)
	}
	return nil
}

// errNilContext is the error of a Poll or Events given a nil context.
var errNilContext = fmt.Errorf("changefeed: poll: %w: nil context", backend.ErrInvalidArgument)

// Poll reads the next changes of the feed, up to Options.Limit, and returns
// the events of the subscription's among them, in order per entity. It
// may return none while more changes are on their way: poll again later.
// After it returns, Checkpoint is after all of them. A nil ctx is refused
// with an error wrapping backend.ErrInvalidArgument, a ctx of another
// tenant or whose tenant cannot be read with ErrScope; then nothing is
// read.
func (s *Subscription[T]) Poll(ctx context.Context) ([]Event[T], error) {
	if err := s.checkScope(ctx); err != nil {
		return nil, err
	}
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	var out []Event[T]
	for _, c := range s.batch {
		if ev, ok := s.event(c); ok {
			out = append(out, ev)
		}
	}
	s.consumed = len(s.batch)
	return out, nil
}

// Events polls the feed every interval until ctx is done, and yields each
// event of the subscription's in order; Checkpoint, asked in the loop, is
// just after the event yielded. It stops at the first error, which it
// yields with a zero event (ctx's error when ctx is done; for a nil or
// foreign ctx, Poll's).
func (s *Subscription[T]) Events(ctx context.Context, interval time.Duration) iter.Seq2[Event[T], error] {
	return func(yield func(Event[T], error) bool) {
		for {
			if err := s.checkScope(ctx); err != nil {
				yield(Event[T]{}, err)
				return
			}
			if err := s.read(ctx); err != nil {
				yield(Event[T]{}, err)
				return
			}
			for i, c := range s.batch {
				ev, ok := s.event(c)
				s.consumed = i + 1
				if ok && !yield(ev, nil) {
					return
				}
			}
			if len(s.batch) > 0 {
				continue // more may be waiting
			}
			select {
			case <-ctx.Done():
				yield(Event[T]{}, ctx.Err())
				return
			case <-time.After(interval):
			}
		}
	}
}

// event returns the event of change c, if it is one of the subscription's.
func (s *Subscription[T]) event(c backend.Change) (Event[T], bool) {
	if c.Key.PK != s.tenant.PartitionKey() {
		if c.Key.PK == "" {
			s.skip(c, "keys are not two strings")
		}
		return Event[T]{}, false // another tenant's, or no tenant's
	}
	prefix, id, ok := entity.ParseSortKey(c.Key.SK)
	if !ok || prefix != s.repo.Prefix() {
		return Event[T]{}, false // another type's
	}
	ev := Event[T]{ID: id, At: c.At}
	switch {
	case c.Kind == backend.ChangeInsert && c.New != nil:
		ev.Kind = Created
	case c.Kind == backend.ChangeModify && c.Old != nil && c.New != nil:
		ev.Kind = Updated
	case c.Kind == backend.ChangeRemove && c.Old != nil && c.Expired:
		ev.Kind = Expired
	case c.Kind == backend.ChangeRemove && c.Old != nil:
		ev.Kind = Deleted
	default:
		s.skip(c, "the change lacks the images of its kind")
		return Event[T]{}, false
	}
	for _, img := range []struct {
		item backend.Item
		into *T
	}{{c.Old, &ev.Old}, {c.New, &ev.New}} {
		if img.item == nil {
			continue
		}
		if k, ok := backend.KeyOf(img.item); !ok || k != c.Key {
			s.skip(c, "an image's keys are not the change's")
			return Event[T]{}, false
		}
		v, ok, err := s.repo.DecodeItem(s.dec, img.item)
		switch {
		case !ok && err == nil:
			// The image is not the tenant's entity at this key: never
			// hand it on.
			s.skip(c, "an image is not the item at the change's key")
			return Event[T]{}, false
		case err != nil:
			var zero T
			ev.Old, ev.New, ev.Err = zero, zero, err
			return ev, true
		}
		*img.into = v
	}
	return ev, true
}
