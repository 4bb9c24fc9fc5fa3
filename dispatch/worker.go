package dispatch

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Outbox is the store's side of the outbox worker.
type Outbox interface {
	Due(now time.Time, limit int) ([]incident.Effect, error)
	Retry(ctx context.Context, effectID uint64, notBefore time.Time, errText string) error
	// Unkey frees a coalescing key before its effect is performed.
	Unkey(ctx context.Context, effectID uint64) error
}

// Worker performs due effects with their executors, at most Parallel at a
// time, and records each result in the same transaction that removes the
// effect from the outbox.
type Worker struct {
	Engine    *Engine
	Outbox    Outbox
	Executors map[incident.EffectKind]Executor // the one executor of each kind
	Parallel  int                              // default 8
	Poll      time.Duration                    // fallback poll interval, default 250 ms
	// MinGap is the shortest time between two reads of the outbox (default
	// 20 ms). During an alarm storm every commit wakes the worker; without
	// a gap it would spend a core re-reading the outbox between them.
	MinGap time.Duration
	// MaxAttempts before a transiently failing effect is given up and the
	// failure written on the timeline (default 60: hours of backoff).
	MaxAttempts int

	mu       sync.Mutex
	inflight map[uint64]bool
	// settled are the effects performed (or rescheduled) since the outbox
	// was last read: a read that began before one was completed may still
	// list it, and must not perform it again.
	settled map[uint64]bool
}

// Run performs effects until ctx ends, then waits for the ones in flight.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	sem := make(chan struct{}, w.Parallel)
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTimer(0)
	defer t.Stop()
	var last, next time.Time // the last read of the outbox; when t fires
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.Engine.Wake():
			// Within MinGap of the last read, the wake only brings the
			// next read forward to the end of the gap.
			if d := w.MinGap - time.Since(last); d > 0 {
				if time.Until(next) > d {
					t.Reset(d)
					next = time.Now().Add(d)
				}
				continue
			}
		}
		last = time.Now()
		w.mu.Lock()
		clear(w.settled) // what settles from here on may still be in this read
		w.mu.Unlock()
		due, err := w.Outbox.Due(w.Engine.cfg.Now(), 256)
		if err != nil {
			w.Engine.log.Error("read outbox", "err", err)
		}
		for _, eff := range due {
			if !w.claim(eff.ID) {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				w.release(eff.ID)
				return nil
			}
			wg.Add(1)
			go func(eff incident.Effect) {
				defer func() { <-sem; w.release(eff.ID); wg.Done() }()
				w.Perform(ctx, eff)
			}(eff)
		}
		t.Reset(w.Poll)
		next = time.Now().Add(w.Poll)
	}
}

func (w *Worker) defaults() {
	if w.Parallel <= 0 {
		w.Parallel = 8
	}
	if w.Poll <= 0 {
		w.Poll = 250 * time.Millisecond
	}
	if w.MinGap <= 0 {
		w.MinGap = 20 * time.Millisecond
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 60
	}
	w.mu.Lock()
	if w.inflight == nil {
		w.inflight, w.settled = map[uint64]bool{}, map[uint64]bool{}
	}
	w.mu.Unlock()
}

func (w *Worker) claim(id uint64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inflight[id] || w.settled[id] {
		return false
	}
	w.inflight[id] = true
	return true
}

func (w *Worker) release(id uint64) {
	w.mu.Lock()
	delete(w.inflight, id)
	w.settled[id] = true
	w.mu.Unlock()
}

// Perform runs one effect and records its outcome. Exported for tests and
// the crash matrix, which drive effects one at a time.
func (w *Worker) Perform(ctx context.Context, eff incident.Effect) {
	w.defaults()
	e := w.Engine
	ex := w.Executors[eff.Kind]
	if ex == nil {
		w.giveUp(ctx, eff, fmt.Errorf("%w: no executor for %s", ErrPermanent, eff.Kind))
		return
	}
	if eff.Key != "" {
		// Changes committed while this runs get an effect of their own
		// instead of being coalesced into one that may have read too early.
		if err := w.Outbox.Unkey(ctx, eff.ID); err != nil {
			w.retry(ctx, eff, err)
			return
		}
	}
	var inc incident.Incident
	if eff.Incident != 0 {
		err := e.cfg.Store.View(func(tx incident.Tx) error {
			var err error
			inc, err = tx.Incident(eff.Incident)
			return err
		})
		if err != nil {
			w.retry(ctx, eff, err)
			return
		}
	}
	out, err := ex.Execute(ctx, eff, inc)
	// The outcome is recorded even when shutdown has begun: the effect
	// happened, and an unrecorded one would be performed again on start.
	ctx = context.WithoutCancel(ctx)
	if err != nil {
		w.fail(ctx, eff, err)
		return
	}
	err = e.update(ctx, func(tx incident.Tx) error {
		if len(out.Events) > 0 {
			if _, err := tx.Append(eff.Incident, out.Events...); err != nil {
				return err
			}
		}
		for _, next := range out.Then {
			if next.Incident == 0 {
				next.Incident = eff.Incident
			}
			if err := tx.Enqueue(next); err != nil {
				return err
			}
		}
		return tx.Complete(eff.ID)
	})
	if err != nil {
		e.log.Error("record effect result", "kind", eff.Kind, "incident", eff.Incident, "err", err)
	}
}
