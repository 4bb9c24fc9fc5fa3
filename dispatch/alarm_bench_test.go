package dispatch_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/runbooks"
	"github.com/tocsin-dev/tocsin/store"
)

// BenchmarkEngine_Alarm is the engine's whole durable work for one alarm
// state change (dedup by MessageId, grouping, append to the open incident,
// header refresh) when the incident already links `linked` alarms, called
// by 128 goroutines at once as POST /sns is in a storm, on a real store
// with group commit. ns/op is wall time per alarm at that concurrency.
func BenchmarkEngine_Alarm(b *testing.B) {
	for _, linked := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("linked=%d", linked), func(b *testing.B) { benchmarkAlarm(b, linked) })
	}
}

func benchmarkAlarm(b *testing.B, linked int) {
	e := benchEngine(b)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	change := func(n int) incident.Alarm {
		a := albAlarm()
		a.Name = fmt.Sprintf("api-alb-target-5xx-%04d", n%linked)
		a.ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + a.Name
		a.ChangedAt, a.MessageID = t0.Add(time.Duration(n)*time.Second), fmt.Sprintf("bench-%08d", n)
		return a
	}
	for n := range linked {
		if err := e.Alarm(ctx, change(n)); err != nil {
			b.Fatal(err)
		}
	}
	var seq atomic.Int64
	seq.Store(int64(linked))
	b.SetParallelism(max(1, 128/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := e.Alarm(ctx, change(int(seq.Add(1)))); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "alarms/s")
}

// benchEngine is an engine on a fresh store with the built-in playbooks and
// runbooks and no outbox worker.
func benchEngine(b *testing.B) *dispatch.Engine {
	b.Helper()
	db, err := store.Open(filepath.Join(b.TempDir(), "tocsin.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	pb, err := playbooks.Load("")
	if err != nil {
		b.Fatal(err)
	}
	rb, err := runbooks.Load("")
	if err != nil {
		b.Fatal(err)
	}
	return dispatch.New(dispatch.Config{Store: db, Lister: db,
		Playbooks: func() *playbooks.Set { return pb }, Runbooks: func() *runbooks.Set { return rb }})
}
