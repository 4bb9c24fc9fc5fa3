package dispatch_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/runbooks"
	"github.com/tocsin-dev/tocsin/store"
)

// staleOutbox makes its second read race with the first effect: it reads
// while the effect is being performed, and answers once the effect is
// completed, listing it still.
type staleOutbox struct {
	*store.DB
	mu    sync.Mutex
	reads int
	read  chan struct{} // closed when the second read has read
}

func (o *staleOutbox) Due(now time.Time, limit int) ([]incident.Effect, error) {
	due, err := o.DB.Due(now, limit)
	o.mu.Lock()
	o.reads++
	stale := o.reads == 2
	o.mu.Unlock()
	if stale {
		close(o.read)
		for i := 0; i < 200; i++ { // until its completion is committed and the worker let go of it
			if now, _ := o.DB.Due(now, limit); len(now) == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return due, err
}

// countingExecutor counts its calls; the first waits for the outbox's
// second read.
type countingExecutor struct {
	n    atomic.Int32
	read chan struct{}
}

func (c *countingExecutor) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	if c.n.Add(1) == 1 {
		select {
		case <-c.read:
		case <-time.After(2 * time.Second):
		}
	}
	return dispatch.Outcome{}, nil
}

// TestWorker_StaleReadDoesNotRepeat: an effect listed by an outbox read that
// began before the effect was completed is not performed a second time (a
// second Slack message, a second SSM call).
func TestWorker_StaleReadDoesNotRepeat(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "tocsin.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pb, _ := playbooks.Load("")
	rb, _ := runbooks.Load("")
	engine := dispatch.New(dispatch.Config{Store: db, Lister: db,
		Playbooks: func() *playbooks.Set { return pb }, Runbooks: func() *runbooks.Set { return rb }})
	read := make(chan struct{})
	exec := &countingExecutor{read: read}
	outbox := &staleOutbox{DB: db, read: read}
	w := &dispatch.Worker{Engine: engine, Outbox: outbox, Poll: 10 * time.Millisecond,
		Executors: map[incident.EffectKind]dispatch.Executor{"test.once": exec}}
	err = db.Update(context.Background(), func(tx incident.Tx) error {
		return tx.Enqueue(incident.Effect{Kind: "test.once"})
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); w.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		outbox.mu.Lock()
		reads := outbox.reads
		outbox.mu.Unlock()
		if reads >= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-stopped
	if n := exec.n.Load(); n != 1 {
		t.Errorf("the effect was performed %d times, want once", n)
	}
}
