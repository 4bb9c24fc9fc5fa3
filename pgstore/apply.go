package pgstore

import (
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tocsin-dev/tocsin/incident"
)

// Key actions of an incident's row when it is written: keep held_key as it
// is, claim the group key if no open incident holds it, or let it go.
const (
	keyKeep = iota
	keyClaim
	keyRelease
)

// apply chains events onto inc (the state locked by this transaction, or
// the zero Incident for Open), folds them, and queues the writes of
// everything they change, to go with the next statement sent (pipeline.go):
// the events, the incident row, the alarms that changed, and the indexes, kept in step with the incident's status as the
// bbolt store keeps them (store/tx.go: an open incident claims its group
// key and alarms unless another open incident holds them; one that is no
// longer open lets them go).
func (t *Tx) apply(inc incident.Incident, id incident.ID, events []incident.Event) (incident.Incident, error) {
	isNew := inc.Events == 0
	wasOpen, base, hadChannel := inc.Open(), inc.Alarms, inc.Channel.ID
	next := inc.Clone() // inc may be shared with the cache and callers
	var evs []*pgx.QueuedQuery
	for _, e := range events {
		if e.At.IsZero() {
			e.At = t.db.now()
		}
		e.Chain(id, next.Events, next.LastHash)
		if err := next.Apply(e); err != nil {
			return inc, fmt.Errorf("append event to %s: %w", id, err)
		}
		v, err := json.Marshal(e)
		if err != nil {
			return inc, fmt.Errorf("encode event of %s: %w", id, err)
		}
		evs = append(evs, &pgx.QueuedQuery{SQL: `INSERT INTO events (incident_id, seq, hash, body) VALUES ($1, $2, $3, $4)`,
			Arguments: []any{id, e.Seq, e.Hash, v}})
	}
	open := next.Open()
	changed := isNew || wasOpen != open
	b := t.queued()
	if err := t.queueIncident(b, next, isNew, changed); err != nil {
		return inc, err
	}
	b.QueuedQueries = append(b.QueuedQueries, evs...)
	if err := t.queueAlarms(b, next, base, open); err != nil {
		return inc, err
	}
	switch {
	case changed && !isNew && open:
		b.Queue(`UPDATE alarms a SET held_arn = a.arn WHERE a.incident_id = $1 AND a.held_arn IS NULL
			AND a.arn <> '' AND NOT EXISTS (SELECT 1 FROM alarms b WHERE b.held_arn = a.arn)`, id)
	case changed && !open:
		b.Queue(`UPDATE alarms SET held_arn = NULL WHERE incident_id = $1 AND held_arn IS NOT NULL`, id)
	}
	if next.Channel.ID != "" && (changed || next.Channel.ID != hadChannel) {
		b.Queue(`INSERT INTO channels (channel_id, incident_id) VALUES ($1, $2)
			ON CONFLICT (channel_id) DO UPDATE SET incident_id = excluded.incident_id`, next.Channel.ID, id)
	}
	t.incs[id] = next // a failed write fails the transaction (t.err) when it is sent
	return next, nil
}

// queueIncident queues the write of an incident's row (its body without
// the alarms, which have rows of their own). changed says its openness
// changed (or it is new): it then claims or lets go of its group key.
func (t *Tx) queueIncident(b *pgx.Batch, inc incident.Incident, isNew, changed bool) error {
	alarms := inc.Alarms
	inc.Alarms = nil
	body, err := json.Marshal(inc)
	if err != nil {
		return fmt.Errorf("encode incident %s: %w", inc.ID, err)
	}
	inc.Alarms = alarms
	claim := `CASE WHEN $4 <> '' AND NOT EXISTS (SELECT 1 FROM incidents WHERE held_key = $4) THEN $4 END`
	if t.claims(absentKey + inc.GroupKey) {
		claim = `NULLIF($4, '')` // the first, or this transaction runs again
	}
	if isNew {
		b.Queue(`INSERT INTO incidents (id, open, events, held_key, body) VALUES ($1, $2, $3, `+claim+`, $5)`,
			inc.ID, inc.Open(), inc.Events, inc.GroupKey, body)
		return nil
	}
	action := keyKeep
	switch {
	case changed && inc.Open():
		action = keyClaim
	case changed:
		action = keyRelease
	}
	b.Queue(`UPDATE incidents SET open = $2, events = $3, body = $5, held_key = CASE $6::int
			WHEN 1 THEN `+claim+` WHEN 2 THEN NULL ELSE held_key END
		WHERE id = $1`, inc.ID, inc.Open(), inc.Events, inc.GroupKey, body, action)
	return nil
}

// queueAlarms queues the writes of the alarms that differ from base (the
// alarms as they are in the database). A new alarm of an open incident
// claims its ARN unless another open incident holds it.
func (t *Tx) queueAlarms(b *pgx.Batch, inc incident.Incident, base []incident.LinkedAlarm, open bool) error {
	for i, a := range inc.Alarms {
		if i < len(base) && a == base[i] {
			continue
		}
		v, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode alarm of %s: %w", inc.ID, err)
		}
		if i < len(base) {
			b.Queue(`UPDATE alarms SET body = $3 WHERE incident_id = $1 AND n = $2`, inc.ID, i, v)
			continue
		}
		claim := `CASE WHEN $4 AND $3 <> '' AND NOT EXISTS (SELECT 1 FROM alarms WHERE held_arn = $3) THEN $3 END`
		if open && t.claims(absentARN+a.ARN) {
			claim = `CASE WHEN $4 THEN NULLIF($3, '') END` // the first, or this transaction runs again
		}
		b.Queue(`INSERT INTO alarms (incident_id, n, arn, held_arn, body) VALUES ($1, $2, $3, `+claim+`, $5)`,
			inc.ID, i, a.ARN, open, v)
	}
	return nil
}

// claims reports whether this transaction found what (under its prefix)
// missing and so must be the one to claim it; it claims it once.
func (t *Tx) claims(what string) bool {
	if !t.absent[what] {
		return false
	}
	delete(t.absent, what)
	return true
}
