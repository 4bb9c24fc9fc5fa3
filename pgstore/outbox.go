package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tocsin-dev/tocsin/incident"
)

// advisoryOrdered is the first key of the transaction-scoped advisory lock
// that serialises the ordered effects of one incident (the second key is
// the incident's number).
const advisoryOrdered = 0x746f6373 // "tocs"

// Enqueue adds an effect to the outbox; a pending effect with the same Key
// makes it a no-op (coalescing). If a concurrent transaction enqueued an
// effect with the key first, the insert fails on outbox_held_key and the
// transaction runs again, and then coalesces.
//
// Effects are due in the order of their ids, which a sequence hands out
// as transactions ask, not as they commit. For an ordered effect the order
// matters, so Enqueue first takes a lock of its incident's ordered effects
// held to the commit: the next transaction's ordered effect of the
// incident gets its id only after this one's commit is visible.
func (t *Tx) Enqueue(e incident.Effect) error {
	if err := t.writable("enqueue " + string(e.Kind)); err != nil {
		return err
	}
	if e.Ordered && !t.ordered[e.Incident] {
		err := t.exec(`SELECT pg_advisory_xact_lock($1::int4, $2::int4)`, advisoryOrdered, int32(uint64(e.Incident)%math.MaxInt32))
		if err != nil {
			return fmt.Errorf("enqueue %s: %w", e.Kind, err)
		}
		if t.ordered == nil {
			t.ordered = map[incident.ID]bool{}
		}
		t.ordered[e.Incident] = true
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = t.db.now()
	}
	e.ID = 0 // the row's id is the effect's
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode effect %s: %w", e.Kind, err)
	}
	// Queued (pipeline.go): whether it inserted is learned when it is sent.
	t.later(`INSERT INTO outbox (incident_id, kind, ordered, not_before, key, held_key, body)
		SELECT $1, $2, $3, $4, $5, NULLIF($5, ''), $6
		WHERE $5 = '' OR NOT EXISTS (SELECT 1 FROM outbox WHERE held_key = $5)`,
		e.Incident, e.Kind, e.Ordered, nanos(e.NotBefore), e.Key, body).Exec(func(ct pgconn.CommandTag) error {
		t.enqueued = t.enqueued || ct.RowsAffected() > 0
		return nil
	})
	return nil
}

// Cancel deletes an incident's pending effects of one kind.
func (t *Tx) Cancel(id incident.ID, kind incident.EffectKind) (int, error) {
	if err := t.writable("cancel " + string(kind)); err != nil {
		return 0, err
	}
	n, err := t.execCount(`DELETE FROM outbox WHERE incident_id = $1 AND kind = $2`, id, kind)
	if err != nil {
		return 0, fmt.Errorf("cancel %s of %s: %w", kind, id, err)
	}
	return int(n), nil
}

// Complete removes an effect (performed, cancelled or given up); its key,
// if it held one, goes with it. Behind a Leader, only the current leader's
// claim can be completed (ErrFenced otherwise), so that the rest of the
// transaction, the effect's recorded result, is rolled back with it.
func (t *Tx) Complete(effectID uint64) error {
	if err := t.writable("complete effect"); err != nil {
		return err
	}
	if f := t.db.fence.Load(); f != nil {
		return t.completeClaim(f.epoch.Load(), effectID)
	}
	if err := t.exec(`DELETE FROM outbox WHERE id = $1`, effectID); err != nil {
		return fmt.Errorf("complete effect %d: %w", effectID, err)
	}
	return nil
}

// Unkey frees an effect's coalescing key as the worker starts performing it:
// changes committed from then on must enqueue a new effect, because the one
// in flight may already have read the old state. Behind a Leader, only the
// current leader's claim can be unkeyed (ErrFenced otherwise).
func (db *DB) Unkey(ctx context.Context, effectID uint64) error {
	return db.update(ctx, func(t *Tx) error {
		if f := db.fence.Load(); f != nil {
			return t.unkeyClaim(f.epoch.Load(), effectID)
		}
		if err := t.exec(`UPDATE outbox SET held_key = NULL WHERE id = $1 AND held_key IS NOT NULL`, effectID); err != nil {
			return fmt.Errorf("unkey effect %d: %w", effectID, err)
		}
		return nil
	})
}

