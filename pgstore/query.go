package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tocsin-dev/tocsin/incident"
)

// Incident returns one incident's current state.
func (db *DB) Incident(ctx context.Context, id incident.ID) (incident.Incident, error) {
	cached, hit := db.committed.get(id)
	return readIncident(ctx, db.pool, id, cached, hit)
}

// Timeline returns one incident with its events, read from one snapshot.
func (db *DB) Timeline(ctx context.Context, id incident.ID) (incident.Incident, []incident.Event, error) {
	var inc incident.Incident
	var evs []incident.Event
	err := db.read(ctx, func(tx pgx.Tx) error {
		cached, hit := db.committed.get(id)
		var err error
		if inc, err = readIncident(ctx, tx, id, cached, hit); err != nil {
			return err
		}
		evs, err = readEvents(ctx, tx, id)
		return err
	})
	return inc, evs, err
}

// read runs fn in a read-only transaction that sees one snapshot.
func (db *DB) read(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(tx)
}

// Incidents returns every incident, newest first, optionally only the open
// ones, each with its alarms.
func (db *DB) Incidents(ctx context.Context, openOnly bool) ([]incident.Incident, error) {
	where := ""
	if openOnly {
		where = "WHERE open" // the partial index incidents_open
	}
	return db.list(ctx, `SELECT id, body, (SELECT json_agg(a.body ORDER BY a.n) FROM alarms a WHERE a.incident_id = i.id)
		FROM incidents i `+where+` ORDER BY id DESC`)
}

// Summaries is Incidents without the linked alarms (Alarms is nil), for the
// metrics, which never look at them.
func (db *DB) Summaries(ctx context.Context) ([]incident.Incident, error) {
	return db.list(ctx, `SELECT id, body, NULL::json FROM incidents ORDER BY id DESC`)
}

func (db *DB) list(ctx context.Context, query string, args ...any) ([]incident.Incident, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	incs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (incident.Incident, error) {
		var id incident.ID
		var body, alarms []byte
		if err := row.Scan(&id, &body, &alarms); err != nil {
			return incident.Incident{}, err
		}
		return decodeIncident(id, body, alarms)
	})
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	return incs, nil
}

// ByChannel finds the incident that owns a Slack channel.
func (db *DB) ByChannel(ctx context.Context, channelID string) (incident.ID, bool, error) {
	var id incident.ID
	err := db.pool.QueryRow(ctx, `SELECT incident_id FROM channels WHERE channel_id = $1`, channelID).Scan(&id)
	if isNoRows(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("find incident of channel %s: %w", channelID, err)
	}
	return id, true, nil
}

// OpenAlarmARNs lists the alarms linked to open incidents (for the
// reconciler), in byte order as the bbolt store lists them.
func (db *DB) OpenAlarmARNs(ctx context.Context) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT held_arn FROM alarms WHERE held_arn IS NOT NULL ORDER BY held_arn`)
	if err != nil {
		return nil, fmt.Errorf("list open alarms: %w", err)
	}
	arns, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list open alarms: %w", err)
	}
	return arns, nil
}

// Get reads a value from the key-value area; ok is false when absent.
func (db *DB) Get(key string) (value []byte, ok bool, err error) {
	err = db.pool.QueryRow(context.Background(), `SELECT value FROM kv WHERE key = $1`, key).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", key, err)
	}
	return value, true, nil
}

// Put writes a value to the key-value area, durably.
func (db *DB) Put(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return db.update(ctx, func(t *Tx) error {
		err := t.exec(`INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		if err != nil {
			return fmt.Errorf("write %s: %w", key, err)
		}
		return nil
	})
}

// Delete removes a key from the key-value area, durably; an absent key is
// not an error.
func (db *DB) Delete(ctx context.Context, key string) error {
	return db.update(ctx, func(t *Tx) error {
		if err := t.exec(`DELETE FROM kv WHERE key = $1`, key); err != nil {
			return fmt.Errorf("delete %s: %w", key, err)
		}
		return nil
	})
}

// Scan returns the key-value entries whose keys start with prefix.
func (db *DB) Scan(prefix string) (map[string][]byte, error) {
	rows, err := db.pool.Query(context.Background(), `SELECT key, value FROM kv WHERE starts_with(key, $1)`, prefix)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", prefix, err)
	}
	out := map[string][]byte{}
	var key string
	var value []byte
	_, err = pgx.ForEachRow(rows, []any{&key, &value}, func() error {
		out[key] = value
		value = nil // the next row scans into a slice of its own
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", prefix, err)
	}
	return out, nil
}

// GetCert returns a cached SNS signing certificate by URL.
func (db *DB) GetCert(url string) ([]byte, bool, error) { return db.Get("certs/" + url) }

// PutCert stores a verified certificate under its URL.
func (db *DB) PutCert(url string, pem []byte) error {
	return db.Put(context.Background(), "certs/"+url, pem)
}

// SavedReview returns the review people edited and saved for an incident.
func (db *DB) SavedReview(ctx context.Context, id incident.ID) (string, bool, error) {
	v, ok, err := db.Get(fmt.Sprintf("review/%d", id))
	return string(v), ok, err
}

// SaveReview keeps an edited review; regenerating the draft merges with it.
func (db *DB) SaveReview(ctx context.Context, id incident.ID, markdown string) error {
	return db.Put(ctx, fmt.Sprintf("review/%d", id), []byte(markdown))
}
