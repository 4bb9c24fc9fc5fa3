package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
)

func TestDB_Outbox(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	err := db.Update(ctx, func(tx incident.Tx) error {
		for i := 0; i < 5; i++ { // a storm of header refreshes coalesces into one
			if err := tx.Enqueue(incident.Effect{Kind: "slack.update", Incident: 1, Key: "update:1"}); err != nil {
				return err
			}
		}
		tx.Enqueue(incident.Effect{Kind: "escalate", Incident: 1, NotBefore: t0.Add(5 * time.Minute)})
		return tx.Enqueue(incident.Effect{Kind: "escalate", Incident: 1, NotBefore: t0.Add(10 * time.Minute)})
	})
	if err != nil {
		t.Fatal(err)
	}
	due, _ := db.Due(t0, 10)
	if len(due) != 1 || due[0].Kind != "slack.update" {
		t.Fatalf("due now = %+v, want the one coalesced update", due)
	}
	if err := db.Retry(ctx, due[0].ID, t0.Add(time.Second), "ratelimited"); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.Due(t0, 10); len(due) != 0 {
		t.Errorf("retried effect due before its time: %+v", due)
	}
	due, _ = db.Due(t0.Add(6*time.Minute), 10)
	if len(due) != 2 || due[0].Attempts != 1 || due[0].LastError != "ratelimited" {
		t.Fatalf("due later = %+v", due)
	}
	db.Update(ctx, func(tx incident.Tx) error {
		if n, err := tx.Cancel(1, "escalate"); n != 2 || err != nil {
			t.Errorf("Cancel = %d, %v; want 2", n, err)
		}
		return tx.Complete(due[0].ID)
	})
	if db.Pending() != 0 {
		t.Errorf("pending = %d after complete and cancel", db.Pending())
	}
	db.Update(ctx, func(tx incident.Tx) error { // the key is free again
		return tx.Enqueue(incident.Effect{Kind: "slack.update", Incident: 1, Key: "update:1"})
	})
	if db.Pending() != 1 {
		t.Errorf("pending = %d, want a new update once the old one completed", db.Pending())
	}
}

func TestDB_Unkey(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	enqueue := func() { enqueueUpdate(t, db) }
	enqueue()
	id := mustStart(t, db, t0)
	enqueue() // a change committed meanwhile must not be coalesced into it
	if db.Pending() != 2 {
		t.Fatalf("pending = %d, want 2: the change made while the first ran was lost", db.Pending())
	}
	db.Update(ctx, func(tx incident.Tx) error { return tx.Complete(id) })
	enqueue() // the second is still pending: coalesced into it
	if db.Pending() != 1 {
		t.Errorf("pending = %d, want 1", db.Pending())
	}
}

// A keyed effect deferred after it started takes its key back, so the
// updates that follow coalesce into it instead of piling up.
func TestDB_RetryRestoresKey(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	enqueue := func() { enqueueUpdate(t, db) }
	enqueue()
	id := mustStart(t, db, t0)
	db.Retry(ctx, id, t0.Add(time.Second), "paced")
	for i := 0; i < 5; i++ {
		enqueue()
	}
	if n := db.Pending(); n != 1 {
		t.Fatalf("pending = %d, want 1: the deferred update did not take its key back", n)
	}
	id = mustStart(t, db, t0.Add(time.Second))
	enqueue() // a newer update takes the key while the first is in flight
	db.Retry(ctx, id, t0.Add(2*time.Second), "paced")
	if n := db.Pending(); n != 1 {
		t.Errorf("pending = %d, want 1: the older deferred update should yield to the newer one", n)
	}
}

// Messages of one incident go out in order: while an earlier ordered effect
// is deferred, the later ones wait; other incidents and unordered effects do
// not.
func TestDB_DueOrdered(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	db.Update(ctx, func(tx incident.Tx) error {
		tx.Enqueue(incident.Effect{Kind: "slack.post", Incident: 1, Ordered: true, NotBefore: t0.Add(time.Minute)}) // deferred
		tx.Enqueue(incident.Effect{Kind: "slack.post", Incident: 1, Ordered: true})
		tx.Enqueue(incident.Effect{Kind: "slack.post", Incident: 2, Ordered: true})
		return tx.Enqueue(incident.Effect{Kind: "slack.update", Incident: 1})
	})
	kinds := func(es []incident.Effect) (s []string) {
		for _, e := range es {
			s = append(s, fmt.Sprintf("%s/%d", e.Kind, e.Incident))
		}
		return s
	}
	due, _ := db.Due(t0, 10)
	if got := kinds(due); !cmp.Equal(got, []string{"slack.post/2", "slack.update/1"}) {
		t.Errorf("due = %v; incident 1's second message must wait for its deferred first", got)
	}
	due, _ = db.Due(t0.Add(time.Minute), 10)
	db.Update(ctx, func(tx incident.Tx) error { return tx.Complete(due[0].ID) })
	due, _ = db.Due(t0.Add(time.Minute), 10)
	if got := kinds(due); len(got) == 0 || got[0] != "slack.post/1" {
		t.Errorf("after the first went out, due = %v; want incident 1's second message", got)
	}
}

// enqueueUpdate enqueues incident 1's header refresh under its coalescing key.
// mustStart takes the one effect due at now and starts performing it
// (Unkey), as the outbox worker does, and returns its id.
func mustStart(tb testing.TB, db *store.DB, now time.Time) uint64 {
	tb.Helper()
	due, err := db.Due(now, 10)
	if err != nil || len(due) != 1 {
		tb.Fatalf("Due = %v, %v; want one effect", due, err)
	}
	if err := db.Unkey(context.Background(), due[0].ID); err != nil {
		tb.Fatal(err)
	}
	return due[0].ID
}

func enqueueUpdate(tb testing.TB, db *store.DB) {
	tb.Helper()
	err := db.Update(context.Background(), func(tx incident.Tx) error {
		return tx.Enqueue(incident.Effect{Kind: "slack.update", Incident: 1, Key: "update:1"})
	})
	if err != nil {
		tb.Fatal(err)
	}
}
