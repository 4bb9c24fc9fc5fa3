package pgstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pgstore"
)

// recordingExecutor performs effects slowly enough for a failover to find
// some in flight, counts each effect's executions, and returns a timeline
// line naming the effect as its result.
type recordingExecutor struct {
	mu    sync.Mutex
	runs  map[uint64]int
	total atomic.Int32
}

func (x *recordingExecutor) Execute(ctx context.Context, eff incident.Effect, _ incident.Incident) (dispatch.Outcome, error) {
	select {
	case <-time.After(5 * time.Millisecond):
	case <-ctx.Done():
	}
	x.mu.Lock()
	x.runs[eff.ID]++
	x.mu.Unlock()
	x.total.Add(1)
	return dispatch.Outcome{Events: []incident.Event{note(fmt.Sprintf("effect %d done", eff.ID))}}, nil
}

// The unchanged dispatch.Worker, run by each replica while it leads: the
// leader's session is terminated while effects are in flight, the other
// replica takes over, and every effect's result is on the timeline once.
func TestLeader_Worker(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	now := func() time.Time { return t0 }
	a, b := mustOpen(t, dbURL, now), mustOpen(t, dbURL, now)
	id := mustOpenIncident(t, a, "svc:api", "arn:a")
	const effects = 120
	var effs []incident.Effect
	for range effects {
		effs = append(effs, incident.Effect{Kind: "test.record", Incident: id})
	}
	mustEnqueue(t, a, effs...)

	x := &recordingExecutor{runs: map[uint64]int{}}
	work := func(db *pgstore.DB) func(ctx context.Context, epoch int64) error {
		return func(ctx context.Context, epoch int64) error {
			w := &dispatch.Worker{Engine: dispatch.New(dispatch.Config{Store: db, Now: now}), Outbox: db,
				Executors: map[incident.EffectKind]dispatch.Executor{"test.record": x}}
			return w.Run(ctx)
		}
	}
	run := func(db *pgstore.DB, opts pgstore.LeaderOptions) *pgstore.Leader {
		l := pgstore.NewLeader(db, opts)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); l.Run(ctx, work(db)) }()
		t.Cleanup(func() { cancel(); <-done })
		return l
	}
	first := run(a, pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/first", Retry: time.Minute})
	waitUntil(t, "the first leader performs some effects", func() bool { return x.total.Load() >= 20 })
	second := run(b, pgstore.LeaderOptions{Name: schemaOf(t, dbURL) + "/second", Retry: 20 * time.Millisecond})
	terminate(t, dbURL, "tocsin leader "+schemaOf(t, dbURL)+"/first")
	waitUntil(t, "the second leader takes over", second.IsLeader)
	waitUntil(t, "the outbox empties", func() bool { return b.Pending() == 0 })
	if first.IsLeader() || second.Epoch() <= first.Epoch() {
		t.Errorf("leaders: first %v in %d, second %v in %d", first.IsLeader(), first.Epoch(), second.IsLeader(), second.Epoch())
	}

	_, evs, err := b.Timeline(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]int{}
	for _, ev := range evs {
		if ev.Type == incident.EventNote && strings.HasSuffix(ev.Text, " done") {
			recorded[ev.Text]++
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	again := 0
	for eid, n := range x.runs {
		if recorded[fmt.Sprintf("effect %d done", eid)] != 1 {
			t.Errorf("effect %d: performed %d times, its result recorded %d times; want once", eid, n, recorded[fmt.Sprintf("effect %d done", eid)])
		}
		again += n - 1
	}
	if len(x.runs) != effects || len(recorded) != effects {
		t.Errorf("%d effects performed, %d recorded; want %d", len(x.runs), len(recorded), effects)
	}
	t.Logf("%d of %d effects performed again after the failover (in flight when the first leader was deposed)", again, effects)
}

// waitUntil polls cond every 10 ms for up to 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 20 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
