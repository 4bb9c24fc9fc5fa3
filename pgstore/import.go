package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tocsin-dev/tocsin/incident"
)

// Visitor receives the records of a store being copied into this one, one
// func per kind of record (store.Visitor is the same type, declared once in
// incident because pgstore does not import store). Import fills every func;
// the source calls them, in any order.
type Visitor = incident.Visitor

// Imported counts what Import copied.
type Imported struct {
	Incidents, Events, Alarms, Channels int
	Seen, Effects, KV                   int
	// Verified is the number of timelines read back after the copy whose
	// hash chain verified and ended where their incident says.
	Verified int
}

// ErrNotEmpty means Import was asked to copy into a database that already
// holds incidents, effects, idempotency keys or key-value entries.
var ErrNotEmpty = errors.New("the database is not empty")

const (
	// importFlush is how many rows Import buffers before it copies them.
	importFlush = 5000
	// maxRefusals bounds the inconsistent index entries an error lists.
	maxRefusals = 5
)

// Import copies a whole store into this database, which must be empty
// (ErrNotEmpty otherwise, naming what it holds): src calls the Visitor's
// funcs with everything it has (store.Export does, for a bbolt file).
// Incidents keep their numbers, effects their ids, events their hashes (a
// timeline is copied, never chained again), and the sequences are set past
// the highest of each. Then every timeline is read back through the store's
// own reads and verified (incident.Verify, and its end is the one its
// incident names); one that fails aborts the import, naming the incident.
//
// It is one transaction, so a failure leaves the database as it was. The
// tables are locked against writers (readers go on) for its length, so a
// tocsin started on the database meanwhile waits, and a second Import
// finds the first's rows. Index entries that the schema cannot hold (a
// group key held by an incident that is not open with that key, an alarm
// not linked to the incident that holds it, a channel or coalescing key
// pointing at nothing) abort it: they mean the source is inconsistent.
func (db *DB) Import(ctx context.Context, src func(Visitor) error) (Imported, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return Imported{}, fmt.Errorf("import: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := checkEmpty(ctx, tx); err != nil {
		return Imported{}, fmt.Errorf("import: %w", err)
	}
	im := &importer{ctx: ctx, tx: tx}
	if err := src(im.visitor()); err != nil {
		return Imported{}, fmt.Errorf("import: %w", err)
	}
	for _, step := range []func() error{im.flush, im.indexes, im.sequences, im.verify} {
		if err := step(); err != nil {
			return Imported{}, fmt.Errorf("import: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return Imported{}, fmt.Errorf("import: commit: %w", err)
	}
	return im.n, nil
}

// checkEmpty locks the tables against writers to the end of the
// transaction and refuses a database that holds anything.
func checkEmpty(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `LOCK TABLE incidents, events, alarms, channels, seen, outbox, kv IN EXCLUSIVE MODE`)
	if err != nil {
		return fmt.Errorf("lock the tables: %w", err)
	}
	var incs, effects, seen, kv int64
	err = tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM outbox),
		(SELECT count(*) FROM seen), (SELECT count(*) FROM kv)`).Scan(&incs, &effects, &seen, &kv)
	if err != nil {
		return fmt.Errorf("look for existing rows: %w", err)
	}
	var held []string
	for _, c := range []struct {
		n    int64
		what string
	}{{incs, "incidents"}, {effects, "outbox effects"}, {seen, "idempotency keys"}, {kv, "key-value entries"}} {
		if c.n > 0 {
			held = append(held, fmt.Sprintf("%s (%d)", c.what, c.n))
		}
	}
	if len(held) > 0 {
		return fmt.Errorf("%w: it holds %s; copy into an empty database only", ErrNotEmpty, strings.Join(held, ", "))
	}
	return nil
}

// importer buffers the rows of an Import and copies them in batches.
type importer struct {
	ctx context.Context
	tx  pgx.Tx
	n   Imported
	// rows buffered per table, copied in tables' order (incidents before
	// the events and alarms that reference them).
	rows     [importTables][][]any
	buffered int
	// ids are the incidents copied, to verify.
	ids []incident.ID
	// index entries, applied once every row they point at is copied.
	openKeys, openAlarms, channels, effectKeys []indexEntry
}

type indexEntry struct {
	key string
	id  uint64
}

// The tables rows are buffered for, in the order they are copied.
const (
	tIncidents = iota
	tEvents
	tAlarms
	tSeen
	tOutbox
	tKV
	importTables
)

var importColumns = [importTables]struct {
	table   string
	columns []string
}{
	tIncidents: {"incidents", []string{"id", "open", "events", "body"}},
	tEvents:    {"events", []string{"incident_id", "seq", "hash", "body"}},
	tAlarms:    {"alarms", []string{"incident_id", "n", "arn", "body"}},
	tSeen:      {"seen", []string{"key", "at"}},
	tOutbox:    {"outbox", []string{"id", "incident_id", "kind", "ordered", "not_before", "key", "body"}},
	tKV:        {"kv", []string{"key", "value"}},
}

func (im *importer) visitor() Visitor {
	entry := func(list *[]indexEntry) func(string, incident.ID) error {
		return func(k string, id incident.ID) error { *list = append(*list, indexEntry{k, uint64(id)}); return nil }
	}
	return Visitor{
		Incident:  im.incident,
		OpenKey:   entry(&im.openKeys),
		OpenAlarm: entry(&im.openAlarms),
		Channel:   entry(&im.channels),
		Seen:      func(k string, at time.Time) error { im.n.Seen++; return im.add(tSeen, k, at) },
		Effect:    im.effect,
		EffectKey: func(k string, id uint64) error { im.effectKeys = append(im.effectKeys, indexEntry{k, id}); return nil },
		KV: func(k string, v []byte) error {
			im.n.KV++
			return im.add(tKV, k, append([]byte{}, v...)) // never NULL
		},
	}
}

// incident buffers an incident's row, its events and its alarms, encoded
// as the store's own writes encode them (apply.go).
func (im *importer) incident(inc incident.Incident, events []incident.Event) error {
	rec := inc
	rec.Alarms = nil
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode %s: %w", inc.ID, err)
	}
	if err := im.add(tIncidents, inc.ID, inc.Open(), inc.Events, body); err != nil {
		return err
	}
	for _, e := range events {
		v, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode event %d of %s: %w", e.Seq, inc.ID, err)
		}
		if err := im.add(tEvents, inc.ID, e.Seq, e.Hash, v); err != nil {
			return err
		}
	}
	for i, a := range inc.Alarms {
		v, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode alarm of %s: %w", inc.ID, err)
		}
		if err := im.add(tAlarms, inc.ID, i, a.ARN, v); err != nil {
			return err
		}
	}
	im.ids = append(im.ids, inc.ID)
	im.n.Incidents++
	im.n.Events += len(events)
	im.n.Alarms += len(inc.Alarms)
	return nil
}

// effect buffers an outbox row under the effect's own id; its body has no
// id, as Enqueue writes it (the row's id is the effect's).
func (im *importer) effect(e incident.Effect) error {
	id := e.ID
	e.ID = 0
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode effect %d: %w", id, err)
	}
	im.n.Effects++
	return im.add(tOutbox, id, e.Incident, e.Kind, e.Ordered, nanos(e.NotBefore), e.Key, body)
}

// add buffers a row, and copies everything buffered once there is enough.
func (im *importer) add(table int, row ...any) error {
	im.rows[table] = append(im.rows[table], row)
	if im.buffered++; im.buffered < importFlush {
		return nil
	}
	return im.flush()
}

// flush copies the buffered rows, table by table.
func (im *importer) flush() error {
	for t, rows := range im.rows {
		if len(rows) == 0 {
			continue
		}
		c := importColumns[t]
		if _, err := im.tx.CopyFrom(im.ctx, pgx.Identifier{c.table}, c.columns, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
		im.rows[t] = rows[:0]
	}
	im.buffered = 0
	return nil
}

// indexes writes the index entries onto the rows they point at, refusing
// one that points at nothing the schema can hold.
func (im *importer) indexes() error {
	b := &pgx.Batch{}
	var refusals []string
	queue := func(sql string, e indexEntry, refusal string) {
		b.Queue(sql, e.key, e.id).Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() == 0 {
				refusals = append(refusals, refusal)
			}
			return nil
		})
	}
	for _, e := range im.openKeys {
		queue(`UPDATE incidents SET held_key = $1 WHERE id = $2 AND open AND body->>'group_key' = $1`, e,
			fmt.Sprintf("the group key %q is held by %s, which is not an open incident with that key", e.key, incident.ID(e.id)))
	}
	for _, e := range im.openAlarms {
		queue(`UPDATE alarms SET held_arn = arn WHERE incident_id = $2
			AND n = (SELECT min(n) FROM alarms WHERE incident_id = $2 AND arn = $1)
			AND EXISTS (SELECT 1 FROM incidents WHERE id = $2 AND open)`, e,
			fmt.Sprintf("the alarm %s is held by %s, which is not an open incident it is linked to", e.key, incident.ID(e.id)))
	}
	for _, e := range im.channels {
		queue(`INSERT INTO channels (channel_id, incident_id) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM incidents WHERE id = $2)`, e,
			fmt.Sprintf("the channel %s belongs to %s, which does not exist", e.key, incident.ID(e.id)))
	}
	for _, e := range im.effectKeys {
		queue(`UPDATE outbox SET held_key = $1 WHERE id = $2 AND key = $1`, e,
			fmt.Sprintf("the coalescing key %q is held by effect %d, which is not in the outbox with that key", e.key, e.id))
	}
	if b.Len() == 0 {
		return nil
	}
	if err := im.tx.SendBatch(im.ctx, b).Close(); err != nil {
		return fmt.Errorf("write the indexes: %w", err)
	}
	if len(refusals) > maxRefusals {
		refusals = append(refusals[:maxRefusals], fmt.Sprintf("and %d more", len(refusals)-maxRefusals))
	}
	if len(refusals) > 0 {
		return fmt.Errorf("the source's indexes are inconsistent: %s", strings.Join(refusals, "; "))
	}
	im.n.Channels = len(im.channels)
	return nil
}

// sequences sets the incident numbers and the outbox's ids past the
// highest copied: the next incident opened is the one after the last.
func (im *importer) sequences() error {
	_, err := im.tx.Exec(im.ctx, `SELECT setval('incident_ids', max(id)) FROM incidents HAVING max(id) IS NOT NULL`)
	if err == nil {
		_, err = im.tx.Exec(im.ctx, `SELECT setval(pg_get_serial_sequence('outbox', 'id'), max(id)) FROM outbox HAVING max(id) IS NOT NULL`)
	}
	if err != nil {
		return fmt.Errorf("set the sequences past the copied ids: %w", err)
	}
	return nil
}

// verify reads every copied incident and its timeline back as the store
// reads them, and checks the timeline's hash chain and that it ends where
// the incident says (as the bbolt store's Check does).
func (im *importer) verify() error {
	for _, id := range im.ids {
		inc, err := readIncident(im.ctx, im.tx, id, incident.Incident{}, false)
		if err != nil {
			return fmt.Errorf("verify %s: %w", id, err)
		}
		evs, err := readEvents(im.ctx, im.tx, id)
		if err != nil {
			return fmt.Errorf("verify %s: %w", id, err)
		}
		switch err := incident.Verify(evs); {
		case err != nil:
			return fmt.Errorf("verify %s: %w", id, err)
		case len(evs) != inc.Events:
			return fmt.Errorf("verify %s: %w: %d events, but the incident says %d", id, incident.ErrTampered, len(evs), inc.Events)
		case len(evs) > 0 && evs[len(evs)-1].Hash != inc.LastHash:
			return fmt.Errorf("verify %s: %w: its last event is not the one the incident names", id, incident.ErrTampered)
		}
		im.n.Verified++
	}
	return nil
}
