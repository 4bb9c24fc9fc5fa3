package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
)

// BenchmarkDB_Incidents100k reads 100,000 incidents, each opened by an
// alarm and resolved, the way the dashboard's list and GET /api/incidents
// read them (with their alarms) and the metrics do (Summaries, without).
// The first read after start decodes every record (first-read-ms); later
// ones only what changed (listmemo.go).
func BenchmarkDB_Incidents100k(b *testing.B) {
	db, err := store.Open(filepath.Join(b.TempDir(), "tocsin.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for batch := range 100 {
		err := db.Update(context.Background(), func(tx incident.Tx) error {
			for i := range 1000 {
				n := batch*1000 + i
				at := start.Add(time.Duration(n) * 5 * time.Minute)
				alarm := fmt.Sprintf("service-%d-5xx", n%50)
				inc, err := tx.Open(incident.Event{Type: incident.EventOpened, At: at, Actor: "alarm:" + alarm, Data: map[string]string{
					"title": alarm, "severity": "SEV2", "service": fmt.Sprintf("service-%d", n%50), "source": "alarm",
					"alarm_name": alarm, "alarm_arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + alarm, "state": "ALARM"}})
				if err != nil {
					return err
				}
				if _, err := tx.Append(inc.ID, incident.Event{Type: incident.EventResolved, At: at.Add(time.Hour), Actor: "U0ALICE"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	cold := time.Now()
	if _, err := db.Incidents(context.Background(), false); err != nil { // the first read decodes every record
		b.Fatal(err)
	}
	coldMS := float64(time.Since(cold).Milliseconds())
	b.Run("Incidents", func(b *testing.B) {
		for b.Loop() {
			if incs, err := db.Incidents(context.Background(), false); err != nil || len(incs) != 100_000 {
				b.Fatalf("%d incidents, %v", len(incs), err)
			}
		}
		b.ReportMetric(coldMS, "first-read-ms")
	})
	b.Run("Summaries", func(b *testing.B) {
		for b.Loop() {
			if incs, err := db.Summaries(context.Background()); err != nil || len(incs) != 100_000 {
				b.Fatalf("%d incidents, %v", len(incs), err)
			}
		}
	})
}

// TestDB_IncidentsMemo: a list after a change shows it, alarms included,
// although the list before decoded every incident (listmemo.go); incidents
// that did not change are not decoded again.
func TestDB_IncidentsMemo(t *testing.T) {
	db, _ := MustOpenDB(t)
	a := mustOpenIncident(t, db, "k1", "arn:a")
	b := mustOpenIncident(t, db, "k2", "arn:b")
	first, err := db.Incidents(context.Background(), false)
	if err != nil || len(first) != 2 {
		t.Fatalf("%d incidents, %v", len(first), err)
	}
	err = db.Update(context.Background(), func(tx incident.Tx) error {
		_, err := tx.Append(a, alarmEvent("arn:a2", "ALARM", t0.Add(time.Minute)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.Incidents(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[incident.ID]incident.Incident{}
	for _, inc := range again {
		byID[inc.ID] = inc
	}
	if n := len(byID[a].Alarms); n != 2 || byID[a].Events != 2 {
		t.Errorf("after a new alarm, %s has %d alarms and %d events; want 2 and 2", a, n, byID[a].Events)
	}
	if len(byID[b].Alarms) != 1 || &byID[b].Alarms[0] != &first[0].Alarms[0] && &byID[b].Alarms[0] != &first[1].Alarms[0] {
		t.Errorf("the unchanged %s was decoded again", b)
	}
	sums, _ := db.Summaries(context.Background())
	for _, inc := range sums {
		if inc.Alarms != nil {
			t.Errorf("Summaries gave %s's alarms", inc.ID)
		}
	}
	open, _ := db.Incidents(context.Background(), true)
	if len(open) != 2 || len(open[0].Alarms) == 0 {
		t.Errorf("open incidents: %+v", open)
	}
}
