package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// notifyChannel is the LISTEN/NOTIFY channel of new effects. Its payload is
// the schema the tables are in, so that deployments (or tests) sharing a
// database in schemas of their own do not wake each other's leader.
const notifyChannel = "tocsin_outbox"

const (
	// notifyGap is the shortest time between two notifications this
	// process sends: during an alarm storm every commit enqueues, and one
	// notification wakes the leader's worker for all of them.
	notifyGap = 5 * time.Millisecond
	// listenPing is how long Listen waits for a notification before it
	// checks that its connection still answers: a server that vanished
	// without closing it (a failover) would otherwise leave it waiting for
	// ever.
	listenPing = 15 * time.Second
	// listenRetry is Listen's first wait before connecting again; it
	// doubles up to listenRetryMax while connecting keeps failing.
	listenRetry    = 500 * time.Millisecond
	listenRetryMax = 30 * time.Second
)

// notifier sends the notification of new effects after commits, from a
// goroutine of its own, at most one at a time: commits only poke it.
//
// Why not NOTIFY inside the committing transaction, where PostgreSQL would
// deliver it exactly when the commit happens? Because a transaction that
// notified takes a lock global to the database at commit, so every
// enqueuing commit (nearly every alarm's) would wait for the others'. Here
// a notification follows its commit by a round trip, and one covers all
// the commits made while the previous one was on its way. One that is
// lost (a crash right after the commit, an unreachable database) costs
// the leader's worker its next poll: notifications only bring work
// forward, they never carry it.
type notifier struct {
	pokes  chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

func startNotifier(db *DB) *notifier {
	ctx, cancel := context.WithCancel(context.Background())
	n := &notifier{pokes: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go n.run(ctx, db)
	return n
}

// poke asks for a notification; pokes made while one is pending are one.
func (n *notifier) poke() {
	select {
	case n.pokes <- struct{}{}:
	default:
	}
}

// stop ends the goroutine; a pending poke is dropped. It may be called
// more than once.
func (n *notifier) stop() {
	n.cancel()
	<-n.done
}

func (n *notifier) run(ctx context.Context, db *DB) {
	defer close(n.done)
	gap := time.NewTimer(0)
	defer gap.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.pokes:
		}
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := db.pool.Exec(sctx, `SELECT pg_notify($1, $2)`, notifyChannel, db.schema)
		cancel()
		if err != nil && ctx.Err() == nil {
			db.log.Warn("tell the leader of new effects", "err", err) // its poll finds them
		}
		gap.Reset(notifyGap)
		select {
		case <-ctx.Done():
			return
		case <-gap.C:
		}
	}
}

// Listen calls wake whenever another process (or this one) commits new
// effects to the outbox, until ctx ends; it returns nil then. It holds a
// connection of its own, outside the pool, that LISTENs on the channel
// tocsin_outbox, and connects again when that connection fails (after
// 0.5 s, doubling up to 30 s while it keeps failing). It also calls wake
// each time it has begun listening, for what was committed while it was
// not. The leader connects wake to its outbox worker, which otherwise
// finds another replica's effects at its next poll.
func (db *DB) Listen(ctx context.Context, wake func()) error {
	retry := listenRetry
	for {
		listened, err := db.listen(ctx, wake)
		if ctx.Err() != nil {
			return nil
		}
		if listened {
			retry = listenRetry
		}
		db.log.Warn("outbox notifications interrupted; listening again", "in", retry, "err", err)
		if !sleep(ctx, retry) {
			return nil
		}
		retry = min(2*retry, listenRetryMax)
	}
}

// listen connects, listens and wakes until the connection fails or ctx
// ends; listened reports whether it got as far as listening.
func (db *DB) listen(ctx context.Context, wake func()) (listened bool, err error) {
	conn, err := db.connect(ctx, "tocsin listener "+db.schema)
	if err != nil {
		return false, err
	}
	defer closeConn(conn)
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{notifyChannel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen on %s: %w", notifyChannel, err)
	}
	wake()
	for {
		wctx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return true, nil
		case err == nil:
			if n.Payload == db.schema {
				wake()
			}
		case pgconn.Timeout(err):
			if err := ping(ctx, conn, listenPing); err != nil {
				return true, err
			}
		default:
			return true, fmt.Errorf("wait for notifications: %w", err)
		}
	}
}
