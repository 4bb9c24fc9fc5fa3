package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// LeaderLockKey is the key of the session advisory lock that the replicas
// using schema campaign for: pg_locks shows which session holds it
// (classid its high 32 bits, objid its low 32 bits, objsubid 1), and
// pg_terminate_backend on that session moves the leadership.
func LeaderLockKey(schema string) int64 { return lockKey("tocsin leader", schema) }

// LeaderOptions configure a Leader. The zero value of each field is the
// production choice.
type LeaderOptions struct {
	// Name is this replica in leadership.holder, the logs and the
	// application_name of its leadership session ("tocsin leader NAME"),
	// for example the host name (default "tocsin").
	Name string
	// Retry is the wait between two attempts to become the leader, and
	// after a term ends before the next attempt (default 2 s).
	Retry time.Duration
	// Check is how often the leader checks that its session is alive
	// (default 1 s). A session ended by the server (pg_terminate_backend,
	// a restart, a failover) ends the term at once; one that stops
	// answering ends it after at most 3 × Check. The server ends a leader's
	// session that has been idle for 5 × Check (idle_session_timeout), so
	// that a replica cut off from the database lets the leadership go: by
	// then it has stopped leading on its own.
	Check time.Duration
	// Lease is how long an effect the leader's worker claimed stays out of
	// that worker's next reads (default 30 s): the time after which an
	// effect whose result could not be recorded is performed again. A
	// newer leader takes over the claims of an older one at once.
	Lease time.Duration
	// Logger receives the terms' beginnings and ends (default: discarded).
	Logger *slog.Logger
	// Now stamps leadership.since (default the store's clock).
	Now func() time.Time
}

// Leader makes one replica among those sharing the database the leader,
// the one that performs the once-per-cluster work, and fences the outbox
// with its epoch. Make one Leader per DB (per process).
type Leader struct {
	db   *DB
	opts LeaderOptions
	log  *slog.Logger
	// lead is the context of the current term, cancelled the moment it
	// ends; nil before the first.
	lead  atomic.Pointer[context.Context]
	epoch atomic.Int64
}

// NewLeader returns a Leader campaigning with db's database, and fences
// db's outbox: from now on Due claims the effects it returns for this
// replica's epoch and fails with ErrFenced while the replica does not lead,
// and Tx.Complete, Retry and Unkey succeed only for an effect claimed in
// the current leadership epoch, by this replica. Call it before anything
// uses db's outbox.
func NewLeader(db *DB, opts LeaderOptions) *Leader {
	if opts.Name == "" {
		opts.Name = "tocsin"
	}
	if opts.Retry <= 0 {
		opts.Retry = 2 * time.Second
	}
	if opts.Check <= 0 {
		opts.Check = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = db.now
	}
	db.fence.CompareAndSwap(nil, &fence{lease: opts.Lease})
	return &Leader{db: db, opts: opts, log: opts.Logger.With("component", "leader", "name", opts.Name)}
}

// IsLeader reports whether this replica leads now (for tocsin_leader).
func (l *Leader) IsLeader() bool {
	ctx := l.lead.Load()
	return ctx != nil && (*ctx).Err() == nil
}

// Epoch is the epoch of this replica's current or last term, 0 before its
// first (for tocsin_leader_epoch).
func (l *Leader) Epoch() int64 { return l.epoch.Load() }

// Run campaigns until ctx ends, then returns nil. Each time this replica
// becomes the leader it calls lead with the term's epoch and a context
// that is cancelled the moment the term ends: the leadership session died
// or stopped answering, or ctx ended. lead should run the once-per-cluster
// work until its context ends and return only when that work has stopped:
// the leadership is held until it returns, so that on a clean shutdown
// the effects in flight are recorded before the next leader begins. A
// lead that returns on its own ends the term too; Run then campaigns again
// after Retry.
//
// Campaigning is trying pg_try_advisory_lock on a key derived from the
// schema, on a connection of the Leader's own (outside the pool). Winning
// it, the replica adds one to leadership.epoch in a transaction on that
// connection; the lock is held by the session, so it is let go when the
// session ends, however it ends.
func (l *Leader) Run(ctx context.Context, lead func(ctx context.Context, epoch int64) error) error {
	for {
		err := l.term(ctx, lead)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			l.log.Warn("leadership term ended", "err", err, "retry_in", l.opts.Retry)
		}
		if !sleep(ctx, l.opts.Retry) {
			return nil
		}
	}
}

