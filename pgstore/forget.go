package pgstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// forgetScan bounds the keys one read of a sweep reads, in key order from
// where the last read stopped: one sweep reads the seen table once, along
// its primary key, without an index on the time (which intake would pay for
// on every alarm) and without a scan per batch.
const forgetScan = 4096

// ForgetBefore forgets the SNS and Slack idempotency keys (msg:…, cmd:…)
// remembered before cutoff and returns how many it forgot, as the bbolt
// store's ForgetBefore does: at most max keys per transaction, each
// committed on its own, so intake never waits for a sweep; a Slack command
// still in the inbox (kv inbox/slack/<key>) keeps its key, and other keys
// in seen (digest/<due>) are kept. If ctx ends it stops between two
// transactions: what they deleted stays deleted.
//
// Under MVCC nothing a sweep reads blocks a writer. A key remembered again
// after the read (its time moved forward) is kept: the delete checks the
// time again.
func (db *DB) ForgetBefore(ctx context.Context, cutoff time.Time, max int) (int, error) {
	if max <= 0 {
		return 0, fmt.Errorf("forget idempotency keys: batch of %d keys, want at least 1: %w", max, incident.ErrInvalid)
	}
	forgotten, after := 0, ""
	for {
		expired, last, err := db.expiredKeys(ctx, after, cutoff)
		if err != nil {
			return forgotten, err
		}
		for len(expired) > 0 {
			n := min(max, len(expired))
			deleted, err := db.forget(ctx, expired[:n], cutoff)
			forgotten += deleted
			if err != nil {
				return forgotten, err
			}
			expired = expired[n:]
		}
		if last == "" {
			return forgotten, nil
		}
		after = last
	}
}

// expiredKeys reads the next forgetScan keys after after, in key order, and
// returns those forgettable and remembered before cutoff, and the last key
// read ("" when there were no more).
func (db *DB) expiredKeys(ctx context.Context, after string, cutoff time.Time) (expired []string, last string, err error) {
	rows, err := db.pool.Query(ctx, `SELECT key, at FROM seen WHERE key > $1 ORDER BY key LIMIT $2`, after, forgetScan)
	if err != nil {
		return nil, "", fmt.Errorf("forget idempotency keys: read: %w", err)
	}
	defer rows.Close()
	read := 0
	for rows.Next() {
		var key string
		var at time.Time
		if err := rows.Scan(&key, &at); err != nil {
			return nil, "", fmt.Errorf("forget idempotency keys: read: %w", err)
		}
		read++
		last = key
		if at.Before(cutoff) && (strings.HasPrefix(key, "msg:") || strings.HasPrefix(key, "cmd:")) {
			expired = append(expired, key)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("forget idempotency keys: read: %w", err)
	}
	if read < forgetScan {
		last = ""
	}
	return expired, last, nil
}

// forget deletes keys still remembered before cutoff, except Slack keys
// whose command is still in the inbox, in one transaction.
func (db *DB) forget(ctx context.Context, keys []string, cutoff time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM seen s WHERE s.key = ANY($1) AND s.at < $2
		AND NOT (s.key LIKE 'cmd:%' AND EXISTS (SELECT 1 FROM kv WHERE kv.key = 'inbox/slack/' || substr(s.key, 5)))`,
		keys, cutoff)
	if err != nil {
		return 0, fmt.Errorf("forget idempotency keys: delete: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
