package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
	"github.com/tocsin-dev/tocsin/store/storetest"
)

// export returns everything Export hands a visitor.
func export(tb testing.TB, path string) *storetest.Records {
	tb.Helper()
	x, visit := storetest.Collect()
	if err := store.Export(path, visit); err != nil {
		tb.Fatal(err)
	}
	return x
}

// update runs fn in a transaction of db and fails the test if it fails.
func update(tb testing.TB, db *store.DB, fn func(tx incident.Tx) error) {
	tb.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		tb.Fatal(err)
	}
}

// TestExport: a store built through its API is exported whole: incidents
// with their alarms and timelines, the indexes, idempotency keys, the
// outbox with every field and its coalescing keys, and the key-value area.
func TestExport(t *testing.T) {
	db, path := MustOpenDB(t)
	ctx := context.Background()
	api := mustOpenIncident(t, db, "svc:api", "arn:a")
	dbIncident := mustOpenIncident(t, db, "svc:db", "arn:d")
	update(t, db, func(tx incident.Tx) error {
		if _, err := tx.Append(api, alarmEvent("arn:b", "ALARM", t0.Add(time.Minute)),
			incident.Event{Type: incident.EventChannel, Actor: "tocsin", Data: map[string]string{"channel_id": "C1", "channel_name": "inc-1"}}); err != nil {
			return err
		}
		_, err := tx.Append(dbIncident,
			incident.Event{Type: incident.EventAcknowledged, At: t0.Add(time.Minute), Actor: "U1"},
			incident.Event{Type: incident.EventResolved, At: t0.Add(time.Hour), Actor: "U1", Text: "failed over"})
		return err
	})
	update(t, db, func(tx incident.Tx) error {
		for _, e := range []incident.Effect{
			{Kind: "slack.header", Incident: api, Key: "header:1", Ordered: true, NotBefore: t0.Add(time.Hour), Data: map[string]string{"ts": "1.2"}},
			{Kind: "escalate", Incident: api, Key: "esc:1", Data: map[string]string{"step": "2"}},
			{Kind: "slack.post", Incident: dbIncident, Ordered: true},
		} {
			if err := tx.Enqueue(e); err != nil {
				return err
			}
		}
		return errors.Join(tx.Remember("msg:1", t0), tx.Remember("cmd:T1", t0.Add(time.Second)))
	})
	if err := db.Retry(ctx, 3, t0.Add(2*time.Minute), "rate limited"); err != nil {
		t.Fatal(err)
	}
	if err := db.Unkey(ctx, 2); err != nil { // in flight: its key is free
		t.Fatal(err)
	}
	for k, v := range map[string]string{"digest/last_run": "2026-11-02", "inbox/slack/T9": "{}", "certs/https://sns": "PEM"} {
		if err := db.Put(ctx, k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SaveReview(ctx, api, "# Review"); err != nil {
		t.Fatal(err)
	}
	wantIncs, err := db.Incidents(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(wantIncs) // newest first there, by number here
	wantTimelines := map[incident.ID][]incident.Event{}
	for _, inc := range wantIncs {
		if _, wantTimelines[inc.ID], err = db.Timeline(ctx, inc.ID); err != nil {
			t.Fatal(err)
		}
	}
	wantEffects, err := db.Due(t0.Add(24*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	wantKV, err := db.Scan("")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	got := export(t, path)
	if diff := cmp.Diff(wantIncs, got.Incidents); diff != "" {
		t.Errorf("incidents (-store +exported):\n%s", diff)
	}
	if diff := cmp.Diff(wantTimelines, got.Timelines); diff != "" {
		t.Errorf("timelines (-store +exported):\n%s", diff)
	}
	wantIndexes := []map[string]incident.ID{{"svc:api": api}, {"arn:a": api, "arn:b": api}, {"C1": api}}
	if diff := cmp.Diff(wantIndexes, []map[string]incident.ID{got.OpenKeys, got.Alarms, got.Channels}); diff != "" {
		t.Errorf("open keys, open alarms, channels (-want +exported):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]time.Time{"msg:1": t0, "cmd:T1": t0.Add(time.Second)}, got.Seen); diff != "" {
		t.Errorf("idempotency keys (-want +exported):\n%s", diff)
	}
	// Due lists the three (the ordered ones belong to two incidents), with
	// every field; effect 3 was retried, effect 2 is in flight.
	slices.SortFunc(wantEffects, func(a, b incident.Effect) int { return int(a.ID) - int(b.ID) })
	if diff := cmp.Diff(wantEffects, got.Effects); diff != "" || len(got.Effects) != 3 || got.Effects[2].Attempts != 1 {
		t.Errorf("effects (-store +exported):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]uint64{"header:1": 1}, got.EffectKeys); diff != "" {
		t.Errorf("coalescing keys (-want +exported):\n%s", diff)
	}
	if diff := cmp.Diff(wantKV, got.KV); diff != "" || len(got.KV) != 4 {
		t.Errorf("key-value area (-store +exported):\n%s", diff)
	}

	t.Run("VisitorError", func(t *testing.T) {
		boom := errors.New("boom")
		calls := 0
		err := store.Export(path, store.Visitor{Incident: func(incident.Incident, []incident.Event) error { calls++; return boom }})
		if !errors.Is(err, boom) || calls != 1 {
			t.Errorf("Export = %v after %d calls, want the visitor's error after 1", err, calls)
		}
	})
	t.Run("ErrLocked", func(t *testing.T) {
		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := store.Export(path, store.Visitor{}); !errors.Is(err, store.ErrLocked) {
			t.Errorf("Export of a store tocsin serve holds: err = %v, want ErrLocked", err)
		}
	})
	t.Run("NoFile", func(t *testing.T) {
		if err := store.Export(filepath.Join(t.TempDir(), "absent.db"), store.Visitor{}); err == nil {
			t.Error("Export of a file that does not exist: no error")
		}
	})
}
