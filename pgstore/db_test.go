package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pgstore"
	"github.com/tocsin-dev/tocsin/store/storetest"
)

// opened is the first event of an incident opened by an alarm at t0.
var opened = storetest.Opened

func note(text string) incident.Event {
	return incident.Event{Type: incident.EventNote, At: t0.Add(time.Minute), Actor: "U1", Text: text}
}

func mustOpenIncident(tb testing.TB, db *pgstore.DB, key, arn string) incident.ID {
	tb.Helper()
	return storetest.OpenIncident(tb, db, key, arn).ID
}

func mustAppend(tb testing.TB, db *pgstore.DB, id incident.ID, evs ...incident.Event) {
	tb.Helper()
	err := db.Update(context.Background(), func(tx incident.Tx) error { _, err := tx.Append(id, evs...); return err })
	if err != nil {
		tb.Fatal(err)
	}
}

// Two processes on one database (two replicas, or a restart while the old
// process drains): each one's cache of incidents must notice the other's
// commits, and its indexes must be the database's.
func TestDB_TwoProcesses(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	now := func() time.Time { return t0 }
	a, b := mustOpen(t, dbURL, now), mustOpen(t, dbURL, now)
	ctx := context.Background()
	id := mustOpenIncident(t, a, "svc:api", "arn:a")
	mustAppend(t, a, id, note("a1")) // a's cache now holds the incident
	mustAppend(t, b, id, note("b1")) // which b changes behind its back
	mustAppend(t, a, id, note("a2"))
	var wg sync.WaitGroup
	for w := range 8 {
		db := []*pgstore.DB{a, b}[w%2]
		wg.Go(func() {
			for i := range 5 {
				err := db.Update(ctx, func(tx incident.Tx) error { _, err := tx.Append(id, note(fmt.Sprintf("w%d-%d", w, i))); return err })
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	incA, evsA, err := a.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	incB, evsB, err := b.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := incident.Verify(evsA); err != nil || len(evsA) != 4+40 {
		t.Fatalf("timeline: %d events, %v; want 44 that verify", len(evsA), err)
	}
	if diff := cmp.Diff(incA, incB, cmpopts.EquateEmpty()); diff != "" || len(evsB) != len(evsA) {
		t.Errorf("the two processes disagree (-a +b):\n%s", diff)
	}
	err = b.Update(ctx, func(tx incident.Tx) error {
		inc, err := tx.Incident(id)
		if err != nil {
			return err
		}
		ev, err := inc.Transition(incident.StatusResolved, "U1", t0.Add(time.Hour), "")
		if err != nil {
			return err
		}
		_, err = tx.Append(id, ev)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Update(ctx, func(tx incident.Tx) error {
		if got, ok, err := tx.OpenByKey("svc:api"); ok || err != nil {
			t.Errorf("a finds %d open by key after b resolved it (%v)", got, err)
		}
		inc, err := tx.Incident(id)
		if err != nil {
			return err
		}
		if inc.Open() || inc.Events != 45 {
			t.Errorf("a reads the incident as %s with %d events, want resolved with 45", inc.Status, inc.Events)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// What was committed is there after the store is closed and opened again.
func TestDB_Reopen(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	ctx := context.Background()
	db, err := pgstore.Open(ctx, dbURL, pgstore.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	id := mustOpenIncident(t, db, "svc:api", "arn:a")
	mustAppend(t, db, id, note("before the restart"))
	inc1, evs1, err := db.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2 := mustOpen(t, dbURL, time.Now)
	inc2, evs2, err := db2.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inc1, inc2, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("incident after reopen (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(evs1, evs2); diff != "" {
		t.Errorf("timeline after reopen (-before +after):\n%s", diff)
	}
}

// Two processes' transactions that lock two incidents in opposite orders
// deadlock (one process's own transactions never wait for each other: its
// committer runs one at a time); PostgreSQL aborts one, which runs again,
// and both commit.
func TestDB_RetriesDeadlock(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	now := func() time.Time { return t0 }
	a, b := mustOpen(t, dbURL, now), mustOpen(t, dbURL, now)
	x, y := mustOpenIncident(t, a, "svc:x", "arn:x"), mustOpenIncident(t, a, "svc:y", "arn:y")
	var runs atomic.Int32
	var locked sync.WaitGroup
	locked.Add(2)
	lockBoth := func(db *pgstore.DB, first, second incident.ID) error {
		firstRun := true
		return db.Update(context.Background(), func(tx incident.Tx) error {
			runs.Add(1)
			if _, err := tx.Append(first, note(fmt.Sprintf("%s first", first))); err != nil {
				return err
			}
			if firstRun { // both hold their first lock before either asks for its second
				firstRun = false
				locked.Done()
				locked.Wait()
			}
			_, err := tx.Append(second, note(fmt.Sprintf("%s second", second)))
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = lockBoth(a, x, y) })
	wg.Go(func() { errs[1] = lockBoth(b, y, x) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := runs.Load(); n < 3 {
		t.Errorf("%d runs: no deadlock was resolved by running again", n)
	}
	for _, id := range []incident.ID{x, y} {
		_, evs, err := a.Timeline(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if err := incident.Verify(evs); err != nil || len(evs) != 3 {
			t.Errorf("%s: %d events (%v), want 3 that verify", id, len(evs), err)
		}
	}
}

// A cancelled context stops Update before it writes.
func TestDB_UpdateCancelled(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := db.Update(ctx, func(tx incident.Tx) error { return tx.Remember("msg:1", t0) })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update = %v, want context.Canceled", err)
	}
}
