package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
)

// The simulated traffic: a busy account's SNS alarm notifications and
// Slack commands, each remembering one idempotency key, in bursts that the
// committer would group into one commit.
const (
	msgsPerDay = 4000
	cmdsPerDay = 80
	burst      = 1020 // keys per commit: 4 bursts a day
	monthDays  = 30
)

// traffic makes idempotency keys like the dispatch engine's:
// msg:<SNS MessageId, a UUID> and cmd:<Slack trigger_id>.
type traffic struct{ r *rand.Rand }

func newTraffic() *traffic { return &traffic{rand.New(rand.NewPCG(7, 11))} }

func (tr *traffic) key(i int) string {
	if i%((msgsPerDay+cmdsPerDay)/cmdsPerDay) == 0 {
		return fmt.Sprintf("cmd:%d.%d.%032x", 1e10+tr.r.Int64N(1e9), tr.r.Int64N(1e9), tr.r.Uint64())
	}
	a, b := tr.r.Uint64(), tr.r.Uint64()
	return fmt.Sprintf("msg:%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48&0x3fff|0x8000, b&0xffffffffffff)
}

// day remembers a day of keys, in bursts spread over the day, from c's
// time on, and leaves c at the end of the day.
func (tr *traffic) day(b *testing.B, db *store.DB, c *clock) {
	b.Helper()
	n := msgsPerDay + cmdsPerDay
	step := 24 * time.Hour / time.Duration(n/burst)
	for i := 0; i < n; i += burst {
		at := c.Now()
		err := db.Update(context.Background(), func(tx incident.Tx) error {
			for j := range burst {
				if err := tx.Remember(tr.key(i+j), at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		c.Advance(step)
	}
}

// BenchmarkSweeper_Month simulates a month of traffic with the clock
// advanced through it, swept daily with a week's retention (pruned) or
// never (unpruned). It reports the store's size (bbolt's high-water mark:
// what the file must hold) on days 10, 20 and 30, the file's size on disk
// at the end, the keys kept and the daily sweep's time. bbolt grows the
// file in 16 MB steps and never shrinks it, so file-MB moves only when the
// high-water mark crosses a step: pruned, it never does; unpruned, it takes
// a step about every five weeks at this rate, for ever.
func BenchmarkSweeper_Month(b *testing.B) {
	for _, bc := range []struct {
		name  string
		prune bool
		keys  int // kept at the end
	}{
		{"pruned", true, 7 * (msgsPerDay + cmdsPerDay)},
		{"unpruned", false, monthDays * (msgsPerDay + cmdsPerDay)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				c := &clock{now: t0}
				db := mustOpenDBAt(b, c.Now)
				s := &store.Sweeper{DB: db, Retention: week, Now: c.Now}
				tr := newTraffic()
				var swept time.Duration
				for d := 1; d <= monthDays; d++ {
					tr.day(b, db, c)
					if bc.prune {
						start := time.Now()
						if _, err := s.Sweep(context.Background()); err != nil {
							b.Fatal(err)
						}
						swept += time.Since(start)
					}
					if d%10 == 0 {
						b.ReportMetric(float64(db.Size())/1e6, fmt.Sprintf("MB@day%d", d))
					}
				}
				if n := db.CountSeen(); n != bc.keys {
					b.Fatalf("%d keys kept after a month, want %d", n, bc.keys)
				}
				fi, err := os.Stat(db.Path())
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(fi.Size())/1e6, "file-MB")
				b.ReportMetric(float64(bc.keys), "keys")
				if bc.prune {
					b.ReportMetric(swept.Seconds()*1e3/monthDays, "sweep-ms")
				}
			}
		})
	}
}

// BenchmarkSweeper_Sweep measures one sweep of a store in its steady state
// (a week of keys kept and a day's expired) while intake commits one key at
// a time, as SNS deliveries do. It reports the sweep's time, the read cost
// per key of a sweep's full scan, and intake's commits during the sweep
// (slowest and mean) against as many without one.
func BenchmarkSweeper_Sweep(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		c := &clock{now: t0}
		db := mustOpenDBAt(b, c.Now)
		s := &store.Sweeper{DB: db, Retention: week, Now: c.Now}
		tr := newTraffic()
		for range 8 {
			tr.day(b, db, c)
		}
		keys := db.CountSeen()
		c.Advance(time.Second)
		b.StartTimer()

		start := time.Now()
		var n int
		during := intake(b, db, c.Now(), "during", -1, func() {
			var err error
			if n, err = s.Sweep(context.Background()); err != nil {
				b.Error(err)
			}
		})
		took := time.Since(start)

		b.StopTimer()
		start = time.Now()
		if _, err := s.Sweep(context.Background()); err != nil { // nothing left to forget: the scan alone
			b.Fatal(err)
		}
		scan := time.Since(start)
		alone := intake(b, db, c.Now(), "alone", during.n, nil)
		b.StartTimer()

		b.ReportMetric(took.Seconds()*1e3, "sweep-ms")
		b.ReportMetric(float64(n), "forgotten")
		b.ReportMetric(float64(scan.Nanoseconds())/float64(keys-n+during.n), "scan-ns/key")
		b.ReportMetric(during.slowest.Seconds()*1e3, "intake-max-ms")
		b.ReportMetric(during.mean().Seconds()*1e3, "intake-mean-ms")
		b.ReportMetric(alone.slowest.Seconds()*1e3, "intake-max-ms-unswept")
		b.ReportMetric(alone.mean().Seconds()*1e3, "intake-mean-ms-unswept")
	}
}

// latency sums intake's commits.
type latency struct {
	n             int
	slowest, took time.Duration
}

func (l latency) mean() time.Duration { return l.took / time.Duration(max(l.n, 1)) }

// intake commits one new key per write, one after the other: while during
// runs if it is set, else n of them.
func intake(b *testing.B, db *store.DB, at time.Time, name string, n int, during func()) latency {
	var l latency
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i != n; i++ {
			select {
			case <-stop:
				return
			default:
			}
			key := fmt.Sprintf("msg:%s-%d", name, i)
			start := time.Now()
			if err := db.Update(context.Background(), func(tx incident.Tx) error { return tx.Remember(key, at) }); err != nil {
				b.Error(err)
			}
			d := time.Since(start)
			l.n, l.took, l.slowest = l.n+1, l.took+d, max(l.slowest, d)
		}
	})
	if during != nil {
		during()
		close(stop)
	}
	wg.Wait()
	return l
}
