package bench

import (
	"errors"
	"testing"

	"github.com/tenantrepo/tenantrepo/guard"
)

// BenchmarkCannedGuard measures what the tenant guard (package guard)
// costs a Get over the canned transport: the same Get through a client
// without the guard (guard=off) and one with it installed (guard=on),
// hand-written SDK code (impl=raw) and the repository (impl=repo), each
// pair one right after the other. Compare with `benchstat -col /guard`.
func BenchmarkCannedGuard(b *testing.B) {
	plain, plainRaw := cannedClients()
	guarded, guardedRaw := cannedClients(guard.Install)
	off := newSides(b, plain, raw{c: plainRaw, table: benchTable}, benchTenant)
	on := newSides(b, guarded, raw{c: guardedRaw, table: benchTable}, benchTenant)
	get := id(42)
	// The guarded client refuses another tenant's key: the benchmark
	// measures a client whose guard is really there.
	if _, err := on.raw.get(on.ctx, "other", get); !errors.Is(err, guard.ErrRefused) {
		b.Fatalf("the guarded client sent another tenant's Get: %v", err)
	}
	b.Run("op=Get", func(b *testing.B) {
		for _, impl := range []string{"raw", "repo"} {
			b.Run("impl="+impl, func(b *testing.B) {
				for _, side := range []struct {
					name string
					s    sides
				}{{"off", off}, {"on", on}} {
					s := side.s
					b.Run("guard="+side.name, func(b *testing.B) {
						loop(b, func() {
							var err error
							if impl == "raw" {
								_, err = s.raw.get(s.ctx, s.tenant, get)
							} else {
								_, err = s.repo.Get(s.ctx, get)
							}
							if err != nil {
								b.Fatal(err)
							}
						})
					})
				}
			})
		}
	})
}
