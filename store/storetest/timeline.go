package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

var timelineBehaviours = []behaviour{
	{"Timeline/OrderAndChain", testTimelineOrderAndChain},
	{"Timeline/OwnWrites", testTimelineOwnWrites},
	{"Timeline/Refusals", testTimelineRefusals},
	{"Timeline/Alarms", testTimelineAlarms},
	{"Timeline/Lists", testTimelineLists},
	{"Timeline/ReadOnlyView", testTimelineReadOnlyView},
	{"Store/WritableAndClose", testWritableAndClose},
}

// checkTimeline fails the test unless the stored timeline of id verifies,
// has n events, and folds into the stored incident.
func checkTimeline(t *testing.T, db Backend, id incident.ID, n int) (incident.Incident, []incident.Event) {
	t.Helper()
	inc, evs, err := db.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n || inc.Events != n {
		t.Fatalf("%s has %d events, says %d; want %d", id, len(evs), inc.Events, n)
	}
	if err := incident.Verify(evs); err != nil {
		t.Fatalf("timeline of %s: %v", id, err)
	}
	replayed, err := incident.Replay(evs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(replayed, inc, equate); diff != "" {
		t.Errorf("stored %s differs from its replayed timeline (-replayed +stored):\n%s", id, diff)
	}
	if inc.LastHash != evs[n-1].Hash {
		t.Errorf("LastHash = %q, want the newest event's %q", inc.LastHash, evs[n-1].Hash)
	}
	one, err := db.Incident(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inc, one, equate); diff != "" {
		t.Errorf("Incident and Timeline disagree about %s (-Timeline +Incident):\n%s", id, diff)
	}
	return inc, evs
}

// Events come back in the order appended, numbered from 1 and chained;
// an event without a time gets the store's clock; a later append chains on.
func testTimelineOrderAndChain(t *testing.T, db Backend) {
	var id incident.ID
	update(t, db, func(tx incident.Tx) error {
		inc, err := tx.Open(Opened("svc:api", arn(1)))
		if err != nil {
			return err
		}
		id = inc.ID
		_, err = tx.Append(id,
			incident.Event{Type: incident.EventAcknowledged, At: T0.Add(time.Minute), Actor: "U1"},
			note("looking", T0.Add(2*time.Minute)),
			note("no time given", time.Time{}))
		return err
	})
	if id == 0 {
		t.Fatal("Open assigned id 0")
	}
	inc, evs := checkTimeline(t, db, id, 4)
	wantTypes := []incident.EventType{incident.EventOpened, incident.EventAcknowledged, incident.EventNote, incident.EventNote}
	for i, e := range evs {
		if e.Seq != i+1 || e.Incident != id || e.Type != wantTypes[i] {
			t.Errorf("event %d = seq %d of %s, %s; want seq %d of %s, %s", i, e.Seq, e.Incident, e.Type, i+1, id, wantTypes[i])
		}
	}
	if !evs[3].At.Equal(T0) {
		t.Errorf("an event without a time got %v, want the store's clock %v", evs[3].At, T0)
	}
	if inc.Status != incident.StatusAcknowledged {
		t.Errorf("status = %s, want acknowledged", inc.Status)
	}
	appendEvents(t, db, id, note("later", T0.Add(time.Hour)))
	_, evs2 := checkTimeline(t, db, id, 5)
	if diff := cmp.Diff(evs, evs2[:4], equate); diff != "" {
		t.Errorf("an append changed earlier events (-before +after):\n%s", diff)
	}
	if evs2[4].PrevHash != evs[3].Hash || evs2[4].Text != "later" {
		t.Errorf("event 5 = %+v, want the note chained after event 4", evs2[4])
	}
	second := OpenIncident(t, db, "svc:db", arn(2))
	if second.ID <= id {
		t.Errorf("the second incident got id %d, want more than %d", second.ID, id)
	}
}

// Inside one transaction, Incident and Events see what it wrote.
func testTimelineOwnWrites(t *testing.T, db Backend) {
	update(t, db, func(tx incident.Tx) error {
		inc, err := tx.Open(Opened("svc:api", arn(1)))
		if err != nil {
			return err
		}
		if _, err := tx.Append(inc.ID, note("one", T0.Add(time.Minute))); err != nil {
			return err
		}
		got, err := tx.Incident(inc.ID)
		if err != nil {
			return err
		}
		evs, err := tx.Events(inc.ID)
		if err != nil {
			return err
		}
		if got.Events != 2 || len(evs) != 2 || evs[1].Text != "one" {
			t.Errorf("inside the transaction: %d events, timeline %+v; want 2 ending with the note", got.Events, evs)
		}
		return nil
	})
}

// What can never be accepted is refused, and a missing incident is
// ErrNotFound.
func testTimelineRefusals(t *testing.T, db Backend) {
	ctx := context.Background()
	err := db.Update(ctx, func(tx incident.Tx) error {
		_, err := tx.Open(note("not an opening", T0))
		return err
	})
	if !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("Open with a note = %v, want ErrInvalid", err)
	}
	if incs, _ := db.Incidents(ctx, false); len(incs) != 0 {
		t.Errorf("a refused Open left incidents: %+v", incs)
	}
	err = db.Update(ctx, func(tx incident.Tx) error {
		_, err := tx.Append(404, note("x", T0))
		return err
	})
	if !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("Append to a missing incident = %v, want ErrNotFound", err)
	}
	if _, err := db.Incident(ctx, 404); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("Incident(404) = %v, want ErrNotFound", err)
	}
	if _, _, err := db.Timeline(ctx, 404); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("Timeline(404) = %v, want ErrNotFound", err)
	}
	view(t, db, func(tx incident.Tx) error {
		evs, err := tx.Events(404)
		if err != nil || len(evs) != 0 {
			t.Errorf("Events(404) = %v, %v; want nothing", evs, err)
		}
		return nil
	})
	inc := OpenIncident(t, db, "svc:api", arn(1))
	same := appendEvents(t, db, inc.ID)
	if diff := cmp.Diff(inc, same, equate); diff != "" {
		t.Errorf("Append of no events changed the incident (-before +after):\n%s", diff)
	}
}