// errStepDown is the cause of a term that ended because lead returned.
var errStepDown = errors.New("the leader's work returned")

// term connects, campaigns until it wins (or fails, or ctx ends), and leads.
func (l *Leader) term(ctx context.Context, lead func(context.Context, int64) error) error {
	conn, err := l.db.connect(ctx, "tocsin leader "+l.opts.Name)
	if err != nil {
		return err
	}
	defer closeConn(conn) // a closed session holds no lock
	if err := l.campaign(ctx, conn); err != nil {
		return err
	}
	epoch, err := l.begin(ctx, conn)
	if err != nil {
		return err
	}
	l.db.fence.Load().epoch.Store(epoch)
	l.epoch.Store(epoch)
	lctx, cancel := context.WithCancelCause(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		cancel(l.watch(lctx, conn))
	}()
	if err := l.handover(lctx, epoch); err != nil {
		cancel(err)
		<-watched
		return fmt.Errorf("lead in epoch %d: %w", epoch, context.Cause(lctx))
	}
	l.lead.Store(&lctx)
	l.log.Info("leading", "epoch", epoch)
	err = lead(lctx, epoch)
	cancel(errStepDown)
	<-watched
	l.log.Info("no longer leading", "epoch", epoch, "why", context.Cause(lctx))
	if err != nil {
		return fmt.Errorf("lead in epoch %d: %w", epoch, err)
	}
	return nil
}

// handover waits, at the start of a term, until any earlier leader has
// stopped on its own: 3 × Check, the longest a leader takes to notice that
// its session is gone (watch). The new epoch is already written, so the
// earlier leader can no longer record an effect; the wait is so that it
// is not still performing one when this replica starts. A session the
// server ended (pg_terminate_backend, a restart) is noticed at once, so
// this is the margin for one cut off from the database, whose lock the
// server lets go only after idle_session_timeout (5 × Check) anyway.
func (l *Leader) handover(ctx context.Context, epoch int64) error {
	l.log.Info("won the leadership; waiting for any earlier leader to stop", "epoch", epoch, "wait", 3*l.opts.Check)
	if !sleep(ctx, 3*l.opts.Check) {
		return context.Cause(ctx)
	}
	return nil
}

// campaign tries the leadership lock every Retry until it gets it (nil),
// the session fails or ctx ends.
func (l *Leader) campaign(ctx context.Context, conn *pgx.Conn) error {
	key := LeaderLockKey(l.db.schema)
	for {
		var won bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&won); err != nil {
			return fmt.Errorf("campaign: %w", err)
		}
		if won {
			return nil
		}
		if !sleep(ctx, l.opts.Retry) {
			return ctx.Err()
		}
	}
}

// begin starts a term: it asks the server to end the session if it idles
// (the watch never lets it), and adds one to the leadership epoch.
func (l *Leader) begin(ctx context.Context, conn *pgx.Conn) (int64, error) {
	idle := fmt.Sprintf("%dms", (5 * l.opts.Check).Milliseconds())
	if _, err := conn.Exec(ctx, `SELECT set_config('idle_session_timeout', $1, false)`, idle); err != nil {
		// PostgreSQL before 14 has no such setting: a leader cut off from
		// the database then holds the lock until the server's TCP
		// keepalives notice, while it has itself stopped leading.
		l.log.Warn("the server cannot end an idle leadership session", "err", err)
	}
	var epoch int64
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `UPDATE leadership SET epoch = epoch + 1, holder = $1, since = $2 RETURNING epoch`,
			l.opts.Name, l.opts.Now()).Scan(&epoch)
	})
	if err != nil {
		return 0, fmt.Errorf("begin a leadership term: %w", err)
	}
	return epoch, nil
}

// watch returns when the leadership session is gone or ctx ends, with
// why. Between checks it waits on the connection, so that a session the
// server ends (its last message is an error) is noticed at once; every
// Check it runs SELECT 1, which must answer within 2 × Check.
func (l *Leader) watch(ctx context.Context, conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, l.opts.Check)
		err := conn.PgConn().WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case err == nil: // a notification; nothing is listened for
			continue
		case !pgconn.Timeout(err):
			return fmt.Errorf("the leadership session ended: %w", err)
		}
		if err := ping(ctx, conn, 2*l.opts.Check); err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return fmt.Errorf("the leadership session: %w", err)
		}
	}
}
