package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pgstore"
)

// listen runs db.Listen until the test ends and returns its wakes.
func listen(t *testing.T, db *pgstore.DB) <-chan struct{} {
	t.Helper()
	wakes := make(chan struct{}, 64)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := db.Listen(ctx, func() {
			select {
			case wakes <- struct{}{}:
			default:
				t.Error("more than 64 wakes")
			}
		}); err != nil {
			t.Errorf("Listen = %v, want nil when its context ends", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return wakes
}

// awaitWake waits up to 10 s for a wake.
func awaitWake(t *testing.T, wakes <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-wakes:
	case <-time.After(10 * time.Second):
		t.Fatalf("no wake within 10 s: %s", what)
	}
}

// Another replica's commit that enqueues an effect wakes the listener, and
// so the leader's worker; a deployment in another schema of the same
// database does not; a listener whose session ends listens again.
func TestDB_Listen(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	now := func() time.Time { return t0 }
	leader, replica := mustOpen(t, dbURL, now), mustOpen(t, dbURL, now)
	wakes := listen(t, leader)
	awaitWake(t, wakes, "when it began listening")

	t.Run("AfterEnqueue", func(t *testing.T) {
		mustEnqueue(t, replica, incident.Effect{Kind: "slack.post", Key: "a"})
		awaitWake(t, wakes, "after another handle enqueued")
	})

	t.Run("OtherSchema", func(t *testing.T) {
		other := MustOpenDB(t)
		otherWakes := listen(t, other)
		awaitWake(t, otherWakes, "when the other schema's listener began")
		mustEnqueue(t, other, incident.Effect{Kind: "slack.post", Key: "b"})
		awaitWake(t, otherWakes, "after the other schema's enqueue")
		// Notifications reach every listener in commit order, the other
		// schema's before this one's. Had the other's woken this listener,
		// this one's would be a second wake, milliseconds behind the
		// first. Waiting half a second for it can miss it only on a very
		// slow machine, and cannot fail when there is none.
		mustEnqueue(t, replica, incident.Effect{Kind: "slack.post", Key: "c"})
		awaitWake(t, wakes, "after this schema's enqueue")
		select {
		case <-wakes:
			t.Error("two wakes for one enqueue: the other schema's effect woke this listener")
		case <-time.After(500 * time.Millisecond):
		}
	})

	t.Run("Reconnects", func(t *testing.T) {
		terminate(t, dbURL, "tocsin listener "+schemaOf(t, dbURL))
		awaitWake(t, wakes, "when it listened again")
		mustEnqueue(t, replica, incident.Effect{Kind: "slack.post", Key: "d"})
		awaitWake(t, wakes, "after an enqueue, listening again")
	})
}