// An incident keeps every alarm linked to it, in the order they joined,
// with each one's latest state.
func testTimelineAlarms(t *testing.T, db Backend) {
	inc := OpenIncident(t, db, "svc:api", arn(0))
	for i := 1; i < 40; i++ {
		appendEvents(t, db, inc.ID, alarmEvent(arn(i), incident.StateAlarm, T0.Add(time.Duration(i)*time.Second)))
	}
	appendEvents(t, db, inc.ID, alarmEvent(arn(7), incident.StateOK, T0.Add(time.Hour)),
		alarmEvent(arn(0), incident.StateOK, T0.Add(time.Hour)))
	got, _ := checkTimeline(t, db, inc.ID, 42)
	if len(got.Alarms) != 40 {
		t.Fatalf("%d alarms linked, want 40", len(got.Alarms))
	}
	for i, a := range got.Alarms {
		want := incident.StateAlarm
		if i == 0 || i == 7 {
			want = incident.StateOK
		}
		if a.ARN != arn(i) || a.State != want {
			t.Errorf("alarm %d = %s %s, want %s %s", i, a.ARN, a.State, arn(i), want)
		}
	}
}

// Incidents lists newest first, with alarms, optionally only the open ones;
// Summaries lists them all without alarms.
func testTimelineLists(t *testing.T, db Backend) {
	ctx := context.Background()
	a := OpenIncident(t, db, "svc:a", arn(1))
	b := OpenIncident(t, db, "svc:b", arn(2))
	c := OpenIncident(t, db, "svc:c", arn(3))
	appendEvents(t, db, c.ID, alarmEvent(arn(4), incident.StateAlarm, T0.Add(time.Minute)))
	move(t, db, b.ID, incident.StatusResolved, T0.Add(time.Hour))
	ids := func(incs []incident.Incident) []incident.ID {
		out := make([]incident.ID, len(incs))
		for i, inc := range incs {
			out[i] = inc.ID
		}
		return out
	}
	all, err := db.Incidents(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]incident.ID{c.ID, b.ID, a.ID}, ids(all)); diff != "" {
		t.Errorf("Incidents(all) (-want +got):\n%s", diff)
	}
	if len(all) == 3 && (len(all[0].Alarms) != 2 || len(all[2].Alarms) != 1) {
		t.Errorf("Incidents lost alarms: %d and %d, want 2 and 1", len(all[0].Alarms), len(all[2].Alarms))
	}
	open, err := db.Incidents(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]incident.ID{c.ID, a.ID}, ids(open)); diff != "" {
		t.Errorf("Incidents(open) (-want +got):\n%s", diff)
	}
	sums, err := db.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]incident.ID{c.ID, b.ID, a.ID}, ids(sums)); diff != "" {
		t.Errorf("Summaries (-want +got):\n%s", diff)
	}
	for i := range sums {
		if sums[i].Alarms != nil {
			t.Errorf("summary of %s has alarms", sums[i].ID)
		}
		if i < len(all) {
			full := all[i]
			full.Alarms = nil
			if diff := cmp.Diff(full, sums[i], equate); diff != "" {
				t.Errorf("summary of %s differs from the incident (-incident +summary):\n%s", full.ID, diff)
			}
		}
	}
}

// A read-only transaction reads, and refuses every write.
func testTimelineReadOnlyView(t *testing.T, db Backend) {
	inc := OpenIncident(t, db, "svc:api", arn(1))
	writes := map[string]func(tx incident.Tx) error{
		"Open":     func(tx incident.Tx) error { _, err := tx.Open(Opened("svc:x", arn(2))); return err },
		"Append":   func(tx incident.Tx) error { _, err := tx.Append(inc.ID, note("x", T0)); return err },
		"Remember": func(tx incident.Tx) error { return tx.Remember("msg:x", T0) },
		"Enqueue":  func(tx incident.Tx) error { return tx.Enqueue(post(inc.ID, "x")) },
	}
	for name, fn := range writes {
		if err := db.View(fn); err == nil {
			t.Errorf("%s in View succeeded", name)
		}
	}
	checkTimeline(t, db, inc.ID, 1)
	if seen(t, db, "msg:x") || db.Pending() != 0 {
		t.Error("a write in View was kept")
	}
}

// Writable commits a write; after Close nothing is written.
func testWritableAndClose(t *testing.T, db Backend) {
	ctx := context.Background()
	if err := db.Writable(ctx); err != nil {
		t.Fatalf("Writable = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := db.Update(ctx, func(tx incident.Tx) error { return tx.Remember("msg:late", T0) }); err == nil {
		t.Error("Update after Close succeeded")
	}
	if err := db.Writable(ctx); err == nil {
		t.Error("Writable after Close succeeded")
	}
}
