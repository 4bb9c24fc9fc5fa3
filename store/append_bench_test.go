package store_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
)

// writers is how many goroutines append at once in the parallel variants:
// about what an alarm storm puts on the store (PERFORMANCE.md: group commit
// pays off from a few dozen concurrent writers).
const writers = 128

// benchIncidents opens n incidents to append to.
func benchIncidents(b *testing.B, update func(context.Context, func(incident.Tx) error) error, n int) []incident.ID {
	b.Helper()
	ids := make([]incident.ID, n)
	for i := range ids {
		err := update(context.Background(), func(tx incident.Tx) error {
			inc, err := tx.Open(opened(fmt.Sprintf("pb:bench:svc%d", i), fmt.Sprintf("arn:aws:cloudwatch:us-east-1:123456789012:alarm:bench-%d", i)))
			ids[i] = inc.ID
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// note is a timeline event of about the size of an alarm event (~300 bytes
// of JSON once chained).
var note = incident.Event{Type: incident.EventNote, At: t0.Add(time.Minute), Actor: "U0ONCALL",
	Text: "p99 latency on the api target group is back under 300 ms since the rollback of deploy 4812; still watching 5xx on the canary"}

// benchmarkAppend appends one event per operation, each in its own durable
// transaction, from one goroutine or from `writers` at once, round robin
// over ten incidents (so keys interleave as in a storm). file-B/event is
// the growth of bbolt's used size per event.
func benchmarkAppend(b *testing.B, db *store.DB, parallel bool, update func(context.Context, func(incident.Tx) error) error) {
	ids := benchIncidents(b, update, 10)
	size := db.Size()
	ctx := context.Background()
	appendOne := func(id incident.ID) {
		if err := update(ctx, func(tx incident.Tx) error { _, err := tx.Append(id, note); return err }); err != nil {
			b.Error(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if !parallel {
		for i := 0; b.Loop(); i++ {
			appendOne(ids[i%len(ids)])
		}
	} else {
		var next atomic.Int64
		b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			id := ids[int(next.Add(1))%len(ids)]
			for pb.Next() {
				appendOne(id)
			}
		})
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(float64(db.Size()-size)/float64(b.N), "file-B/event")
}

// BenchmarkDB_Append compares group commit (Update, the store's committer) with one
// commit per write (UpdateOne), each fsynced, on a real file.
func BenchmarkDB_Append(b *testing.B) {
	for _, bc := range []struct {
		name     string
		parallel bool
		one      bool
	}{
		{"Update/serial", false, false},
		{"Update/parallel", true, false},
		{"UpdateOne/serial", false, true},
		{"UpdateOne/parallel", true, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db, _ := MustOpenDB(b)
			update := db.Update
			if bc.one {
				update = db.UpdateOne
			}
			benchmarkAppend(b, db, bc.parallel, update)
		})
	}
}
