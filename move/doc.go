// Package move moves a tenant between tables online: from the pool table to
// a table of its own (a silo), back, or from one silo to another, while the
// tenant's reads and writes go on through a route.Router.
//
//	cfg := move.Config{Catalog: catalog, Tables: tables} // the router's
//	res, err := move.Run(ctx, cfg, "acme", "app-silo-acme")
//	// res.Pause: how long acme's writes waited
//
// # Phases
//
// A move records itself in the tenant's catalog record (route.Move) before
// each phase, with a checkpoint of the source table's change feed, so that
// a move stopped at any point is resumed (Resume) or undone (Cancel):
//
//  1. prepare: create the destination table if needed (route.Tables), check
//     that it holds nothing of the tenant, take the head of the source's
//     change feed, and record the move (phase copy). Every route.Router
//     sees the move within the catalog's MaxStale; the move waits that long,
//     plus Options.Settle, so that from then on every router fences the
//     tenant's writes to the source (a transaction with a check that the
//     fence items do not exist).
//  2. copy: delete any fence items the source holds for the tenant
//     (strays, such as an import of an export taken during another move's
//     pause writes; a Resume in this phase deletes them again), then read
//     the tenant's partition in the source, consistently, and write it
//     into the destination.
//  3. catchup: read the source's change feed from the checkpoint and apply
//     the tenant's changes to the destination (the newest image, or a
//     delete), saving the checkpoint as it goes, until a read that reaches
//     the feed's end holds few of the tenant's changes.
//  4. pause: wait until the catalog's MaxStale, its WriteTimeout and
//     Options.Settle have passed since the move was recorded (the copy
//     and catch-up have usually taken longer), so that every unfenced
//     write a router sent before it saw the move is in the source or was
//     given up (route.CatalogOptions.WriteTimeout). Read the feed once
//     more, then write the fence items into the source: every write of the tenant now fails its fence check and
//     waits in the router. Read the tenant's partition in source and
//     destination side by side, consistently, range by range (the copy's
//     pages, Options.Concurrency ranges at a time), and write into the
//     destination whatever differs: the changes since the last read of
//     the feed, or any it had not delivered yet.
//  5. switched: record the destination as the tenant's table. The waiting
//     writes read the catalog again and go there. The pause (Result.Pause)
//     runs from the first fence item written to this record.
//  6. purge: wait for every router's cache to hold the switch, and for
//     the writes routers sent before it to be done or given up (MaxStale,
//     WriteTimeout and Settle after the switch), delete the tenant's
//     partition from the source (the fence items last), and remove the
//     move from the catalog.
//
// Writes that arrive during the pause wait in the router up to its
// PauseWait, then fail with route.ErrMoving, which is retryable; none is
// applied twice or lost, because a fenced write either commits before the
// fence (and the pause copies it) or fails.
//
// # Stopping, resuming and cancelling
//
// A move that stops (an error, a canceled context, a dead process) stays in
// the catalog. Resume goes on from its phase: a copy runs again from the
// start (it writes the same items), a catch-up from its saved checkpoint, a
// pause fences and compares again, and a switched move purges. Cancel,
// before the switch, deletes the fence items and the tenant's items from
// the destination and removes the move: the tenant is where it was, with
// every write made meanwhile. After the switch, Cancel returns ErrTooLate.
//
// While a stopped move is in its pause, the fence items stay in the
// source and the tenant's writes fail (route.ErrMoving) until Resume or
// Cancel: run one of them promptly.
//
// The command tenantctl runs a move from a shell: tenantctl move.
package move
