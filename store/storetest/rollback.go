package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

var rollbackBehaviours = []behaviour{
	{"Rollback/Everything", testRollbackEverything},
}

// A transaction whose function fails leaves nothing behind: no incident,
// event, index entry, idempotency key or outbox change; and the next
// transaction builds on what was committed, not on what was rolled back.
func testRollbackEverything(t *testing.T, db Backend) {
	ctx := context.Background()
	base := OpenIncident(t, db, "svc:api", arn(1))
	esc := post(base.ID, "escalate")
	esc.Kind, esc.NotBefore = "escalate", T0.Add(time.Hour)
	enqueue(t, db, esc, keyed("refresh"))
	before, beforeEvs, _ := db.Timeline(ctx, base.ID)
	beforeDue := due(t, db, T0.Add(2*time.Hour), 10)

	var fresh incident.ID
	err := db.Update(ctx, func(tx incident.Tx) error {
		inc, err := tx.Open(Opened("svc:new", arn(2)))
		if err != nil {
			return err
		}
		fresh = inc.ID
		cur, err := tx.Incident(base.ID)
		if err != nil {
			return err
		}
		resolve, err := cur.Transition(incident.StatusResolved, "U1", T0.Add(time.Minute), "")
		if err != nil {
			return err
		}
		if _, err := tx.Append(base.ID, alarmEvent(arn(3), incident.StateAlarm, T0.Add(time.Minute)), resolve); err != nil {
			return err
		}
		if err := tx.Remember("msg:rolled-back", T0); err != nil {
			return err
		}
		if _, err := tx.Cancel(base.ID, "escalate"); err != nil {
			return err
		}
		if err := tx.Complete(beforeDue[1].ID); err != nil {
			return err
		}
		if err := tx.Enqueue(post(base.ID, "rolled back")); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	after, afterEvs, err := db.Timeline(ctx, base.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after, equate); diff != "" {
		t.Errorf("the incident changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(beforeEvs, afterEvs, equate); diff != "" {
		t.Errorf("the timeline changed (-before +after):\n%s", diff)
	}
	if _, err := db.Incident(ctx, fresh); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("the incident opened by the failed transaction: %v, want ErrNotFound", err)
	}
	wantOpenByKey(t, db, "svc:api", base.ID)
	wantOpenByKey(t, db, "svc:new", 0)
	wantOpenByAlarm(t, db, arn(1), base.ID)
	wantARNs(t, db, arn(1))
	if seen(t, db, "msg:rolled-back") {
		t.Error("the idempotency key of the failed transaction was kept")
	}
	if diff := cmp.Diff(beforeDue, due(t, db, T0.Add(2*time.Hour), 10), equate); diff != "" {
		t.Errorf("the outbox changed (-before +after):\n%s", diff)
	}
	enqueue(t, db, keyed("coalesced")) // the key is still held by the committed refresh
	if n := db.Pending(); n != 2 {
		t.Errorf("Pending = %d, want 2", n)
	}
	appendEvents(t, db, base.ID, note("after the rollback", T0.Add(2*time.Minute)))
	got, _ := checkTimeline(t, db, base.ID, 2)
	if len(got.Alarms) != 1 || !got.Open() {
		t.Errorf("the next transaction built on the rolled-back state: %+v", got)
	}
	if next := OpenIncident(t, db, "svc:next", arn(4)); next.ID <= base.ID {
		t.Errorf("the next incident got id %d, want more than %d", next.ID, base.ID)
	}
}
