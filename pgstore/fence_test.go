package pgstore_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pgstore"
)

// mustEnqueue enqueues effects in one transaction.
func mustEnqueue(t *testing.T, db *pgstore.DB, effs ...incident.Effect) {
	t.Helper()
	err := db.Update(t.Context(), func(tx incident.Tx) error {
		for _, e := range effs {
			if err := tx.Enqueue(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mustDue is Due at t0 + 1 h, failing the test on an error.
func mustDue(t *testing.T, db *pgstore.DB) []incident.Effect {
	t.Helper()
	effs, err := db.Due(t0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	return effs
}

func ids(effs []incident.Effect) []uint64 {
	out := make([]uint64, len(effs))
	for i, e := range effs {
		out[i] = e.ID
	}
	return out
}

// perform records an effect's result as the worker does: a line on the
// timeline and Complete, in one transaction.
func perform(db *pgstore.DB, ctx context.Context, id incident.ID, eff incident.Effect, by string) error {
	return db.Update(ctx, func(tx incident.Tx) error {
		if _, err := tx.Append(id, note("performed "+eff.Key+" by "+by)); err != nil {
			return err
		}
		return tx.Complete(eff.ID)
	})
}

// A leader claims effects, is deposed with them in hand, and a new leader
// takes them over: the deposed one can neither complete, retry nor unkey
// them (ErrFenced, its recorded result rolled back), and the new one
// performs each once.
func TestLeader_Fencing(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	ctx := t.Context()
	now := func() time.Time { return t0 }
	a, b := mustOpen(t, dbURL, now), mustOpen(t, dbURL, now)
	id := mustOpenIncident(t, a, "svc:api", "arn:a")
	mustEnqueue(t, a,
		incident.Effect{Kind: "slack.header", Incident: id, Key: "header"},
		incident.Effect{Kind: "slack.post", Incident: id, Key: "post"},
		incident.Effect{Kind: "slack.invite", Incident: id, Key: "invite"})

	var leading atomic.Int32
	old := runLeader(t, a, pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/old", Retry: time.Minute}, &leading)
	was := nextTerm(t, old, 10*time.Second)
	claimed := mustDue(t, a)
	if len(claimed) != 3 {
		t.Fatalf("the leader claimed %v, want the three effects", ids(claimed))
	}
	if again := mustDue(t, a); len(again) != 0 {
		t.Errorf("claimed effects are due again within their lease: %v", ids(again))
	}
	header, post, invite := claimed[0], claimed[1], claimed[2]
	if err := a.Unkey(ctx, header.ID); err != nil {
		t.Fatalf("the leader unkeys its claim: %v", err)
	}

	next := runLeader(t, b, pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/new", Retry: 20 * time.Millisecond}, &leading)
	if _, err := b.Due(t0.Add(time.Hour), 10); !errors.Is(err, pgstore.ErrFenced) {
		t.Errorf("Due on a replica that has not led = %v, want ErrFenced", err)
	}
	terminate(t, dbURL, "tocsin leader "+old.name)
	<-was.ended
	is := nextTerm(t, next, 10*time.Second)
	if is.epoch <= was.epoch {
		t.Fatalf("new epoch %d, old %d", is.epoch, was.epoch)
	}

	t.Run("DeposedBeforeTakeover", func(t *testing.T) {
		if err := perform(a, ctx, id, header, "old"); !errors.Is(err, pgstore.ErrFenced) {
			t.Errorf("the deposed leader's Complete = %v, want ErrFenced", err)
		}
		if err := a.Retry(ctx, post.ID, t0.Add(time.Minute), "rate limited"); !errors.Is(err, pgstore.ErrFenced) {
			t.Errorf("the deposed leader's Retry = %v, want ErrFenced", err)
		}
		if err := a.Unkey(ctx, post.ID); !errors.Is(err, pgstore.ErrFenced) {
			t.Errorf("the deposed leader's Unkey = %v, want ErrFenced", err)
		}
		if effs, err := a.Due(t0.Add(time.Hour), 10); !errors.Is(err, pgstore.ErrFenced) {
			t.Errorf("the deposed leader's Due = %v, %v; want ErrFenced", ids(effs), err)
		}
	})

	taken := mustDue(t, b)
	if got := ids(taken); len(got) != 3 || got[0] != header.ID || got[1] != post.ID || got[2] != invite.ID {
		t.Fatalf("the new leader claimed %v, want the deposed one's %v", got, ids(claimed))
	}
	if err := perform(b, ctx, id, header, "new"); err != nil {
		t.Fatalf("the new leader's Complete: %v", err)
	}
	if err := b.Retry(ctx, post.ID, t0.Add(2*time.Hour), "rate limited"); err != nil {
		t.Fatalf("the new leader's Retry: %v", err)
	}

	t.Run("DeposedAfterTakeover", func(t *testing.T) {
		if err := perform(a, ctx, id, invite, "old"); !errors.Is(err, pgstore.ErrFenced) {
			t.Errorf("the deposed leader's Complete of a claim taken over = %v, want ErrFenced", err)
		}
		if err := a.Retry(ctx, invite.ID, t0.Add(time.Minute), "rate limited"); !errors.Is(err, pgstore.ErrFenced) {
			t.Errorf("the deposed leader's Retry of a claim taken over = %v, want ErrFenced", err)
		}
		if err := perform(a, ctx, id, header, "old"); !errors.Is(err, pgstore.ErrFenced) {
			t.Errorf("the deposed leader's Complete of an effect the new one completed = %v, want ErrFenced", err)
		}
	})

	t.Run("NewLeader", func(t *testing.T) {
		if due := mustDue(t, b); len(due) != 0 {
			t.Errorf("due again: %v (the retried one is deferred, the other claimed)", ids(due))
		}
		if err := perform(b, ctx, id, invite, "new"); err != nil {
			t.Errorf("the new leader's Complete: %v", err)
		}
		// Completed (or cancelled) already: no error, as without a leader.
		if err := b.Update(ctx, func(tx incident.Tx) error { return tx.Complete(header.ID) }); err != nil {
			t.Errorf("Complete of a completed effect = %v", err)
		}
		// Retried: due again once its time comes, claimed afresh.
		effs, err := b.Due(t0.Add(3*time.Hour), 10)
		if err != nil || len(effs) != 1 || effs[0].ID != post.ID || effs[0].Attempts != 1 {
			t.Errorf("after its retry time, Due = %+v, %v; want the retried effect with 1 attempt", effs, err)
		}
	})

	_, evs, err := a.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	performed := map[string]int{}
	for _, ev := range evs {
		if ev.Type == incident.EventNote {
			performed[ev.Text]++
		}
	}
	want := map[string]int{"performed header by new": 1, "performed invite by new": 1}
	if len(performed) != len(want) || performed["performed header by new"] != 1 || performed["performed invite by new"] != 1 {
		t.Errorf("results on the timeline: %v, want %v", performed, want)
	}
}

// Within one term, a claim whose lease lapsed (its result could not be
// recorded) is due again; before that it is not.
func TestLeader_LeaseLapses(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	db := mustOpen(t, dbURL, func() time.Time { return t0 })
	mustEnqueue(t, db, incident.Effect{Kind: "slack.post", Key: "post"})
	var leading atomic.Int32
	l := runLeader(t, db, pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/lease", Lease: 300 * time.Millisecond}, &leading)
	nextTerm(t, l, 10*time.Second)
	first := mustDue(t, db)
	if len(first) != 1 {
		t.Fatalf("Due = %v, want the effect", ids(first))
	}
	if again := mustDue(t, db); len(again) != 0 {
		t.Fatalf("due again at once: %v", ids(again))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		again := mustDue(t, db)
		if len(again) == 1 && again[0].ID == first[0].ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lapsed claim is not due again within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	err := db.Update(t.Context(), func(tx incident.Tx) error { return tx.Complete(first[0].ID) })
	if err != nil {
		t.Errorf("Complete after the claim was renewed: %v", err)
	}
}

// Behind a Leader, an ordered effect stays behind the earlier one of its
// incident while that one is claimed, as while it is in flight without a
// leader.
func TestLeader_OrderedClaims(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	db := mustOpen(t, dbURL, func() time.Time { return t0 })
	id := mustOpenIncident(t, db, "svc:api", "arn:a")
	mustEnqueue(t, db,
		incident.Effect{Kind: "slack.post", Incident: id, Ordered: true, Data: map[string]string{"n": "1"}},
		incident.Effect{Kind: "slack.post", Incident: id, Ordered: true, Data: map[string]string{"n": "2"}})
	var leading atomic.Int32
	l := runLeader(t, db, pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/ordered"}, &leading)
	nextTerm(t, l, 10*time.Second)
	first := mustDue(t, db)
	if len(first) != 1 || first[0].Data["n"] != "1" {
		t.Fatalf("Due = %+v, want the first ordered effect alone", first)
	}
	if again := mustDue(t, db); len(again) != 0 {
		t.Fatalf("while the first is claimed, Due = %+v", again)
	}
	if err := db.Update(t.Context(), func(tx incident.Tx) error { return tx.Complete(first[0].ID) }); err != nil {
		t.Fatal(err)
	}
	if second := mustDue(t, db); len(second) != 1 || second[0].Data["n"] != "2" {
		t.Errorf("after the first completed, Due = %+v, want the second", second)
	}
}
