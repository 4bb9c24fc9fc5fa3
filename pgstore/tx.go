package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tocsin-dev/tocsin/incident"
)

// Tx is a store transaction; it implements incident.Tx. In a write
// transaction every incident it reads is locked (SELECT … FOR NO KEY
// UPDATE) until the commit, so that writers to one incident take turns as
// they do behind the bbolt store's one writer, and what fn decided from an
// incident's state is still true when it commits.
type Tx struct {
	// ctx is the Update's: incident.Tx's methods take none, and a Tx lives
	// only as long as the call that made it.
	ctx   context.Context
	conn  conn
	db    *DB
	write bool
	// pooled is a write transaction's connection, given back by end.
	pooled *pgxpool.Conn
	// pending are statements queued to go with the next one sent
	// (pipeline.go); sent is set once one went (BEGIN with it), committed
	// once COMMIT succeeded.
	pending         *pgx.Batch
	sent, committed bool
	// incs are the incidents this transaction read or wrote, as it leaves
	// them; in a write transaction, each is locked.
	incs map[incident.ID]incident.Incident
	// absent are what this transaction looked for and found missing: an
	// idempotency key (Seen), a group key (OpenByKey), an alarm
	// (OpenByAlarm), each under its kind's prefix. Its decision rests on
	// that, so the write that records one must be the first: it fails on
	// the unique index if a concurrent transaction's came first, and the
	// transaction runs again and finds it. Without a look first, a write
	// yields to a holder as the bbolt store does.
	absent map[string]bool
	// ordered are the incidents whose ordered effects this transaction has
	// serialised with other writers' (Enqueue).
	ordered map[incident.ID]bool
	// enqueued is set when Enqueue added an effect: after the commit,
	// listeners on other replicas are told (notify.go).
	enqueued bool
	// err is the first statement that failed: PostgreSQL aborts the whole
	// transaction then, whatever fn does with the error.
	err error
}

func newTx(ctx context.Context, c conn, db *DB, write bool) *Tx {
	return &Tx{ctx: ctx, conn: c, db: db, write: write, incs: map[incident.ID]incident.Incident{}}
}

// Now is the store's clock, for callers that stamp records in a transaction.
func (t *Tx) Now() time.Time { return t.db.now() }

// failed records a statement's error as the transaction's.
func (t *Tx) failed(err error) error {
	if err != nil && t.err == nil && !errors.Is(err, pgx.ErrNoRows) {
		t.err = err
	}
	return err
}

// exec queues a write whose result nothing reads: it goes to the server
// with the next statement that is read, or with COMMIT (pipeline.go), and
// an error it meets is the transaction's (t.err) then.
func (t *Tx) exec(sql string, args ...any) error {
	if !t.write {
		_, err := t.conn.Exec(t.ctx, sql, args...)
		return t.failed(err)
	}
	t.later(sql, args...)
	return nil
}

func (t *Tx) execCount(sql string, args ...any) (int64, error) {
	tag, err := pipe{t}.Exec(t.ctx, sql, args...)
	return tag.RowsAffected(), t.failed(err)
}

func (t *Tx) scan(sql string, args []any, dest ...any) error {
	return t.failed(pipe{t}.QueryRow(t.ctx, sql, args...).Scan(dest...))
}

// writable refuses writes in View.
func (t *Tx) writable(what string) error {
	if !t.write {
		return fmt.Errorf("%s: %w", what, ErrReadOnly)
	}
	return nil
}

// Incident returns an incident's current state; in a write transaction it
// locks the incident first.
func (t *Tx) Incident(id incident.ID) (incident.Incident, error) {
	if inc, ok := t.incs[id]; ok {
		return inc, nil
	}
	if !t.write {
		return t.load(id, -1)
	}
	var events int
	err := t.scan(`SELECT events FROM incidents WHERE id = $1 FOR NO KEY UPDATE`, []any{id}, &events)
	if errors.Is(err, pgx.ErrNoRows) {
		return incident.Incident{}, fmt.Errorf("incident %s: %w", id, incident.ErrNotFound)
	}
	if err != nil {
		return incident.Incident{}, fmt.Errorf("lock incident %s: %w", id, err)
	}
	return t.load(id, events)
}

