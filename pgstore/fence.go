package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// ErrFenced is returned by Due, Retry, Unkey and Tx.Complete behind a
// Leader when this replica does not hold the effect's claim in the current
// leadership epoch: it has not led yet, a newer leader was elected since
// its term began, or the newer leader's worker took the effect over. What
// the call would have recorded (an effect's result, its next attempt) is
// not written; the leader of the current epoch performs the effect.
var ErrFenced = errors.New("fenced: this replica does not hold the outbox claim in the current leadership epoch")

// fence is a DB's part in the leadership: the epoch of this replica's
// current or last term (0 before its first) and how long its worker's
// claims last.
type fence struct {
	lease time.Duration
	epoch atomic.Int64
}

// claimDue is Due behind a Leader: it claims the due effects for this
// replica's epoch, in one statement, and returns them. An effect is free to
// claim when nobody holds it, when an earlier epoch does (a deposed
// leader's claim is taken over at once), or when this epoch's own claim
// has lapsed (the worker lost track of it: its result could not be
// recorded). The statement reads the leadership row too, so a replica
// whose epoch is no longer the current one claims nothing.
func (db *DB) claimDue(f *fence, now time.Time, limit int) ([]incident.Effect, error) {
	epoch := f.epoch.Load()
	if epoch == 0 {
		return nil, fmt.Errorf("read due effects: %w: this replica has not led", ErrFenced)
	}
	ctx := context.Background()
	rows, err := db.pool.Query(ctx, `WITH due AS (
			SELECT id FROM outbox o
			WHERE not_before <= $1
				AND (claim_epoch IS NULL OR claim_epoch < $3 OR (claim_epoch = $3 AND claim_until < now()))
				AND (NOT ordered OR NOT EXISTS (
					SELECT 1 FROM outbox p WHERE p.ordered AND p.incident_id = o.incident_id AND p.id < o.id))
				AND $3 = (SELECT epoch FROM leadership)
			ORDER BY id LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE outbox o SET claim_epoch = $3, claim_until = now() + $4 * interval '1 microsecond'
		FROM due WHERE o.id = due.id
		RETURNING o.id, o.body`, nanos(now), limit, epoch, f.lease.Microseconds())
	if err != nil {
		return nil, fmt.Errorf("claim due effects: %w", err)
	}
	effs, err := collectEffects(rows)
	if err != nil {
		return nil, err
	}
	if len(effs) > 0 {
		slices.SortFunc(effs, func(a, b incident.Effect) int { return cmp.Compare(a.ID, b.ID) })
		return effs, nil
	}
	// Nothing claimed: nothing is due, or this replica no longer leads.
	var current int64
	if err := db.pool.QueryRow(ctx, `SELECT epoch FROM leadership`).Scan(&current); err != nil {
		return nil, fmt.Errorf("read the leadership epoch: %w", err)
	}
	if current != epoch {
		return nil, fmt.Errorf("read due effects: %w: epoch %d, and the leadership is at %d", ErrFenced, epoch, current)
	}
	return nil, nil
}

// completeClaim deletes a performed effect that this replica's epoch
// claimed, while that epoch is the current one.
func (t *Tx) completeClaim(epoch int64, effectID uint64) error {
	return t.fencedWrite("complete", `DELETE FROM outbox`, epoch, effectID)
}

// unkeyClaim frees the key of an effect that this replica's epoch claimed,
// while that epoch is the current one.
func (t *Tx) unkeyClaim(epoch int64, effectID uint64) error {
	return t.fencedWrite("unkey", `UPDATE outbox SET held_key = NULL`, epoch, effectID)
}

// fencedWrite runs write (a DELETE or UPDATE of outbox) on one effect, only
// while this replica's epoch holds its claim and is the current one; when
// it changes nothing, checkClaim says why.
func (t *Tx) fencedWrite(action, write string, epoch int64, effectID uint64) error {
	n, err := t.execCount(write+` WHERE id = $1 AND claim_epoch = $2
		AND $2 = (SELECT epoch FROM leadership)`, effectID, epoch)
	if err != nil {
		return fmt.Errorf("%s effect %d: %w", action, effectID, err)
	}
	if n == 1 {
		return nil
	}
	return t.checkClaim(action, epoch, effectID)
}

// checkClaim says why a fenced write found nothing to change: the effect
// is gone (cancelled, which is no error while this epoch is current, as
// without a leader), or the claim or the leadership is not this epoch's
// (ErrFenced). A gone effect under a newer leader is fenced too: the newer
// leader may have performed it and recorded the result, and this replica
// must not record a second one.
func (t *Tx) checkClaim(action string, epoch int64, effectID uint64) error {
	var leader, claim *int64
	var exists bool
	err := t.scan(`SELECT (SELECT epoch FROM leadership), (SELECT claim_epoch FROM outbox WHERE id = $1),
		EXISTS (SELECT 1 FROM outbox WHERE id = $1)`, []any{effectID}, &leader, &claim, &exists)
	if err != nil {
		return fmt.Errorf("%s effect %d: %w", action, effectID, err)
	}
	if !exists && epoch != 0 && leader != nil && *leader == epoch {
		return nil
	}
	return fenced(action, effectID, epoch, leader, claim)
}

// fenced returns nil when epoch is the leadership's and holds the claim,
// else ErrFenced saying which is not.
func fenced(action string, effectID uint64, epoch int64, leader, claim *int64) error {
	switch {
	case epoch == 0:
		return fmt.Errorf("%s effect %d: %w: this replica has not led", action, effectID, ErrFenced)
	case leader == nil || *leader != epoch:
		return fmt.Errorf("%s effect %d: %w: epoch %d, and the leadership is at %d", action, effectID, ErrFenced, epoch, deref(leader))
	case claim == nil:
		return fmt.Errorf("%s effect %d: %w: epoch %d has not claimed it", action, effectID, ErrFenced, epoch)
	case *claim != epoch:
		return fmt.Errorf("%s effect %d: %w: epoch %d claimed it, not %d", action, effectID, ErrFenced, *claim, epoch)
	}
	return nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
