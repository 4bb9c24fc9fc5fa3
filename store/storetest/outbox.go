package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

var outboxBehaviours = []behaviour{
	{"Outbox/DueByNotBefore", testOutboxDueByNotBefore},
	{"Outbox/Coalescing", testOutboxCoalescing},
	{"Outbox/Unkey", testOutboxUnkey},
	{"Outbox/Retry", testOutboxRetry},
	{"Outbox/CancelAndComplete", testOutboxCancelAndComplete},
	{"Outbox/Ordered", testOutboxOrdered},
}

// An effect is due once its NotBefore has come (to the nanosecond); due
// effects come oldest first, up to the limit; the store numbers them and
// stamps CreatedAt.
func testOutboxDueByNotBefore(t *testing.T, db Backend) {
	later, sooner, now := post(1, "later"), post(1, "sooner"), post(2, "now")
	later.NotBefore, sooner.NotBefore = T0.Add(10*time.Minute), T0.Add(5*time.Minute)
	later.Kind, sooner.Kind = "escalate", "escalate"
	enqueue(t, db, later, sooner, now)
	if n := db.Pending(); n != 3 {
		t.Errorf("Pending = %d, want 3", n)
	}
	got := due(t, db, T0, 10)
	wantTexts(t, "due at T0", got, "now")
	if len(got) == 1 {
		want := now
		want.ID, want.CreatedAt = got[0].ID, T0
		if diff := cmp.Diff(want, got[0], equate); diff != "" || got[0].ID == 0 {
			t.Errorf("due effect (-want +got):\n%s", diff)
		}
	}
	wantTexts(t, "due a nanosecond early", due(t, db, T0.Add(5*time.Minute-time.Nanosecond), 10), "now")
	wantTexts(t, "due at the sooner one's time", due(t, db, T0.Add(5*time.Minute), 10), "sooner", "now")
	all := due(t, db, T0.Add(time.Hour), 10)
	wantTexts(t, "due later", all, "later", "sooner", "now")
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Errorf("due not oldest first: ids %d then %d", all[i-1].ID, all[i].ID)
		}
	}
	wantTexts(t, "due with limit 2", due(t, db, T0.Add(time.Hour), 2), "later", "sooner")
}

// keyed is the coalesced header refresh of incident 1.
func keyed(text string) incident.Effect {
	e := post(1, text)
	e.Kind, e.Key = "slack.update", "update:1"
	return e
}

// Effects with the Key of a pending effect are dropped, until that one is
// completed or cancelled.
func testOutboxCoalescing(t *testing.T, db Backend) {
	update(t, db, func(tx incident.Tx) error {
		for _, text := range []string{"first", "second", "third"} {
			if err := tx.Enqueue(keyed(text)); err != nil {
				return err
			}
		}
		return nil
	})
	enqueue(t, db, keyed("fourth")) // a later transaction coalesces too
	got := due(t, db, T0, 10)
	wantTexts(t, "after a storm of refreshes", got, "first")
	update(t, db, func(tx incident.Tx) error { return tx.Complete(got[0].ID) })
	enqueue(t, db, keyed("after complete"))
	got = due(t, db, T0, 10)
	wantTexts(t, "after completing", got, "after complete")
	update(t, db, func(tx incident.Tx) error { _, err := tx.Cancel(1, "slack.update"); return err })
	enqueue(t, db, keyed("after cancel"))
	wantTexts(t, "after cancelling", due(t, db, T0, 10), "after cancel")
}

