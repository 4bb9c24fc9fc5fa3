package pgstore

import (
	"context"
	"fmt"
	"time"
)

// Presence: each replica says it is alive by holding a session advisory
// lock named after it (its process's mark, bot's boot id) on a connection
// of its own, for as long as it runs. The lock goes with the session, so a
// replica that dies, or is cut off, is absent within moments (or after
// idle_session_timeout, as for the leader). Present reports whether a
// replica holds its lock: the leader uses it to replay only the Slack
// commands that a dead replica acknowledged and left in the inbox, at
// once, and never those a live replica is running.

// presenceCheck is how often a held presence checks its session.
const presenceCheck = 5 * time.Second

// presenceKey is the advisory lock key of one replica's presence.
func (db *DB) presenceKey(name string) int64 { return lockKey("tocsin replica "+name, db.schema) }

// HoldPresence holds name's presence until ctx ends, connecting again
// after a failure; it returns nil when ctx ends.
func (db *DB) HoldPresence(ctx context.Context, name string) error {
	for {
		err := db.holdPresence(ctx, name)
		if ctx.Err() != nil {
			return nil
		}
		db.log.Warn("replica presence interrupted; taking it again", "in", listenRetry, "err", err)
		if !sleep(ctx, listenRetry) {
			return nil
		}
	}
}

// holdPresence takes the lock on a new connection and keeps the session
// alive until it fails or ctx ends.
func (db *DB) holdPresence(ctx context.Context, name string) error {
	conn, err := db.connect(ctx, "tocsin replica "+db.schema)
	if err != nil {
		return err
	}
	defer closeConn(conn)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, db.presenceKey(name)); err != nil {
		return fmt.Errorf("take presence: %w", err)
	}
	for {
		if !sleep(ctx, presenceCheck) {
			return nil
		}
		if err := ping(ctx, conn, presenceCheck); err != nil {
			return err
		}
	}
}

// Present reports whether a replica holds name's presence now.
func (db *DB) Present(ctx context.Context, name string) (bool, error) {
	key := uint64(db.presenceKey(name))
	var held bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND objsubid = 1 AND classid::bigint = $1 AND objid::bigint = $2)`, int64(key>>32), int64(key&0xffffffff)).Scan(&held)
	if err != nil {
		return false, fmt.Errorf("is replica %s present: %w", name, err)
	}
	return held, nil
}
