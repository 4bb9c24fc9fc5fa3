package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pgstore"
	"github.com/tocsin-dev/tocsin/store/storetest"
)

// newSource is a store with three incidents numbered with gaps (INC-3 open
// with two alarms and a channel, INC-7 resolved, INC-9 open), idempotency
// keys, two pending effects (one holding its key, one in flight) and the
// key-value area.
func newSource(tb testing.TB) *storetest.Records {
	tb.Helper()
	s := &storetest.Records{}
	s.Add(tb, 3, opened("svc:api", "arn:a"), incident.Event{Type: incident.EventAlarm, At: t0.Add(time.Minute), Actor: "alarm",
		Data: map[string]string{"alarm_arn": "arn:b", "alarm_name": "b", "state": "ALARM", "changed_at": incident.FormatTime(t0)}},
		incident.Event{Type: incident.EventChannel, At: t0.Add(2 * time.Minute), Actor: "tocsin", Data: map[string]string{"channel_id": "C3", "channel_name": "inc-3"}},
		note("looking"))
	s.Add(tb, 7, opened("svc:db", "arn:d"), incident.Event{Type: incident.EventResolved, At: t0.Add(time.Hour), Actor: "U1", Text: "failed over"})
	s.Add(tb, 9, opened("svc:db", "arn:d"))
	s.OpenKeys = map[string]incident.ID{"svc:api": 3, "svc:db": 9}
	s.Alarms = map[string]incident.ID{"arn:a": 3, "arn:b": 3, "arn:d": 9}
	s.Channels = map[string]incident.ID{"C3": 3}
	s.Seen = map[string]time.Time{"msg:1": t0, "cmd:T1": t0.Add(time.Second)}
	s.Effects = []incident.Effect{
		{ID: 4, Kind: "slack.header", Incident: 3, Key: "header:3", Ordered: true, Data: map[string]string{"ts": "1.2"},
			NotBefore: t0.Add(time.Hour), Attempts: 2, LastError: "rate limited", CreatedAt: t0},
		{ID: 11, Kind: "escalate", Incident: 9, Key: "esc:9", CreatedAt: t0.Add(time.Minute)},
	}
	s.EffectKeys = map[string]uint64{"header:3": 4} // effect 11 is in flight: its key is free
	s.KV = map[string][]byte{"digest/last_run": []byte("2026-11-02"), "review/3": []byte("# Review"), "inbox/slack/T2": {}}
	return s
}

