package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/store"
	"github.com/tocsin-dev/tocsin/store/storetest"
)

const week = 7 * 24 * time.Hour

// clock is a manual clock for the store and the sweeper.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// mustOpenDBAt is MustOpenDB with the store's clock given.
func mustOpenDBAt(tb testing.TB, now func() time.Time) *store.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "tocsin.db")
	db, err := store.Open(path, store.Options{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db.Close()
		checkFile(tb, path)
	})
	return db
}

// TestSweeper_Retention: a sweep forgets what was remembered more than the
// retention ago by the sweeper's clock. ForgetBefore itself is in the
// store contract (storetest), run against both backends.
func TestSweeper_Retention(t *testing.T) {
	ctx := context.Background()
	t.Run("Retention", func(t *testing.T) {
		c := &clock{now: t0}
		db := mustOpenDBAt(t, c.Now)
		s := &store.Sweeper{DB: db, Retention: week, Now: c.Now}
		if !storetest.Deliver(t, db, "msg:old", t0) || !storetest.Deliver(t, db, "cmd:old", t0) {
			t.Fatal("first deliveries reported as seen")
		}
		c.Advance(6 * 24 * time.Hour)
		storetest.Deliver(t, db, "msg:new", c.Now())
		c.Advance(24*time.Hour + time.Second) // old: a week and a second; new: a day
		n, err := s.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("Sweep forgot %d keys, want 2", n)
		}
		if diff := cmp.Diff([]string{"msg:new"}, storetest.SeenKeys(t, db, "msg:old", "cmd:old", "msg:new")); diff != "" {
			t.Errorf("keys remembered after the sweep (-want +got):\n%s", diff)
		}
	})
}

// TestSweeper_Run sweeps at start and then every Every, with the retention
// measured on the clock the keys were stamped with, until its context ends.
func TestSweeper_Run(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDBAt(t, time.Now)
		start := time.Now()
		storetest.Deliver(t, db, "msg:last-week", start.Add(-week-time.Minute))
		storetest.Deliver(t, db, "msg:today", start.Add(-time.Hour))
		s := &store.Sweeper{DB: db, Retention: week, Every: time.Hour, Batch: 1, Now: time.Now}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()

		synctest.Wait()
		if diff := cmp.Diff([]string{"msg:today"}, storetest.SeenKeys(t, db, "msg:last-week", "msg:today")); diff != "" {
			t.Errorf("remembered after the sweep at start (-want +got):\n%s", diff)
		}
		// Sweeps run on the hour after start. msg:today, remembered an hour
		// before start, is a week old at the 167th, which keeps it (only
		// keys older than the retention go); the 168th forgets it.
		time.Sleep(week - time.Second)
		synctest.Wait()
		if len(storetest.SeenKeys(t, db, "msg:today")) != 1 {
			t.Error("msg:today forgotten before it was older than the retention")
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if len(storetest.SeenKeys(t, db, "msg:today")) != 0 {
			t.Error("msg:today remembered after the first sweep past its retention")
		}

		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run after its context ended = %v, want nil", err)
		}
	})
}

func TestSweeper_Validate(t *testing.T) {
	db := mustOpenDBAt(t, time.Now)
	for _, s := range []*store.Sweeper{
		{DB: db, Retention: 30 * time.Minute},
		{DB: db},
		{Retention: week},
		{DB: db, Retention: week, Batch: -1},
	} {
		if err := s.Run(context.Background()); err == nil {
			t.Errorf("Run of %+v = nil, want an error", *s)
		}
	}
}
