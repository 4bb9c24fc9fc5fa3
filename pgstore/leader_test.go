package pgstore_test

import (
	"context"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/pgstore"
	"github.com/tocsin-dev/tocsin/pgstore/pgtest"
)

// term is one leadership term a test's lead function saw.
type term struct {
	epoch int64
	ended chan struct{} // closed when lead's context ended
}

// runningLeader is a Leader running in the background of a test, with the
// terms it began.
type runningLeader struct {
	*pgstore.Leader
	name  string
	terms chan term
}

// runLeader runs a Leader on db until the test ends. Its lead function
// reports each term and holds it until its context ends; at is raised for
// the term's length, so that a test can see two terms at once.
func runLeader(t *testing.T, db *pgstore.DB, opts pgstore.LeaderOptions, at *atomic.Int32) *runningLeader {
	t.Helper()
	if opts.Check == 0 {
		opts.Check = 200 * time.Millisecond
	}
	r := &runningLeader{Leader: pgstore.NewLeader(db, opts), name: opts.Name, terms: make(chan term, 16)}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := r.Run(ctx, func(ctx context.Context, epoch int64) error {
			at.Add(1)
			defer at.Add(-1)
			tm := term{epoch: epoch, ended: make(chan struct{})}
			r.terms <- tm
			<-ctx.Done()
			close(tm.ended)
			return nil
		})
		if err != nil {
			t.Errorf("Run of %s = %v", opts.Name, err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// nextTerm waits up to d for r's next term.
func nextTerm(t *testing.T, r *runningLeader, d time.Duration) term {
	t.Helper()
	select {
	case tm := <-r.terms:
		return tm
	case <-time.After(d):
		t.Fatalf("%s did not begin a term within %v", r.name, d)
		return term{}
	}
}

// terminate ends the sessions with an application_name, as an operator's
// pg_terminate_backend (or a failover) would, and fails unless there was
// exactly one.
func terminate(t *testing.T, dbURL, appName string) {
	t.Helper()
	var n int
	pgtest.QueryRow(t, dbURL, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`,
		[]any{appName}, &n)
	if n != 1 {
		t.Fatalf("terminated %d sessions named %q, want 1", n, appName)
	}
}

// schemaOf is the schema a URL from freshSchema selects: unique to its
// test, it names the test's sessions.
func schemaOf(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}

// Two replicas campaign together: one leads, the other keeps campaigning
// without leading, and the leadership row names the leader and its epoch.
func TestLeader_OneLeads(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	now := func() time.Time { return t0 }
	var leading atomic.Int32
	a := runLeader(t, mustOpen(t, dbURL, now), pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/a", Retry: 20 * time.Millisecond}, &leading)
	b := runLeader(t, mustOpen(t, dbURL, now), pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/b", Retry: 20 * time.Millisecond}, &leading)
	var leader, other *runningLeader
	var tm term
	select {
	case tm = <-a.terms:
		leader, other = a, b
	case tm = <-b.terms:
		leader, other = b, a
	case <-time.After(10 * time.Second):
		t.Fatal("nobody leads after 10 s")
	}
	// The other campaigns every 20 ms; for 50 of its attempts it must not win.
	deadline := time.After(time.Second)
	for watching := true; watching; {
		select {
		case <-other.terms:
			t.Fatalf("%s leads while %s does", other.name, leader.name)
		case <-deadline:
			watching = false
		case <-time.After(20 * time.Millisecond):
			if n := leading.Load(); n != 1 || !leader.IsLeader() || other.IsLeader() {
				t.Fatalf("%d terms at once; IsLeader: %s %v, %s %v", n, leader.name, leader.IsLeader(), other.name, other.IsLeader())
			}
		}
	}
	if leader.Epoch() != tm.epoch || tm.epoch < 1 || other.Epoch() != 0 {
		t.Errorf("Epoch: leader %d (its term's %d), other %d; want the term's, at least 1, and 0", leader.Epoch(), tm.epoch, other.Epoch())
	}
	var epoch int64
	var holder string
	pgtest.QueryRow(t, dbURL, `SELECT epoch, holder FROM leadership`, nil, &epoch, &holder)
	if epoch != tm.epoch || holder != leader.name {
		t.Errorf("leadership row: epoch %d held by %q, want %d held by %q", epoch, holder, tm.epoch, leader.name)
	}
}

// The leader's session is terminated (an operator, a failover): its term
// ends within two seconds, and the other replica leads with a higher epoch.
func TestLeader_Failover(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	now := func() time.Time { return t0 }
	var leading atomic.Int32
	// The first waits a minute before campaigning again, so that the
	// second is the one to take over.
	first := runLeader(t, mustOpen(t, dbURL, now), pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/first", Retry: time.Minute}, &leading)
	was := nextTerm(t, first, 10*time.Second)
	second := runLeader(t, mustOpen(t, dbURL, now), pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/second", Retry: 20 * time.Millisecond}, &leading)

	start := time.Now()
	terminate(t, dbURL, "tocsin leader "+first.name)
	select {
	case <-was.ended:
		t.Logf("the term ended %v after its session was terminated", time.Since(start))
	case <-time.After(2 * time.Second):
		t.Fatal("the deposed leader's term did not end within 2 s of its session's end")
	}
	if first.IsLeader() {
		t.Error("IsLeader is true after the term ended")
	}
	now2 := nextTerm(t, second, 10*time.Second)
	if now2.epoch <= was.epoch {
		t.Errorf("the new leader's epoch is %d, not above the deposed one's %d", now2.epoch, was.epoch)
	}
	if !second.IsLeader() || second.Epoch() != now2.epoch || first.Epoch() != was.epoch {
		t.Errorf("after failover: second leads %v in %d, first's epoch %d; want true, %d, %d",
			second.IsLeader(), second.Epoch(), first.Epoch(), now2.epoch, was.epoch)
	}
}

// A Run whose context ends returns nil and lets the leadership go at once:
// another replica takes it without waiting for a timeout.
func TestLeader_StepsDown(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	now := func() time.Time { return t0 }
	l := pgstore.NewLeader(mustOpen(t, dbURL, now), pgstore.LeaderOptions{Name: "stepping-down", Retry: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	terms := make(chan int64, 1)
	go func() {
		done <- l.Run(ctx, func(ctx context.Context, epoch int64) error {
			terms <- epoch
			<-ctx.Done()
			return nil
		})
	}()
	var was int64
	select {
	case was = <-terms:
	case <-time.After(10 * time.Second):
		t.Fatal("no term within 10 s")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of its context's end")
	}
	if l.IsLeader() {
		t.Error("IsLeader is true after Run returned")
	}
	var leading atomic.Int32
	next := runLeader(t, mustOpen(t, dbURL, now), pgstore.LeaderOptions{Name: "next", Retry: 20 * time.Millisecond}, &leading)
	if tm := nextTerm(t, next, 5*time.Second); tm.epoch != was+1 {
		t.Errorf("the next term's epoch is %d, want %d", tm.epoch, was+1)
	}
}
