package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

var indexBehaviours = []behaviour{
	{"Index/InStepWithStatus", testIndexInStepWithStatus},
	{"Index/FirstHolderKeeps", testIndexFirstHolderKeeps},
	{"Index/CountOpenKeys", testIndexCountOpenKeys},
	{"Index/Channels", testIndexChannels},
	{"Index/Idempotency", testIndexIdempotency},
}

// An open incident is found by its group key and by each alarm linked to
// it; resolving lets them go, reopening takes them back, and an alarm
// linked while resolved is indexed when the incident reopens.
func testIndexInStepWithStatus(t *testing.T, db Backend) {
	inc := OpenIncident(t, db, "svc:api", arn(1))
	wantOpenByKey(t, db, "svc:api", inc.ID)
	wantOpenByAlarm(t, db, arn(1), inc.ID)
	wantOpenByKey(t, db, "svc:none", 0)
	wantOpenByKey(t, db, "", 0)
	wantOpenByAlarm(t, db, "", 0)

	appendEvents(t, db, inc.ID, alarmEvent(arn(2), incident.StateAlarm, T0.Add(time.Minute)))
	wantOpenByAlarm(t, db, arn(2), inc.ID)
	move(t, db, inc.ID, incident.StatusAcknowledged, T0.Add(2*time.Minute))
	move(t, db, inc.ID, incident.StatusMitigated, T0.Add(3*time.Minute))
	wantOpenByKey(t, db, "svc:api", inc.ID)
	wantARNs(t, db, arn(1), arn(2))

	move(t, db, inc.ID, incident.StatusResolved, T0.Add(4*time.Minute))
	wantOpenByKey(t, db, "svc:api", 0)
	wantOpenByAlarm(t, db, arn(1), 0)
	wantARNs(t, db)
	appendEvents(t, db, inc.ID, alarmEvent(arn(3), incident.StateAlarm, T0.Add(5*time.Minute)))
	wantOpenByAlarm(t, db, arn(3), 0)

	move(t, db, inc.ID, incident.StatusAcknowledged, T0.Add(6*time.Minute)) // reopen
	wantOpenByKey(t, db, "svc:api", inc.ID)
	wantOpenByAlarm(t, db, arn(1), inc.ID)
	wantARNs(t, db, arn(1), arn(2), arn(3))

	move(t, db, inc.ID, incident.StatusResolved, T0.Add(7*time.Minute))
	move(t, db, inc.ID, incident.StatusClosed, T0.Add(8*time.Minute))
	wantOpenByKey(t, db, "svc:api", 0)
	wantARNs(t, db)
	checkTimeline(t, db, inc.ID, 9)
}

// A second open incident with a key or alarm another open incident holds
// does not take it; when the holder resolves the index is empty, and the
// holder takes it back when it reopens.
func testIndexFirstHolderKeeps(t *testing.T, db Backend) {
	a := OpenIncident(t, db, "svc:api", arn(1))
	b := OpenIncident(t, db, "svc:api", arn(1))
	wantOpenByKey(t, db, "svc:api", a.ID)
	wantOpenByAlarm(t, db, arn(1), a.ID)
	appendEvents(t, db, b.ID, alarmEvent(arn(2), incident.StateAlarm, T0.Add(time.Minute)))
	wantOpenByAlarm(t, db, arn(2), b.ID)

	move(t, db, a.ID, incident.StatusResolved, T0.Add(time.Hour))
	wantOpenByKey(t, db, "svc:api", 0)
	wantOpenByAlarm(t, db, arn(1), 0)
	wantARNs(t, db, arn(2))

	move(t, db, a.ID, incident.StatusAcknowledged, T0.Add(2*time.Hour))
	wantOpenByKey(t, db, "svc:api", a.ID)
	wantOpenByAlarm(t, db, arn(1), a.ID)
	wantARNs(t, db, arn(1), arn(2))
}