// Retry records a failed attempt and when to try again. A keyed effect
// takes its key back if it is free, so later changes coalesce into it
// again; if a newer effect took the key meanwhile, that one renders the
// newest state and this one is dropped. Behind a Leader, only the current
// leader's claim can be retried (ErrFenced otherwise), and the retry ends
// the claim: the effect is due again at notBefore.
func (db *DB) Retry(ctx context.Context, effectID uint64, notBefore time.Time, errText string) error {
	f := db.fence.Load()
	return db.update(ctx, func(t *Tx) error {
		var key string
		var held bool
		var body []byte
		var claim, leader *int64
		err := t.scan(`SELECT key, held_key IS NOT NULL, body, claim_epoch, (SELECT epoch FROM leadership)
			FROM outbox WHERE id = $1 FOR UPDATE`,
			[]any{effectID}, &key, &held, &body, &claim, &leader)
		if isNoRows(err) && f != nil {
			return t.checkClaim("retry", f.epoch.Load(), effectID)
		}
		if isNoRows(err) {
			return nil // completed or cancelled meanwhile
		}
		if err != nil {
			return fmt.Errorf("retry effect %d: %w", effectID, err)
		}
		if f != nil {
			if err := fenced("retry", effectID, f.epoch.Load(), leader, claim); err != nil {
				return err
			}
		}
		if key != "" && !held {
			var taken bool
			if err := t.scan(`SELECT EXISTS (SELECT 1 FROM outbox WHERE held_key = $1)`, []any{key}, &taken); err != nil {
				return fmt.Errorf("retry effect %d: %w", effectID, err)
			}
			if taken {
				return t.exec(`DELETE FROM outbox WHERE id = $1`, effectID)
			}
			held = true
		}
		var e incident.Effect
		if err := json.Unmarshal(body, &e); err != nil {
			return fmt.Errorf("decode outbox entry %d: %w", effectID, err)
		}
		e.Attempts++
		e.NotBefore, e.LastError = notBefore, errText
		if body, err = json.Marshal(e); err != nil {
			return fmt.Errorf("encode outbox entry %d: %w", effectID, err)
		}
		err = t.exec(`UPDATE outbox SET not_before = $2, body = $3,
			held_key = CASE WHEN $4 AND key <> '' THEN key END, claim_epoch = NULL, claim_until = NULL
			WHERE id = $1`,
			effectID, nanos(notBefore), body, held)
		if err != nil {
			return fmt.Errorf("retry effect %d: %w", effectID, err)
		}
		return nil
	})
}

// Due returns up to limit effects whose time has come, oldest first. An
// ordered effect is due only when no earlier ordered effect of its incident
// is still in the outbox (deferred or in flight). Behind a Leader, Due
// claims what it returns for the leader's epoch (fence.go): the effects
// another worker holds are not due, and a replica that does not lead gets
// ErrFenced.
func (db *DB) Due(now time.Time, limit int) ([]incident.Effect, error) {
	if limit <= 0 {
		return nil, nil
	}
	if f := db.fence.Load(); f != nil {
		return db.claimDue(f, now, limit)
	}
	rows, err := db.pool.Query(context.Background(), `SELECT id, body FROM outbox o
		WHERE not_before <= $1 AND (NOT ordered OR NOT EXISTS (
			SELECT 1 FROM outbox p WHERE p.ordered AND p.incident_id = o.incident_id AND p.id < o.id))
		ORDER BY id LIMIT $2`, nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("read due effects: %w", err)
	}
	return collectEffects(rows)
}

// collectEffects decodes rows of (id, body), in their order; none is nil.
func collectEffects(rows pgx.Rows) ([]incident.Effect, error) {
	effs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (incident.Effect, error) {
		var id uint64
		var body []byte
		var e incident.Effect
		if err := row.Scan(&id, &body); err != nil {
			return e, err
		}
		if err := json.Unmarshal(body, &e); err != nil {
			return e, fmt.Errorf("decode outbox entry %d: %w", id, err)
		}
		e.ID = id
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read due effects: %w", err)
	}
	if len(effs) == 0 {
		return nil, nil
	}
	return effs, nil
}

// Pending returns the number of effects in the outbox: one count over the
// outbox's primary key, which stays small (dispatch refuses new alarms
// past TOCSIN_MAX_PENDING). If the database cannot answer, it returns the
// last count it read.
func (db *DB) Pending() int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		return int(db.pending.Load())
	}
	db.pending.Store(n)
	return int(n)
}

// nanos is t in unix nanoseconds, as the outbox's not_before stores it: the
// zero time is before everything, and times past what an int64 holds are
// clamped.
func nanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return math.MinInt64
	case t.Before(minNanos):
		return math.MinInt64 + 1
	case t.After(maxNanos):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var minNanos, maxNanos = time.Unix(0, math.MinInt64+1), time.Unix(0, math.MaxInt64)