// load reads an incident whose row this transaction locked at version
// events (-1: not locked, in View): the cached state if it is that
// version, else the database's.
func (t *Tx) load(id incident.ID, events int) (incident.Incident, error) {
	cached, hit := t.db.committed.get(id)
	if hit && events >= 0 && cached.Events == events {
		t.incs[id] = cached
		return cached, nil
	}
	inc, err := readIncident(t.ctx, pipe{t}, id, cached, hit)
	if err != nil {
		return inc, t.failed(err)
	}
	t.incs[id] = inc
	return inc, nil
}

// Events returns an incident's timeline in order.
func (t *Tx) Events(id incident.ID) ([]incident.Event, error) {
	evs, err := readEvents(t.ctx, pipe{t}, id)
	return evs, t.failed(err)
}

// Open creates an incident from its first event and assigns its number.
func (t *Tx) Open(first incident.Event) (incident.Incident, error) {
	if first.Type != incident.EventOpened {
		return incident.Incident{}, fmt.Errorf("%w: an incident must start with an %q event, not %q", incident.ErrInvalid, incident.EventOpened, first.Type)
	}
	if err := t.writable("open incident"); err != nil {
		return incident.Incident{}, err
	}
	var id int64
	if err := t.scan(`SELECT nextval('incident_ids')`, nil, &id); err != nil {
		return incident.Incident{}, fmt.Errorf("allocate incident id: %w", err)
	}
	return t.apply(incident.Incident{}, incident.ID(id), []incident.Event{first})
}

// Append chains and applies events to an existing incident.
func (t *Tx) Append(id incident.ID, events ...incident.Event) (incident.Incident, error) {
	if err := t.writable("append to " + id.String()); err != nil {
		return incident.Incident{}, err
	}
	inc, err := t.Incident(id)
	if err != nil || len(events) == 0 {
		return inc, err
	}
	return t.apply(inc, id, events)
}

// Prefixes of Tx.absent.
const (
	absentSeen = "seen:"
	absentKey  = "key:"
	absentARN  = "arn:"
)

// lookedFor records that this write transaction found what it looked for
// missing.
func (t *Tx) lookedFor(what string) {
	if !t.write {
		return
	}
	if t.absent == nil {
		t.absent = map[string]bool{}
	}
	t.absent[what] = true
}

// OpenByKey finds the open incident with a group key.
func (t *Tx) OpenByKey(groupKey string) (incident.ID, bool, error) {
	id, ok, err := t.lookup(`SELECT id, events FROM incidents WHERE held_key = $1`, groupKey)
	if err == nil && !ok && groupKey != "" {
		t.lookedFor(absentKey + groupKey)
	}
	return id, ok, err
}

// OpenByAlarm finds the open incident an alarm is linked to.
func (t *Tx) OpenByAlarm(arn string) (incident.ID, bool, error) {
	id, ok, err := t.lookup(`SELECT a.incident_id, i.events FROM alarms a JOIN incidents i ON i.id = a.incident_id
		WHERE a.held_arn = $1`, arn)
	if err == nil && !ok && arn != "" {
		t.lookedFor(absentARN + arn)
	}
	return id, ok, err
}

// ByChannel finds the incident that owns a Slack channel.
func (t *Tx) ByChannel(channelID string) (incident.ID, bool, error) {
	return t.lookup(`SELECT c.incident_id, i.events FROM channels c JOIN incidents i ON i.id = c.incident_id
		WHERE c.channel_id = $1`, channelID)
}

// lookup runs an index query that returns an incident and its version. In
// a write transaction it locks the incident in the same statement: if a
// commit changed the incident between the query's snapshot and the lock
// (the lock waited for it), the answer may be stale (the incident resolved
// and let its key go), so the query runs again.
func (t *Tx) lookup(query, key string) (incident.ID, bool, error) {
	if key == "" {
		return 0, false, nil
	}
	if t.write {
		query = `WITH l (id, events) AS (` + query + `),
			k AS (SELECT id, events FROM incidents WHERE id = (SELECT id FROM l) FOR NO KEY UPDATE)
			SELECT l.id, l.events, k.events FROM l LEFT JOIN k ON true`
	}
	for range maxAttempts {
		var id incident.ID
		var events int
		var locked *int
		dest := []any{&id, &events}
		if t.write {
			dest = append(dest, &locked)
		}
		err := t.scan(query, []any{key}, dest...)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, fmt.Errorf("look up %q: %w", key, err)
		}
		if _, mine := t.incs[id]; mine || !t.write {
			return id, true, nil // locked by this transaction: the query saw its state
		}
		if locked != nil && *locked == events {
			if _, err := t.load(id, events); err != nil {
				return 0, false, err
			}
			return id, true, nil
		}
	}
	return 0, false, fmt.Errorf("look up %q: the index kept changing", key)
}

