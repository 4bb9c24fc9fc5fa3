package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
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
	// queue takes writes to the committer (commit.go), which runs until
	// closing is closed and then closes stopped.
	queue            chan *write
	closing, stopped chan struct{}
	closeOnce        sync.Once
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
	db := &DB{pool: pool, now: opts.Now, log: opts.Logger.With("component", "pgstore"),
		queue: make(chan *write), closing: make(chan struct{}), stopped: make(chan struct{})}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open store on %s: %w", cfg.ConnConfig.Host, err)
	}
	db.notify = startNotifier(db)
	go db.committer()
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
	db.closeOnce.Do(func() { close(db.closing) })
	<-db.stopped // the batch in progress is answered first
	db.notify.stop()
	db.pool.Close()
	return nil
}

// Update runs fn in a transaction, committed (and so, with PostgreSQL's
// default synchronous_commit, durable) when Update returns nil. Concurrent
// Updates share transactions (group commit, commit.go): fn runs after the
// functions queued before it in the same transaction, and sees what they
// wrote. A transaction that failed (a function's error, a failed
// statement) is rolled back and each of its functions run again in a
// transaction of its own; one that lost a race there (a serialization
// failure, a deadlock, or a unique index claimed by a concurrent writer)
// is rolled back and run again. So fn may run more than once and must not
// have effects outside the transaction: the same rule as the bbolt
// store's group commit.
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
