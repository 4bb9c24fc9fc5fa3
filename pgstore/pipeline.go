package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A write transaction saves round trips by sending what needs no answer
// with what does (pgx.Batch, one pipeline):
//   - BEGIN goes with the transaction's first statement;
//   - a write whose result nothing reads before the commit (exec: the
//     events, the incident row and its indexes, an idempotency key, an
//     effect) is queued (later) and goes with the next statement whose
//     result is read, or with COMMIT.
//
// Statements run in the order they were made, so every read sees the
// writes queued before it. An error in a queued write surfaces with the
// statement it went with (and is the transaction's, t.err); after it,
// PostgreSQL skips the rest of the pipeline, COMMIT included.

// conn is what a Tx sends statements on: a pooled connection in a write
// transaction (which begins and commits by statements of its own), a
// pgx.Tx in View.
type conn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// beginSQL begins every write transaction.
const beginSQL = `BEGIN ISOLATION LEVEL READ COMMITTED`

// errRolledBack is COMMIT answered with ROLLBACK: the transaction had
// failed.
var errRolledBack = errors.New("commit: the transaction was rolled back")

// begin takes a connection from the pool for a write transaction; BEGIN
// waits to go with the first statement.
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	t := newTx(ctx, c, db, true)
	t.pooled = c
	t.later(beginSQL)
	return t, nil
}

// later queues a statement to go with the next one sent.
func (t *Tx) later(sql string, args ...any) *pgx.QueuedQuery {
	return t.queued().Queue(sql, args...)
}

// queued is the batch of statements waiting to go with the next one sent.
func (t *Tx) queued() *pgx.Batch {
	if t.pending == nil {
		t.pending = &pgx.Batch{}
	}
	return t.pending
}

// send sends the queued statements and then q (if any) in one round trip
// and reads every answer; the first error is returned.
func (t *Tx) send(ctx context.Context, q *pgx.QueuedQuery) error {
	b := t.pending
	t.pending = nil
	if b == nil {
		b = &pgx.Batch{}
	}
	if q != nil {
		b.QueuedQueries = append(b.QueuedQueries, q)
	}
	if len(b.QueuedQueries) == 0 {
		return nil
	}
	t.sent = true
	return t.conn.SendBatch(ctx, b).Close()
}

// flush sends what is queued; it records a failure as the transaction's.
func (t *Tx) flush() error { return t.failed(t.send(t.ctx, nil)) }

// row is a QueryRow that goes with the queued statements.
type row struct {
	t    *Tx
	sql  string
	args []any
}

func (r row) Scan(dest ...any) error {
	if r.t.pending == nil {
		return r.t.conn.QueryRow(r.t.ctx, r.sql, r.args...).Scan(dest...)
	}
	q := &pgx.QueuedQuery{SQL: r.sql, Arguments: r.args}
	q.QueryRow(func(row pgx.Row) error { return row.Scan(dest...) })
	return r.t.send(r.t.ctx, q)
}

// pipe is the querier reads use inside a Tx: QueryRow and Exec go with the
// queued statements, Query sends them first.
type pipe struct{ t *Tx }

func (p pipe) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return row{t: p.t, sql: sql, args: args}
}

func (p pipe) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	q := &pgx.QueuedQuery{SQL: sql, Arguments: args}
	q.Exec(func(ct pgconn.CommandTag) error { tag = ct; return nil })
	err := p.t.send(ctx, q)
	return tag, err
}

func (p pipe) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := p.t.send(ctx, nil); err != nil {
		return nil, err
	}
	return p.t.conn.Query(ctx, sql, args...)
}

// commitError is a COMMIT whose outcome is unknown: the connection failed
// while it was on its way, so it may or may not have happened.
type commitError struct{ err error }

func (e *commitError) Error() string { return fmt.Sprintf("commit: %v", e.err) }
func (e *commitError) Unwrap() error { return e.err }

// commit sends the queued statements and COMMIT, and returns once
// PostgreSQL has answered (with synchronous_commit on, after the WAL is
// flushed). An error PostgreSQL sent means nothing was committed, and is
// recorded as the transaction's (a lost race is retried); any other error
// is a *commitError.
func (t *Tx) commit() error {
	end := context.WithoutCancel(t.ctx)
	if !t.sent && t.pending != nil && len(t.pending.QueuedQueries) == 1 {
		t.pending = nil // nothing but BEGIN: nothing to commit
		return nil
	}
	q := &pgx.QueuedQuery{SQL: `COMMIT`}
	q.Exec(func(ct pgconn.CommandTag) error {
		if ct.String() != "COMMIT" {
			return errRolledBack
		}
		return nil
	})
	err := t.send(end, q)
	var pe *pgconn.PgError
	switch {
	case err == nil:
		t.committed = true
		return nil
	case errors.As(err, &pe), errors.Is(err, errRolledBack):
		return t.failed(err)
	}
	return &commitError{err: err}
}

// end ends a write transaction that did not commit (ROLLBACK) and gives
// its connection back; a connection that cannot roll back is closed by
// the pool.
func (t *Tx) end() {
	c := t.pooled
	if c == nil {
		return
	}
	t.pooled = nil
	if !t.committed && c.Conn().PgConn().TxStatus() != 'I' && !c.Conn().IsClosed() {
		c.Exec(context.WithoutCancel(t.ctx), `ROLLBACK`)
	}
	c.Release()
}

var _ conn = (*pgxpool.Conn)(nil)
