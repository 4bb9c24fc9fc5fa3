package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/incident"
)

// errBoom is the failure of a transaction function that must roll back.
var errBoom = errors.New("boom")

// equate compares what a store returns with what the suite expects: a map
// or slice left empty after a fold and one absent after a round trip
// through JSON are the same to every reader.
var equate = cmpopts.EquateEmpty()

// update runs fn in a transaction and fails the test if it fails.
func update(t testing.TB, db Backend, fn func(tx incident.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// view runs fn in a read-only transaction and fails the test if it fails.
func view(t *testing.T, db Backend, fn func(tx incident.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatal(err)
	}
}

// Opened is the first event of an incident opened by an alarm at T0, with
// a group key and the alarm's ARN; the backends' own tests use it too.
func Opened(key, arn string) incident.Event {
	return incident.Event{Type: incident.EventOpened, At: T0, Actor: "alarm", Data: map[string]string{
		"title": "api 5xx", "severity": "SEV2", "service": "api", "group_key": key, "source": "alarm",
		"alarm_arn": arn, "alarm_name": "api-5xx", "state": "ALARM", "changed_at": incident.FormatTime(T0)}}
}

// alarmEvent is an alarm state change of arn at at.
func alarmEvent(arn string, state incident.State, at time.Time) incident.Event {
	return incident.Event{Type: incident.EventAlarm, At: at, Actor: "alarm", Data: map[string]string{
		"alarm_arn": arn, "alarm_name": arn, "state": string(state), "changed_at": incident.FormatTime(at)}}
}

// note is a note on the timeline.
func note(text string, at time.Time) incident.Event {
	return incident.Event{Type: incident.EventNote, At: at, Actor: "U1", Text: text}
}

// OpenIncident opens an incident with a group key and an alarm, failing
// the test if it cannot.
func OpenIncident(t testing.TB, db Backend, key, arn string) incident.Incident {
	t.Helper()
	var inc incident.Incident
	update(t, db, func(tx incident.Tx) error {
		var err error
		inc, err = tx.Open(Opened(key, arn))
		return err
	})
	return inc
}

// appendEvents appends events to an incident in one transaction.
func appendEvents(t *testing.T, db Backend, id incident.ID, evs ...incident.Event) incident.Incident {
	t.Helper()
	var inc incident.Incident
	update(t, db, func(tx incident.Tx) error {
		var err error
		inc, err = tx.Append(id, evs...)
		return err
	})
	return inc
}

// move moves an incident to a status as a person would.
func move(t *testing.T, db Backend, id incident.ID, to incident.Status, at time.Time) incident.Incident {
	t.Helper()
	var inc incident.Incident
	update(t, db, func(tx incident.Tx) error {
		cur, err := tx.Incident(id)
		if err != nil {
			return err
		}
		ev, err := cur.Transition(to, "U1", at, "")
		if err != nil {
			return err
		}
		inc, err = tx.Append(id, ev)
		return err
	})
	return inc
}

// enqueue adds effects to the outbox in one transaction.
func enqueue(t *testing.T, db Backend, effs ...incident.Effect) {
	t.Helper()
	update(t, db, func(tx incident.Tx) error {
		for _, e := range effs {
			if err := tx.Enqueue(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// due returns what Due returns at now, failing the test on an error.
func due(t *testing.T, db Backend, now time.Time, limit int) []incident.Effect {
	t.Helper()
	effs, err := db.Due(now, limit)
	if err != nil {
		t.Fatal(err)
	}
	return effs
}

// texts lists the "text" datum of each effect, to compare outboxes by eye.
func texts(effs []incident.Effect) []string {
	out := make([]string, len(effs))
	for i, e := range effs {
		out[i] = e.Data["text"]
	}
	return out
}

// wantTexts fails the test unless the effects carry the given texts, in order.
func wantTexts(t *testing.T, what string, effs []incident.Effect, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, texts(effs), equate); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

// post is an effect named by its text.
func post(id incident.ID, text string) incident.Effect {
	return incident.Effect{Kind: "slack.post", Incident: id, Data: map[string]string{"text": text}}
}

// lookup runs one of the Tx lookups in a read-only transaction.
func lookup(t *testing.T, db Backend, fn func(tx incident.Tx) (incident.ID, bool, error)) (incident.ID, bool) {
	t.Helper()
	var id incident.ID
	var ok bool
	view(t, db, func(tx incident.Tx) error {
		var err error
		id, ok, err = fn(tx)
		return err
	})
	return id, ok
}

// wantOpenByKey fails the test unless the open incident with key is want
// (0: none).
func wantOpenByKey(t *testing.T, db Backend, key string, want incident.ID) {
	t.Helper()
	got, ok := lookup(t, db, func(tx incident.Tx) (incident.ID, bool, error) { return tx.OpenByKey(key) })
	if ok != (want != 0) || got != want {
		t.Errorf("OpenByKey(%q) = %d, %t; want %d", key, got, ok, want)
	}
}

// wantOpenByAlarm fails the test unless the open incident arn is linked to
// is want (0: none).
func wantOpenByAlarm(t *testing.T, db Backend, arn string, want incident.ID) {
	t.Helper()
	got, ok := lookup(t, db, func(tx incident.Tx) (incident.ID, bool, error) { return tx.OpenByAlarm(arn) })
	if ok != (want != 0) || got != want {
		t.Errorf("OpenByAlarm(%q) = %d, %t; want %d", arn, got, ok, want)
	}
}

// wantARNs fails the test unless OpenAlarmARNs lists exactly want, in order.
func wantARNs(t *testing.T, db Backend, want ...string) {
	t.Helper()
	got, err := db.OpenAlarmARNs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, equate); diff != "" {
		t.Errorf("OpenAlarmARNs (-want +got):\n%s", diff)
	}
}

// seen reports whether an idempotency key is recorded.
func seen(t *testing.T, db Backend, key string) bool {
	t.Helper()
	var ok bool
	view(t, db, func(tx incident.Tx) error {
		var err error
		ok, err = tx.Seen(key)
		return err
	})
	return ok
}

// arn names the n-th alarm of a test.
func arn(n int) string {
	return fmt.Sprintf("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a%02d", n)
}
