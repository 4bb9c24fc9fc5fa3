package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tocsin-dev/tocsin/incident"
)

// Options configure Open.
type Options struct {
	// Now is the clock for timestamps the store writes (default time.Now).
	Now func() time.Time
	// Logger receives what the store's own background work cannot return:
	// Listen's reconnections, a notification that could not be sent
	// (default: discarded).
	Logger *slog.Logger
}

// DB is an open tocsin store in PostgreSQL.
type DB struct {
	pool      *pgxpool.Pool
	now       func() time.Time
	log       *slog.Logger
	schema    string             // where the tables are (current_schema(), set by migrate)
	committed committedIncidents // open incidents as this process last committed them
	pending   atomic.Int64       // the last count Pending read
	// fence is set by NewLeader: from then on the outbox is claimed and
	// fenced by the leader's epoch (fence.go). nil: one process per
	// database, as with the bbolt store.
	fence  atomic.Pointer[fence]
	notify *notifier // tells listeners of new effects after commits (notify.go)
}

// ErrNotPostgres means Open was given something other than a postgres://
// or postgresql:// URL.
var ErrNotPostgres = errors.New("not a postgres:// or postgresql:// URL")

// ErrReadOnly is returned by a write inside View.
var ErrReadOnly = errors.New("write in a read-only transaction")

// IsURL reports whether s names a PostgreSQL database (and not a bbolt
// file): it starts with postgres:// or postgresql://.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at url, applies the schema migrations this
// code knows (once, under an advisory lock, however many processes start
// together) and refuses a schema newer than it knows (ErrSchemaTooNew).
// Errors never repeat the URL, which may hold a password.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if !IsURL(url) {
		return nil, fmt.Errorf("open store: %w", ErrNotPostgres)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open store: the URL does not parse (%s)", redact(err, url))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open store: %s", redact(err, url))
	}
	db := &DB{pool: pool, now: opts.Now, log: opts.Logger.With("component", "pgstore")}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open store on %s: %w", cfg.ConnConfig.Host, err)
	}
	db.notify = startNotifier(db)
	return db, nil
}

// redact is err's text without url, or the password in it.
func redact(err error, url string) string {
	s := strings.ReplaceAll(err.Error(), url, "<url>")
	if cfg, perr := pgconn.ParseConfig(url); perr == nil && cfg.Password != "" {
		s = strings.ReplaceAll(s, cfg.Password, "<password>")
	}
	return s
}

// Close closes every connection. Writes after Close fail. Close may be
// called more than once.
func (db *DB) Close() error {
	db.notify.stop()
	db.pool.Close()
	return nil
}

// Update runs fn in one transaction, committed (and so, with PostgreSQL's
// default synchronous_commit, durable) when Update returns nil. A
// transaction that lost a race (a serialization failure, a deadlock, or a
// unique index claimed by a concurrent writer) is rolled back and fn run
// again, so fn may run more than once and must not have effects outside
// the transaction: the same rule as the bbolt store's group commit.
func (db *DB) Update(ctx context.Context, fn func(incident.Tx) error) error {
	return db.update(ctx, func(t *Tx) error { return fn(t) })
}

// View runs fn in a read-only transaction that sees one snapshot.
func (db *DB) View(fn func(incident.Tx) error) error {
	ctx := context.Background()
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer ptx.Rollback(ctx)
	t := newTx(ctx, ptx, db, false)
	if err := fn(t); err != nil {
		return err
	}
	return t.err
}

// Writable reports whether a write can be committed now (for /readyz): it
// writes a heartbeat. A primary demoted to a read-only standby fails it.
func (db *DB) Writable(ctx context.Context) error {
	return db.update(ctx, func(t *Tx) error {
		return t.exec(`INSERT INTO meta (name, value) VALUES ('heartbeat', $1)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, db.now().UTC().Format(time.RFC3339Nano))
	})
}

// maxAttempts bounds how often update runs a transaction that keeps losing
// races.
const maxAttempts = 10

// update runs fn in a read-committed write transaction, again after a
// lost race, and teaches the cache what a commit left.
func (db *DB) update(ctx context.Context, fn func(*Tx) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		t, err := db.attempt(ctx, fn)
		if err == nil {
			db.committed.learn(t.incs)
			if t.enqueued {
				db.notify.poke()
			}
			return nil
		}
		if !retryable(err) {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("write lost %d races in a row: %w", attempt, err)
		}
		backoff := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// attempt runs fn once in a transaction and commits it.
func (db *DB) attempt(ctx context.Context, fn func(*Tx) error) (*Tx, error) {
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	// Once begun, the end is not left to ctx: a cancellation while COMMIT
	// is on the wire would leave the caller not knowing whether it
	// happened. fn's statements still stop with ctx.
	end := context.WithoutCancel(ctx)
	defer ptx.Rollback(end) // after a commit, a no-op; after a panic in fn, the cleanup
	t := newTx(ctx, ptx, db, true)
	ferr := fn(t)
	switch {
	case t.err != nil && (ferr == nil || retryable(t.err)):
		// A statement failed, and the transaction with it, whatever fn made
		// of the error: a lost race is retried even when fn wrapped it.
		ferr = t.err
	case ferr == nil:
		if err := ptx.Commit(end); err != nil {
			return nil, fmt.Errorf("commit: %w", err)
		}
		return t, nil
	}
	return nil, ferr
}

// retryable reports whether err means the transaction lost a race that
// running it again resolves: a serialization failure, a deadlock, or a
// unique index that a concurrent transaction claimed first (raceIndexes).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01":
		return true
	case "23505":
		return raceIndexes[pe.ConstraintName]
	}
	return false
}

// raceIndexes are the unique indexes two writers can race for; the loser
// runs again and then finds the winner's row (an open incident with the
// key, a remembered message, a pending effect with the key).
var raceIndexes = map[string]bool{
	"incidents_held_key": true,
	"alarms_held_arn":    true,
	"seen_pkey":          true,
	"outbox_held_key":    true,
}