// TestDB_Import: a store copied into an empty database reads back as it
// was, numbers, indexes, outbox and all, and the database goes on from
// there.
func TestDB_Import(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	src := newSource(t)
	n, err := db.Import(ctx, src.Visit)
	if err != nil {
		t.Fatal(err)
	}
	want := pgstore.Imported{Incidents: 3, Events: 7, Alarms: 4, Channels: 1, Seen: 2, Effects: 2, KV: 3, Verified: 3}
	if n != want {
		t.Errorf("Import = %+v, want %+v", n, want)
	}
	incs, err := db.Incidents(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]incident.Incident{src.Incidents[2], src.Incidents[1], src.Incidents[0]}, incs, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("incidents (-source +imported):\n%s", diff)
	}
	for _, inc := range src.Incidents {
		_, evs, err := db.Timeline(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(src.Timelines[inc.ID], evs); diff != "" {
			t.Errorf("timeline of %s (-source +imported):\n%s", inc.ID, diff)
		}
	}
	checkIndexes(t, db, src)
	due, err := db.Due(t0.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(src.Effects[1:], due); diff != "" {
		t.Errorf("due before effect 4's time (-want +got):\n%s", diff)
	}
	due, err = db.Due(t0.Add(2*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(src.Effects, due); diff != "" {
		t.Errorf("due after effect 4's time (-want +got):\n%s", diff)
	}
	for k, v := range src.KV {
		if got, ok, err := db.Get(k); err != nil || !ok || string(got) != string(v) {
			t.Errorf("Get(%q) = %q, %v, %v; want %q", k, got, ok, err, v)
		}
	}
	checkGoesOn(t, db)
}

// checkIndexes looks up every index entry of src, every idempotency key,
// and a coalescing key, through the store's transactions.
func checkIndexes(t *testing.T, db *pgstore.DB, src *storetest.Records) {
	t.Helper()
	err := db.View(func(tx incident.Tx) error {
		for _, ix := range []struct {
			m      map[string]incident.ID
			lookup func(string) (incident.ID, bool, error)
		}{{src.OpenKeys, tx.OpenByKey}, {src.Alarms, tx.OpenByAlarm}, {src.Channels, tx.ByChannel}} {
			for k, want := range ix.m {
				if id, ok, err := ix.lookup(k); err != nil || !ok || id != want {
					t.Errorf("lookup of %q = %s, %v, %v; want %s", k, id, ok, err, want)
				}
			}
		}
		for k := range src.Seen {
			if ok, err := tx.Seen(k); err != nil || !ok {
				t.Errorf("Seen(%q) = %v, %v after the import", k, ok, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkGoesOn: after an import the next incident is numbered after the
// last copied, the next effect after the last, and a held coalescing key
// still coalesces while a freed one does not.
func checkGoesOn(t *testing.T, db *pgstore.DB) {
	t.Helper()
	ctx := context.Background()
	id := mustOpenIncident(t, db, "svc:new", "arn:new")
	if id != 10 {
		t.Errorf("the next incident is %s, want INC-10", id)
	}
	err := db.Update(ctx, func(tx incident.Tx) error {
		return errors.Join(tx.Enqueue(incident.Effect{Kind: "slack.header", Incident: 3, Key: "header:3"}),
			tx.Enqueue(incident.Effect{Kind: "escalate", Incident: 9, Key: "esc:9"}))
	})
	if err != nil {
		t.Fatal(err)
	}
	due, err := db.Due(t0.Add(2*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for _, e := range due {
		ids = append(ids, e.ID)
	}
	if diff := cmp.Diff([]uint64{4, 11, 12}, ids); diff != "" {
		t.Errorf("effect ids after enqueueing a held key and a freed one (-want +got):\n%s", diff)
	}
}

// TestDB_ImportRefused: an import that cannot be done whole changes
// nothing, and says why.
func TestDB_ImportRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("ErrNotEmpty", func(t *testing.T) {
		t.Parallel()
		db := MustOpenDB(t)
		mustOpenIncident(t, db, "svc:x", "arn:x")
		if err := db.Put(ctx, "digest/last_run", []byte("x")); err != nil {
			t.Fatal(err)
		}
		_, err := db.Import(ctx, newSource(t).Visit)
		if !errors.Is(err, pgstore.ErrNotEmpty) || !strings.Contains(err.Error(), "incidents (1), key-value entries (1)") {
			t.Errorf("Import into a database in use = %v, want ErrNotEmpty naming what it holds", err)
		}
		checkUnchanged(t, db, 1)
	})
	t.Run("Tampered", func(t *testing.T) {
		t.Parallel()
		db := MustOpenDB(t)
		src := newSource(t)
		evs := src.Timelines[7]
		evs[1].Hash = strings.Repeat("0", 64) // the record still names the old hash
		_, err := db.Import(ctx, src.Visit)
		if !errors.Is(err, incident.ErrTampered) || !strings.Contains(err.Error(), "INC-7") {
			t.Errorf("Import of a tampered timeline = %v, want ErrTampered naming INC-7", err)
		}
		checkUnchanged(t, db, 0)
		src = newSource(t)
		evs = src.Timelines[3]
		evs[1].Text = "changed after it was written"
		evs[1].Hash = evs[1].ComputeHash() // and rehashed: the next event no longer follows it
		if _, err := db.Import(ctx, src.Visit); !errors.Is(err, incident.ErrTampered) || !strings.Contains(err.Error(), "INC-3") {
			t.Errorf("Import of a rewritten, rehashed event = %v, want ErrTampered naming INC-3", err)
		}
		checkUnchanged(t, db, 0)
	})
	t.Run("InconsistentIndex", func(t *testing.T) {
		t.Parallel()
		db := MustOpenDB(t)
		src := newSource(t)
		src.OpenKeys["svc:db"] = 7 // resolved
		src.Channels["C9"] = 42    // no such incident
		_, err := db.Import(ctx, src.Visit)
		if err == nil || !strings.Contains(err.Error(), "INC-7") || !strings.Contains(err.Error(), "INC-42") {
			t.Errorf("Import with index entries pointing nowhere = %v, want an error naming INC-7 and INC-42", err)
		}
		checkUnchanged(t, db, 0)
	})
	t.Run("SourceFails", func(t *testing.T) {
		t.Parallel()
		db := MustOpenDB(t)
		boom := errors.New("the file went away")
		_, err := db.Import(ctx, func(v pgstore.Visitor) error {
			newSource(t).Visit(v)
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("Import = %v, want the source's error", err)
		}
		checkUnchanged(t, db, 0)
	})
}

// checkUnchanged: the database holds the incidents it held before a
// refused import, and nothing of the source's outbox or kv.
func checkUnchanged(t *testing.T, db *pgstore.DB, incidents int) {
	t.Helper()
	incs, err := db.Incidents(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Get("review/3"); len(incs) != incidents || db.Pending() != 0 || ok {
		t.Errorf("after a refused import: %d incidents (want %d), %d effects, review/3 there: %v", len(incs), incidents, db.Pending(), ok)
	}
}

// TestDB_ImportMany: more rows than Import buffers are copied in several
// batches, each incident's rows after the incident's.
func TestDB_ImportMany(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	src := &storetest.Records{}
	for id := incident.ID(1); id <= 400; id++ {
		evs := []incident.Event{opened(fmt.Sprintf("svc:%d", id), fmt.Sprintf("arn:%d", id))}
		for i := range 15 {
			evs = append(evs, note(fmt.Sprintf("note %d", i)))
		}
		src.Add(t, id, evs...)
	}
	n, err := db.Import(context.Background(), src.Visit)
	if err != nil {
		t.Fatal(err)
	}
	if n.Incidents != 400 || n.Events != 400*16 || n.Verified != 400 {
		t.Errorf("Import = %+v, want 400 incidents of 16 events, verified", n)
	}
}
