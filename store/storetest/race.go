package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

var raceBehaviours = []behaviour{
	{"Race/AppendsToOneIncident", testRaceAppends},
	{"Race/OpenByKeyOrOpen", testRaceOpen},
	{"Race/Redelivery", testRaceRedelivery},
}

// writers is how many goroutines write at once in the races.
const writers = 16

// race runs fn from writers goroutines at once and fails the test with the
// errors they return.
func race(t *testing.T, fn func(w int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			if err := fn(w); err != nil {
				errs <- fmt.Errorf("writer %d: %w", w, err)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Sixteen writers appending to one incident: every event lands once and
// the chain verifies.
func testRaceAppends(t *testing.T, db Backend) {
	const each = 8
	inc := OpenIncident(t, db, "svc:api", arn(1))
	race(t, func(w int) error {
		for i := range each {
			err := db.Update(context.Background(), func(tx incident.Tx) error {
				_, err := tx.Append(inc.ID, note(fmt.Sprintf("w%d-%d", w, i), T0.Add(time.Minute)))
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	_, evs := checkTimeline(t, db, inc.ID, 1+writers*each)
	count := map[string]int{}
	for _, e := range evs[1:] {
		count[e.Text]++
	}
	for w := range writers {
		for i := range each {
			if n := count[fmt.Sprintf("w%d-%d", w, i)]; n != 1 {
				t.Errorf("note w%d-%d is on the timeline %d times", w, i, n)
			}
		}
	}
}

// Sixteen notifications from four alarms of one group at once, each
// finding the open incident by alarm or key or opening it, as the engine
// does: one incident, the four alarms linked, every notification on the
// timeline, one coalesced refresh.
func testRaceOpen(t *testing.T, db Backend) {
	const alarms = 4
	ctx := context.Background()
	race(t, func(w int) error {
		return db.Update(ctx, func(tx incident.Tx) error {
			a := arn(w % alarms)
			id, ok, err := tx.OpenByAlarm(a)
			if err == nil && !ok {
				id, ok, err = tx.OpenByKey("svc:race")
			}
			if err != nil {
				return err
			}
			var inc incident.Incident
			if ok {
				inc, err = tx.Append(id, alarmEvent(a, incident.StateAlarm, T0.Add(time.Duration(w)*time.Second)))
			} else {
				inc, err = tx.Open(Opened("svc:race", a))
			}
			if err != nil {
				return err
			}
			return tx.Enqueue(incident.Effect{Kind: "slack.update", Incident: inc.ID, Key: fmt.Sprintf("update:%d", inc.ID)})
		})
	})
	incs, err := db.Incidents(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 1 {
		t.Fatalf("%d incidents for one group, want 1", len(incs))
	}
	checkTimeline(t, db, incs[0].ID, writers)
	if n := len(incs[0].Alarms); n != alarms {
		t.Errorf("%d alarms linked, want %d", n, alarms)
	}
	wantARNs(t, db, arn(0), arn(1), arn(2), arn(3))
	if n := db.Pending(); n != 1 {
		t.Errorf("Pending = %d, want the one coalesced refresh", n)
	}
}

// Sixteen deliveries of one message at once: the first one counts, the
// others find its idempotency key.
func testRaceRedelivery(t *testing.T, db Backend) {
	inc := OpenIncident(t, db, "svc:api", arn(1))
	race(t, func(w int) error {
		return db.Update(context.Background(), func(tx incident.Tx) error {
			if ok, err := tx.Seen("msg:dup"); err != nil || ok {
				return err
			}
			if err := tx.Remember("msg:dup", T0); err != nil {
				return err
			}
			_, err := tx.Append(inc.ID, note(fmt.Sprintf("delivery %d", w), T0.Add(time.Minute)))
			return err
		})
	})
	checkTimeline(t, db, inc.ID, 2)
}
