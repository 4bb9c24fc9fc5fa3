package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
)

func alarmEvent(arn, state string, at time.Time) incident.Event {
	return incident.Event{Type: incident.EventAlarm, At: at, Actor: "alarm", Data: map[string]string{
		"alarm_arn": arn, "alarm_name": arn, "state": state, "changed_at": incident.FormatTime(at)}}
}

// rawIncident reads an incident's record and the number of entries in its
// nested alarm and event buckets straight from the file.
func rawIncident(t *testing.T, path string, id incident.ID) (record map[string]any, alarms, events int) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key := []byte{0, 0, 0, 0, 0, 0, 0, byte(id)}
	b.View(func(tx *bolt.Tx) error {
		json.Unmarshal(tx.Bucket([]byte("incidents")).Get(key), &record)
		if ab := tx.Bucket([]byte("alarms")).Bucket(key); ab != nil {
			alarms = ab.Stats().KeyN
		}
		if eb := tx.Bucket([]byte("events")).Bucket(key); eb != nil {
			events = eb.Stats().KeyN
		}
		return nil
	})
	return record, alarms, events
}

// The incident record holds neither alarms nor events: each lives in the
// incident's own nested bucket, and the incident read back is whole.
func TestLayout_AlarmsAndEventsOutsideTheRecord(t *testing.T) {
	db, path := MustOpenDB(t)
	ctx := context.Background()
	id := mustOpenIncident(t, db, "g", "arn:a")
	for i := range 20 { // 10 alarms join, then each changes once
		ev := alarmEvent(fmt.Sprintf("arn:%d", i%10), []string{"ALARM", "OK"}[i/10], t0.Add(time.Duration(i+1)*time.Second))
		if err := db.Update(ctx, func(tx incident.Tx) error { _, err := tx.Append(id, ev); return err }); err != nil {
			t.Fatal(err)
		}
	}
	inc, evs, err := db.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	replayed, err := incident.Replay(evs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(replayed, inc); diff != "" {
		t.Errorf("stored incident differs from its replayed timeline (-replay +stored):\n%s", diff)
	}
	if len(inc.Alarms) != 11 || inc.Alarms[1].ARN != "arn:0" || inc.Alarms[1].State != incident.StateOK {
		t.Errorf("alarms = %+v; want arn:a then arn:0..9 in joining order, recovered", inc.Alarms)
	}
	sums, err := db.Summaries(ctx)
	inc.Alarms = nil
	if err != nil || len(sums) != 1 || !cmp.Equal(sums[0], inc) {
		t.Errorf("Summaries = %+v, %v; want the incident without its alarms", sums, err)
	}
	db.Close()
	record, alarms, events := rawIncident(t, path, id)
	if _, ok := record["alarms"]; ok || record["title"] != "api 5xx" {
		t.Errorf("record = %v; want the incident without its alarms", record)
	}
	if alarms != 11 || events != 21 {
		t.Errorf("nested buckets hold %d alarms and %d events; want 11 and 21", alarms, events)
	}
}

// UpdateOne and group commits share the committer's cache of open
// incidents: whichever path wrote last, the next write and every read see it.
func TestLayout_CacheSeesEveryWritePath(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	id := mustOpenIncident(t, db, "g", "arn:a")
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			update := db.Update
			if i%3 == 0 {
				update = db.UpdateOne
			}
			ev := alarmEvent(fmt.Sprintf("arn:%d", i), "ALARM", t0.Add(time.Second))
			if err := update(ctx, func(tx incident.Tx) error { _, err := tx.Append(id, ev); return err }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	inc, evs, err := db.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 41 || inc.Events != 41 || len(inc.Alarms) != 41 {
		t.Fatalf("events %d, incident says %d, alarms %d; want 41, 41, 41", len(evs), inc.Events, len(inc.Alarms))
	}
	if err := incident.Verify(evs); err != nil {
		t.Errorf("hash chain: %v", err)
	}
}

// A version-2 file (flat events keyed id ‖ seq, alarms inside the record)
// migrates to version 3 with nothing lost, and the chain still verifies.
func TestOpen_MigrateV2toV3(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	var want []incident.Event
	b, _ := bolt.Open(path, 0o600, nil)
	err := b.Update(func(tx *bolt.Tx) error {
		if err := store.CreateV1Buckets(tx); err != nil {
			return err
		}
		tx.CreateBucket([]byte("channels"))
		tx.CreateBucket([]byte("outbox_keys"))
		tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte{0, 0, 0, 0, 0, 0, 0, 2})
		for id := uint64(1); id <= 2; id++ {
			var inc incident.Incident
			for seq, e := range []incident.Event{opened(fmt.Sprint("g", id), fmt.Sprint("arn:", id)),
				alarmEvent("arn:x", "ALARM", t0.Add(time.Minute))} {
				e.Chain(incident.ID(id), inc.Events, inc.LastHash)
				if err := inc.Apply(e); err != nil {
					return err
				}
				v, _ := json.Marshal(e)
				key := append([]byte{0, 0, 0, 0, 0, 0, 0, byte(id)}, 0, 0, 0, 0, 0, 0, 0, byte(seq+1))
				tx.Bucket([]byte("events")).Put(key, v)
				if id == 2 {
					want = append(want, e)
				}
			}
			inc.ID = incident.ID(id)
			v, _ := json.Marshal(inc)
			tx.Bucket([]byte("incidents")).Put([]byte{0, 0, 0, 0, 0, 0, 0, byte(id)}, v)
		}
		return nil
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, store.Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "cannot migrate") {
		t.Errorf("read-only open of a v2 file: err = %v; want one saying it cannot migrate", err)
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inc, evs, err := db.Timeline(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, evs); diff != "" {
		t.Errorf("events after migration (-want +got):\n%s", diff)
	}
	if len(inc.Alarms) != 2 || inc.Alarms[1].ARN != "arn:x" {
		t.Errorf("alarms after migration = %+v", inc.Alarms)
	}
	err = db.Update(context.Background(), func(tx incident.Tx) error {
		_, err := tx.Append(2, alarmEvent("arn:y", "ALARM", t0.Add(2*time.Minute)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, evs, _ := db.Timeline(context.Background(), 2); incident.Verify(evs) != nil || len(evs) != 3 {
		t.Errorf("append after migration: %d events, verify %v", len(evs), incident.Verify(evs))
	}
}
