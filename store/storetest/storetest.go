// Package storetest is the contract of a tocsin store backend: a table of
// behaviours, each run against a fresh, empty store, that every backend
// must pass. Package store (bbolt) is the reference; pgstore (PostgreSQL)
// is the second backend. A behaviour that one backend has and the other
// lacks is a bug in one of them, found here rather than in production.
//
// It covers the incident.Tx methods as the dispatch engine calls them inside
// Update (timelines and their hash chain, the open-incident indexes, the
// idempotency keys, the outbox with its coalescing keys and ordered
// effects), the methods of the store that other packages call outside a
// transaction (Backend), rollback of a failed Update, and writers racing.
//
// storetest imports only incident and go-cmp: it must never import a
// backend, so that every backend's tests can import it.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Backend is what the rest of tocsin uses of a store: the methods of
// *store.DB that dispatch (Store, Lister, Outbox, and its tests'
// Incident), web (Source, Reviews), intake (CertCache, Reconciler.Open),
// report (Summaries) and app (the digest's Get/Put, the Slack inbox's
// Put/Delete/Scan, /readyz's Writable and Pending, shutdown's Close) call.
// bbolt-only methods (Backup, BackupFile, Size, Path, UpdateOne,
// CountSeen) are not part of it.
type Backend interface {
	// Update runs fn in one durable transaction; fn may run more than once.
	Update(ctx context.Context, fn func(incident.Tx) error) error
	// View runs fn in a read-only transaction.
	View(fn func(incident.Tx) error) error

	Incident(ctx context.Context, id incident.ID) (incident.Incident, error)
	Timeline(ctx context.Context, id incident.ID) (incident.Incident, []incident.Event, error)
	Incidents(ctx context.Context, openOnly bool) ([]incident.Incident, error)
	Summaries(ctx context.Context) ([]incident.Incident, error)
	ByChannel(ctx context.Context, channelID string) (incident.ID, bool, error)
	OpenAlarmARNs(ctx context.Context) ([]string, error)

	Due(now time.Time, limit int) ([]incident.Effect, error)
	Pending() int
	Retry(ctx context.Context, effectID uint64, notBefore time.Time, errText string) error
	Unkey(ctx context.Context, effectID uint64) error

	Get(key string) (value []byte, ok bool, err error)
	Put(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
	Scan(prefix string) (map[string][]byte, error)
	GetCert(url string) ([]byte, bool, error)
	PutCert(url string, pem []byte) error
	SavedReview(ctx context.Context, id incident.ID) (string, bool, error)
	SaveReview(ctx context.Context, id incident.ID, markdown string) error

	// ForgetBefore forgets the SNS and Slack idempotency keys remembered
	// before cutoff, at most max per transaction (the leader's sweeper).
	ForgetBefore(ctx context.Context, cutoff time.Time, max int) (int, error)

	Writable(ctx context.Context) error
	Close() error
}

// T0 is the time on the clock of every store the suite opens.
var T0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Now is the clock open must give each store (store.Options.Now,
// pgstore.Options.Now): it always reads T0, so that what the store stamps
// itself (an event without a time, an effect's CreatedAt) can be checked.
func Now() time.Time { return T0 }

// behaviour is one entry of the contract.
type behaviour struct {
	name string
	run  func(t *testing.T, db Backend)
}

// contract lists every behaviour, grouped by the file that holds it.
func contract() []behaviour {
	var all []behaviour
	for _, group := range [][]behaviour{timelineBehaviours, indexBehaviours, outboxBehaviours,
		kvBehaviours, rollbackBehaviours, raceBehaviours, forgetBehaviours} {
		all = append(all, group...)
	}
	return all
}

// Run runs every behaviour of the contract as a parallel subtest, each on
// a store of its own. open returns a fresh, empty store whose clock is Now;
// it registers the store's Close with t.Cleanup (a behaviour may close the
// store itself first, so Close must be safe to call twice).
func Run(t *testing.T, open func(t *testing.T) Backend) {
	for _, b := range contract() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			b.run(t, open(t))
		})
	}
}