// CountOpenKeys counts the open incidents whose group key starts with
// prefix, stopping at limit.
func (t *Tx) CountOpenKeys(prefix string, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	var n int
	err := t.scan(`SELECT count(*) FROM (SELECT 1 FROM incidents
		WHERE held_key IS NOT NULL AND starts_with(held_key, $1) LIMIT $2) s`, []any{prefix, limit}, &n)
	if err != nil {
		return 0, fmt.Errorf("count open keys %q: %w", prefix, err)
	}
	return n, nil
}

// Seen reports whether an idempotency key was recorded.
func (t *Tx) Seen(key string) (bool, error) {
	var ok bool
	if err := t.scan(`SELECT EXISTS (SELECT 1 FROM seen WHERE key = $1)`, []any{key}, &ok); err != nil {
		return false, fmt.Errorf("read idempotency key: %w", err)
	}
	if !ok && t.write {
		t.lookedFor(absentSeen + key)
	}
	return ok, nil
}

// Remember records an idempotency key. After Seen found it missing, the
// insert fails if a concurrent transaction recorded it first, and the
// transaction runs again (and then sees it): one delivery wins.
func (t *Tx) Remember(key string, at time.Time) error {
	if key == "" {
		return fmt.Errorf("%w: empty idempotency key", incident.ErrInvalid)
	}
	if err := t.writable("remember idempotency key"); err != nil {
		return err
	}
	sql := `INSERT INTO seen (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at`
	if t.absent[absentSeen+key] {
		sql = `INSERT INTO seen (key, at) VALUES ($1, $2)`
	}
	if err := t.exec(sql, key, at); err != nil {
		return fmt.Errorf("remember idempotency key: %w", err)
	}
	delete(t.absent, absentSeen+key)
	return nil
}

// isNoRows reports whether err is a query that found nothing.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// querier is what reads need of a transaction or a pool.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// readIncident reads an incident and its alarms in one statement (one
// snapshot); a cached version that is still current is returned as it is.
func readIncident(ctx context.Context, q querier, id incident.ID, cached incident.Incident, hit bool) (incident.Incident, error) {
	version := -1
	if hit {
		version = cached.Events
	}
	var body, alarms []byte
	err := q.QueryRow(ctx, `SELECT CASE WHEN events = $2 THEN NULL ELSE body END,
		CASE WHEN events = $2 THEN NULL ELSE (SELECT json_agg(a.body ORDER BY a.n) FROM alarms a WHERE a.incident_id = i.id) END
		FROM incidents i WHERE id = $1`, id, version).Scan(&body, &alarms)
	if isNoRows(err) {
		return incident.Incident{}, fmt.Errorf("incident %s: %w", id, incident.ErrNotFound)
	}
	if err != nil {
		return incident.Incident{}, fmt.Errorf("read incident %s: %w", id, err)
	}
	if body == nil {
		return cached, nil
	}
	return decodeIncident(id, body, alarms)
}

// decodeIncident decodes an incident's body and its alarms (a JSON array,
// or nothing).
func decodeIncident(id incident.ID, body, alarms []byte) (incident.Incident, error) {
	var inc incident.Incident
	if err := json.Unmarshal(body, &inc); err != nil {
		return inc, fmt.Errorf("decode incident %s: %w", id, err)
	}
	if alarms != nil {
		if err := json.Unmarshal(alarms, &inc.Alarms); err != nil {
			return inc, fmt.Errorf("decode alarms of %s: %w", id, err)
		}
	}
	return inc, nil
}

// readEvents reads an incident's timeline in order.
func readEvents(ctx context.Context, q querier, id incident.ID) ([]incident.Event, error) {
	rows, err := q.Query(ctx, `SELECT seq, body FROM events WHERE incident_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("read events of %s: %w", id, err)
	}
	evs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (incident.Event, error) {
		var seq int
		var body []byte
		var e incident.Event
		if err := row.Scan(&seq, &body); err != nil {
			return e, err
		}
		if err := json.Unmarshal(body, &e); err != nil {
			return e, fmt.Errorf("decode event %d of %s: %w", seq, id, err)
		}
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read events of %s: %w", id, err)
	}
	if len(evs) == 0 {
		return nil, nil
	}
	return evs, nil
}
