package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
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

// deliver handles a delivery as the dispatch engine does (Seen, then
// Remember) and reports whether it was new.
func deliver(tb testing.TB, db *store.DB, key string, at time.Time) bool {
	tb.Helper()
	first := false
	err := db.Update(context.Background(), func(tx incident.Tx) error {
		seen, err := tx.Seen(key)
		if err != nil || seen {
			return err
		}
		first = true
		return tx.Remember(key, at)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return first
}

// seenKeys returns which of keys the store still remembers.
func seenKeys(tb testing.TB, db *store.DB, keys ...string) []string {
	tb.Helper()
	var out []string
	err := db.View(func(tx incident.Tx) error {
		for _, k := range keys {
			if seen, err := tx.Seen(k); err != nil {
				return err
			} else if seen {
				out = append(out, k)
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestDB_ForgetBefore(t *testing.T) {
	ctx := context.Background()
	t.Run("Retention", func(t *testing.T) {
		c := &clock{now: t0}
		db := mustOpenDBAt(t, c.Now)
		s := &store.Sweeper{DB: db, Retention: week, Now: c.Now}
		if !deliver(t, db, "msg:old", t0) || !deliver(t, db, "cmd:old", t0) {
			t.Fatal("first deliveries reported as seen")
		}
		c.Advance(6 * 24 * time.Hour)
		deliver(t, db, "msg:new", c.Now())
		c.Advance(24*time.Hour + time.Second) // old: a week and a second; new: a day
		n, err := s.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("Sweep forgot %d keys, want 2", n)
		}
		if diff := cmp.Diff([]string{"msg:new"}, seenKeys(t, db, "msg:old", "cmd:old", "msg:new")); diff != "" {
			t.Errorf("keys remembered after the sweep (-want +got):\n%s", diff)
		}
	})
	t.Run("Redelivery", func(t *testing.T) {
		c := &clock{now: t0}
		db := mustOpenDBAt(t, c.Now)
		s := &store.Sweeper{DB: db, Retention: week, Now: c.Now}
		deliver(t, db, "msg:m1", c.Now())
		c.Advance(time.Hour) // SNS's last retry comes about an hour later
		if _, err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if deliver(t, db, "msg:m1", c.Now()) {
			t.Error("a redelivery within the retention was handled as new")
		}
		c.Advance(week - time.Hour - time.Second)
		if _, err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if deliver(t, db, "msg:m1", c.Now()) {
			t.Error("a redelivery a second before the retention ends was handled as new")
		}
		c.Advance(2 * time.Second)
		if _, err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if !deliver(t, db, "msg:m1", c.Now()) {
			t.Error("a delivery after the retention and a sweep is still seen")
		}
	})
	t.Run("Batches", func(t *testing.T) {
		db := mustOpenDBAt(t, time.Now)
		// Dense old keys under cmd:, deleted 50 per transaction; sparse ones
		// under msg:, more than one read transaction apart.
		var old, kept []string
		err := db.Update(ctx, func(tx incident.Tx) error {
			for i := range 10000 {
				k, expired := fmt.Sprintf("msg:%05d", i), i%900 == 899
				if i < 1000 {
					k, expired = fmt.Sprintf("cmd:%05d", i), i%2 == 0
				}
				at := t0
				if expired {
					at = t0.Add(-week - time.Minute)
					old = append(old, k)
				} else {
					kept = append(kept, k)
				}
				if err := tx.Remember(k, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := db.ForgetBefore(ctx, t0.Add(-week), 50)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(old) {
			t.Errorf("ForgetBefore forgot %d keys, want %d", n, len(old))
		}
		if got := seenKeys(t, db, old...); len(got) != 0 {
			t.Errorf("%d old keys remembered after ForgetBefore, as %q", len(got), got[0])
		}
		if got := seenKeys(t, db, kept...); len(got) != len(kept) {
			t.Errorf("%d of %d new keys remembered after ForgetBefore", len(got), len(kept))
		}
	})
	t.Run("OnlyExpiredKeys", func(t *testing.T) {
		db := mustOpenDBAt(t, time.Now)
		old := t0.Add(-30 * 24 * time.Hour)
		for _, k := range []string{"msg:gone", "cmd:gone", "cmd:queued", "digest/2026-10-05T09:00:00Z", "zzz:other", "aaa:other"} {
			deliver(t, db, k, old)
		}
		// A command acknowledged but not run: the inbox replays it after
		// the outage and must find that it ran.
		for _, k := range []string{"inbox/slack/queued", "inbox/slack/gone-but-not-a-key", "certs/https://sns"} {
			if err := db.Put(ctx, k, []byte("{}")); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.ForgetBefore(ctx, t0, store.DefaultForgetBatch)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("ForgetBefore forgot %d keys, want 2", n)
		}
		want := []string{"cmd:queued", "digest/2026-10-05T09:00:00Z", "zzz:other", "aaa:other"}
		if diff := cmp.Diff(want, seenKeys(t, db, "msg:gone", "cmd:gone", "cmd:queued", "digest/2026-10-05T09:00:00Z", "zzz:other", "aaa:other")); diff != "" {
			t.Errorf("keys remembered (-want +got):\n%s", diff)
		}
		kv, err := db.Scan("")
		if err != nil {
			t.Fatal(err)
		}
		if len(kv) != 3 {
			t.Errorf("key-value area has %d entries after ForgetBefore, want the 3 put", len(kv))
		}
	})
	t.Run("Canceled", func(t *testing.T) {
		db := mustOpenDBAt(t, time.Now)
		deliver(t, db, "msg:old", t0.Add(-week-time.Hour))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := db.ForgetBefore(cctx, t0, 10); !errors.Is(err, context.Canceled) {
			t.Errorf("ForgetBefore with an ended context = %v, want context.Canceled", err)
		}
		if len(seenKeys(t, db, "msg:old")) != 1 {
			t.Error("ForgetBefore with an ended context forgot a key")
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := mustOpenDBAt(t, time.Now)
		if _, err := db.ForgetBefore(ctx, t0, 0); !errors.Is(err, incident.ErrInvalid) {
			t.Errorf("ForgetBefore(max 0) = %v, want ErrInvalid", err)
		}
	})
}

// TestSweeper_Run sweeps at start and then every Every, with the retention
// measured on the clock the keys were stamped with, until its context ends.
func TestSweeper_Run(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDBAt(t, time.Now)
		start := time.Now()
		deliver(t, db, "msg:last-week", start.Add(-week-time.Minute))
		deliver(t, db, "msg:today", start.Add(-time.Hour))
		s := &store.Sweeper{DB: db, Retention: week, Every: time.Hour, Batch: 1, Now: time.Now}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()

		synctest.Wait()
		if diff := cmp.Diff([]string{"msg:today"}, seenKeys(t, db, "msg:last-week", "msg:today")); diff != "" {
			t.Errorf("remembered after the sweep at start (-want +got):\n%s", diff)
		}
		// Sweeps run on the hour after start. msg:today, remembered an hour
		// before start, is a week old at the 167th, which keeps it (only
		// keys older than the retention go); the 168th forgets it.
		time.Sleep(week - time.Second)
		synctest.Wait()
		if len(seenKeys(t, db, "msg:today")) != 1 {
			t.Error("msg:today forgotten before it was older than the retention")
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if len(seenKeys(t, db, "msg:today")) != 0 {
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
