package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store is closed")

// maxBatch bounds how many writes one transaction serves.
const maxBatch = 64

// write is one caller's transaction function waiting for a group commit.
type write struct {
	ctx   context.Context
	fn    func(*Tx) error
	done  chan error // the answer, sent once
	state atomic.Int32
}

// States of a write: waiting in a batch, taken to run, or given up by its
// caller (its context ended) before it ran.
const (
	writeWaiting = iota
	writeTaken
	writeAbandoned
)

// errAlone answers a write whose batch failed: its caller runs it in a
// transaction of its own.
var errAlone = errors.New("run alone")

// errPanicked is a batch stopped by a function that panicked; the caller
// runs it again alone, and so panics in its own goroutine.
var errPanicked = errors.New("a function panicked")

// update runs fn in a write transaction shared with the writes queued
// with it (the committer's), answered after the commit; if that
// transaction fails, fn runs alone (alone).
func (db *DB) update(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &write{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.queue <- w:
	case <-db.closing:
		return fmt.Errorf("write: %w", ErrClosed)
	case <-ctx.Done():
		return ctx.Err()
	}
	var err error
	select {
	case err = <-w.done:
	case <-ctx.Done():
		if w.state.CompareAndSwap(writeWaiting, writeAbandoned) {
			return ctx.Err()
		}
		err = <-w.done // it runs: its outcome is the answer
	}
	if errors.Is(err, errAlone) {
		return db.alone(ctx, fn)
	}
	return err
}

// committer takes the writes waiting, runs them in one transaction and
// commits once, then answers each; it runs until Close. Nothing waits for
// more writers to arrive: a lone write commits at once, and under load the
// writes that arrive while one transaction runs share the next.
//
// One committer per process runs one transaction at a time, so the
// process's own transactions never wait for each other's locks (two
// batches could otherwise deadlock, each holding an incident the other
// wants); a write waits only for other processes' transactions.
func (db *DB) committer() {
	defer close(db.stopped)
	for {
		var batch []*write
		select {
		case w := <-db.queue:
			batch = append(batch, w)
		case <-db.closing:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case w := <-db.queue:
				batch = append(batch, w)
			default:
				break fill
			}
		}
		db.commitBatch(batch)
	}
}

// commitBatch runs a batch and answers its writes. A batch that fails
// (a function's error, or a statement's, which aborts the whole
// transaction) is rolled back and each of its writes run again alone, so
// that one caller's error is never another's; only a lone write's own
// error is answered as it is. A commit whose outcome is unknown (the
// connection failed while COMMIT was on its way) is answered to all: the
// writes may have happened, and must not happen twice.
func (db *DB) commitBatch(batch []*write) {
	live := batch[:0]
	for _, w := range batch {
		if !w.state.CompareAndSwap(writeWaiting, writeTaken) {
			continue // abandoned by its caller
		}
		if err := w.ctx.Err(); err != nil {
			w.done <- err
			continue
		}
		live = append(live, w)
	}
	if len(live) == 0 {
		return
	}
	err := db.runBatch(live)
	var ce *commitError
	switch {
	case err == nil:
	case errors.As(err, &ce):
	case len(live) == 1 && !retryable(err) && !errors.Is(err, errPanicked):
		// A lone write's own outcome, as alone would give it.
	default:
		err = errAlone
	}
	for _, w := range live {
		w.done <- err
	}
}

// runBatch runs the writes' functions one after another in one
// transaction, each with its caller's context, and commits once.
func (db *DB) runBatch(ws []*write) (err error) {
	t, err := db.begin(context.Background())
	if err != nil {
		return err
	}
	defer t.end()
	defer func() {
		if recover() != nil {
			err = errPanicked
		}
	}()
	for _, w := range ws {
		t.ctx = w.ctx
		if err := t.outcome(w.fn(t)); err != nil {
			return err
		}
	}
	t.ctx = context.Background()
	if err := t.commit(); err != nil {
		return err
	}
	db.learn(t)
	return nil
}

// outcome is what a function's run means for its transaction: a failed
// statement failed the transaction whatever the function made of its
// error, and a lost race is retried even when the function wrapped it.
func (t *Tx) outcome(ferr error) error {
	if t.err != nil && (ferr == nil || retryable(t.err)) {
		return t.err
	}
	return ferr
}

// learn teaches the cache what a commit left, and tells listeners of
// effects it enqueued.
func (db *DB) learn(t *Tx) {
	db.committed.learn(t.incs)
	if t.enqueued {
		db.notify.poke()
	}
}

// maxAttempts bounds how often alone runs a transaction that keeps losing
// races.
const maxAttempts = 10

// alone runs fn in a read-committed write transaction of its own, again
// after a lost race.
func (db *DB) alone(ctx context.Context, fn func(*Tx) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := db.attempt(ctx, fn)
		if err == nil || !retryable(err) {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("write lost %d races in a row: %w", attempt, err)
		}
		backoff := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// attempt runs fn once in a transaction and commits it. Once begun, the
// end is not left to ctx: a cancellation while COMMIT is on the wire would
// leave the caller not knowing whether it happened. fn's statements still
// stop with ctx.
func (db *DB) attempt(ctx context.Context, fn func(*Tx) error) error {
	t, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.end() // after a commit, the connection's release; after a panic in fn, the rollback
	if err := t.outcome(fn(t)); err != nil {
		return err
	}
	if err := t.commit(); err != nil {
		return err
	}
	db.learn(t)
	return nil
}