// CountOpenKeys counts the open incidents whose key has a prefix, up to a
// limit.
func testIndexCountOpenKeys(t *testing.T, db Backend) {
	ids := map[string]incident.ID{}
	for i, key := range []string{"pb:x:1", "pb:x:2", "pb:x:3", "pb:y:1", "pbz"} {
		ids[key] = OpenIncident(t, db, key, arn(i)).ID
	}
	count := func(prefix string, limit int) int {
		t.Helper()
		var n int
		view(t, db, func(tx incident.Tx) error {
			var err error
			n, err = tx.CountOpenKeys(prefix, limit)
			return err
		})
		return n
	}
	for _, c := range []struct {
		prefix string
		limit  int
		want   int
	}{{"pb:x:", 10, 3}, {"pb:x:", 2, 2}, {"pb:x:", 0, 0}, {"pb:", 10, 4}, {"", 10, 5}, {"pb:q", 10, 0}} {
		if got := count(c.prefix, c.limit); got != c.want {
			t.Errorf("CountOpenKeys(%q, %d) = %d, want %d", c.prefix, c.limit, got, c.want)
		}
	}
	move(t, db, ids["pb:x:2"], incident.StatusResolved, T0.Add(time.Hour))
	if got := count("pb:x:", 10); got != 2 {
		t.Errorf("CountOpenKeys after a resolve = %d, want 2", got)
	}
}

// A channel leads to its incident, inside a transaction and out, whatever
// the incident's status.
func testIndexChannels(t *testing.T, db Backend) {
	ctx := context.Background()
	inc := OpenIncident(t, db, "svc:api", arn(1))
	other := OpenIncident(t, db, "svc:db", arn(2))
	appendEvents(t, db, inc.ID, incident.Event{Type: incident.EventChannel, At: T0.Add(time.Minute), Actor: "tocsin",
		Data: map[string]string{"channel_id": "C0001", "channel_name": "inc-1-api"}})
	appendEvents(t, db, other.ID, incident.Event{Type: incident.EventChannel, At: T0.Add(time.Minute), Actor: "tocsin",
		Data: map[string]string{"channel_id": "C0002", "channel_name": "inc-2-db"}})
	check := func(channel string, want incident.ID) {
		t.Helper()
		got, ok, err := db.ByChannel(ctx, channel)
		if err != nil || ok != (want != 0) || got != want {
			t.Errorf("ByChannel(%q) = %d, %t, %v; want %d", channel, got, ok, err, want)
		}
		got, ok = lookup(t, db, func(tx incident.Tx) (incident.ID, bool, error) { return tx.ByChannel(channel) })
		if ok != (want != 0) || got != want {
			t.Errorf("tx.ByChannel(%q) = %d, %t; want %d", channel, got, ok, want)
		}
	}
	check("C0001", inc.ID)
	check("C0002", other.ID)
	check("C9999", 0)
	check("", 0)
	move(t, db, inc.ID, incident.StatusResolved, T0.Add(time.Hour))
	check("C0001", inc.ID)
}

// An idempotency key, once remembered, is seen by the same transaction and
// every later one; an empty key is refused.
func testIndexIdempotency(t *testing.T, db Backend) {
	update(t, db, func(tx incident.Tx) error {
		if ok, err := tx.Seen("msg:1"); err != nil || ok {
			t.Errorf("Seen(msg:1) before Remember = %t, %v", ok, err)
		}
		if err := tx.Remember("msg:1", T0); err != nil {
			return err
		}
		if ok, err := tx.Seen("msg:1"); err != nil || !ok {
			t.Errorf("Seen(msg:1) after Remember in the same transaction = %t, %v", ok, err)
		}
		return tx.Remember("msg:1", T0.Add(time.Second)) // remembering again is no error
	})
	if !seen(t, db, "msg:1") || seen(t, db, "msg:2") {
		t.Error("after commit: want msg:1 seen and msg:2 not")
	}
	err := db.Update(context.Background(), func(tx incident.Tx) error { return tx.Remember("", T0) })
	if !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("Remember(\"\") = %v, want ErrInvalid", err)
	}
}