// Unkey frees a key as the worker starts an effect, so a change made
// meanwhile gets an effect of its own; a deferred effect takes its key back
// if it is free, and gives way to a newer one that holds it.
func testOutboxUnkey(t *testing.T, db Backend) {
	ctx := context.Background()
	enqueue(t, db, keyed("first"))
	first := due(t, db, T0, 10)[0]
	if err := db.Unkey(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	enqueue(t, db, keyed("second")) // a change committed while first runs
	wantTexts(t, "after unkey", due(t, db, T0, 10), "first", "second")
	// first fails and is deferred: second holds the key, so first is dropped
	if err := db.Retry(ctx, first.ID, T0.Add(time.Minute), "rate limited"); err != nil {
		t.Fatal(err)
	}
	got := due(t, db, T0.Add(time.Hour), 10)
	wantTexts(t, "after a retry that gave way", got, "second")
	// second starts, fails, is deferred with its key free: it takes it back
	second := got[0]
	if err := db.Unkey(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Retry(ctx, second.ID, T0.Add(time.Minute), "rate limited"); err != nil {
		t.Fatal(err)
	}
	enqueue(t, db, keyed("third")) // coalesces into the deferred second
	wantTexts(t, "after a retry that kept its key", due(t, db, T0.Add(time.Hour), 10), "second")
	if err := db.Unkey(ctx, 9999); err != nil {
		t.Errorf("Unkey of a missing effect = %v", err)
	}
	if n := db.Pending(); n != 1 {
		t.Errorf("Pending = %d, want 1", n)
	}
}

// Retry counts the attempt, keeps the error and defers the effect; a
// missing effect is no error.
func testOutboxRetry(t *testing.T, db Backend) {
	ctx := context.Background()
	enqueue(t, db, post(1, "hello"))
	e := due(t, db, T0, 10)[0]
	for i, at := range []time.Time{T0.Add(time.Minute), T0.Add(3 * time.Minute)} {
		if err := db.Retry(ctx, e.ID, at, "attempt failed"); err != nil {
			t.Fatal(err)
		}
		if got := due(t, db, at.Add(-time.Nanosecond), 10); len(got) != 0 {
			t.Errorf("retried effect due before its time: %+v", got)
		}
		got := due(t, db, at, 10)
		if len(got) != 1 || got[0].ID != e.ID || got[0].Attempts != i+1 || got[0].LastError != "attempt failed" || !got[0].NotBefore.Equal(at) {
			t.Errorf("after retry %d: %+v", i+1, got)
		}
	}
	if err := db.Retry(ctx, 9999, T0, "gone"); err != nil {
		t.Errorf("Retry of a missing effect = %v", err)
	}
}

// Cancel deletes one incident's pending effects of one kind and counts
// them; Complete deletes one, and a missing one is no error.
func testOutboxCancelAndComplete(t *testing.T, db Backend) {
	esc := func(id incident.ID, text string) incident.Effect {
		e := post(id, text)
		e.Kind, e.NotBefore = "escalate", T0.Add(time.Hour)
		return e
	}
	enqueue(t, db, esc(1, "step 1"), esc(1, "step 2"), esc(2, "other"), post(1, "message"))
	update(t, db, func(tx incident.Tx) error {
		if n, err := tx.Cancel(1, "escalate"); n != 2 || err != nil {
			t.Errorf("Cancel = %d, %v; want 2", n, err)
		}
		if n, err := tx.Cancel(1, "escalate"); n != 0 || err != nil {
			t.Errorf("Cancel again = %d, %v; want 0", n, err)
		}
		return tx.Complete(9999)
	})
	left := due(t, db, T0.Add(2*time.Hour), 10)
	wantTexts(t, "after cancel", left, "other", "message")
	update(t, db, func(tx incident.Tx) error { return tx.Complete(left[1].ID) })
	wantTexts(t, "after complete", due(t, db, T0.Add(2*time.Hour), 10), "other")
	if n := db.Pending(); n != 1 {
		t.Errorf("Pending = %d, want 1", n)
	}
}

// An ordered effect is due only when no earlier ordered effect of its
// incident is in the outbox, due or deferred; other effects pass it.
func testOutboxOrdered(t *testing.T, db Backend) {
	ordered := func(id incident.ID, text string, notBefore time.Time) incident.Effect {
		e := post(id, text)
		e.Ordered, e.NotBefore = true, notBefore
		return e
	}
	enqueue(t, db, ordered(1, "a", T0.Add(time.Minute)), ordered(1, "b", time.Time{}), post(1, "c"), ordered(2, "d", time.Time{}))
	wantTexts(t, "at T0", due(t, db, T0, 10), "c", "d")
	got := due(t, db, T0.Add(time.Minute), 10)
	wantTexts(t, "when a is due", got, "a", "c", "d")
	update(t, db, func(tx incident.Tx) error { return tx.Complete(got[0].ID) })
	got = due(t, db, T0.Add(time.Minute), 10)
	wantTexts(t, "after a", got, "b", "c", "d")
	if err := db.Retry(context.Background(), got[0].ID, T0.Add(time.Hour), "rate limited"); err != nil {
		t.Fatal(err)
	}
	enqueue(t, db, ordered(1, "e", time.Time{}))
	wantTexts(t, "while b is deferred", due(t, db, T0.Add(time.Minute), 10), "c", "d")
	wantTexts(t, "when b is due again", due(t, db, T0.Add(time.Hour), 10), "b", "c", "d")
}
