package pgstore_test

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// BenchmarkDB_Update measures durable Update throughput: each operation is
// one transaction, committed with PostgreSQL's default synchronous_commit
// (on: the WAL is flushed before COMMIT returns), doing what the engine
// does for an alarm notification that joins an open incident: check and
// remember its MessageId, find the incident by alarm, append the alarm
// event, enqueue the coalesced header refresh. Ten incidents, serially and
// from 64 goroutines, with the pool at its default size (4 connections, or
// one per CPU past 4) and at 32.
func BenchmarkDB_Update(b *testing.B) {
	for _, bc := range []struct {
		name    string
		writers int
		conns   int
	}{
		{"serial", 1, 0},
		{"parallel/pool=default", 64, 0},
		{"parallel/pool=32", 64, 32},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dbURL := freshSchema(b)
			if bc.conns > 0 {
				u, _ := url.Parse(dbURL)
				q := u.Query()
				q.Set("pool_max_conns", strconv.Itoa(bc.conns))
				u.RawQuery = q.Encode()
				dbURL = u.String()
			}
			db := mustOpen(b, dbURL, time.Now)
			const incidents = 10
			arns := make([]string, incidents)
			for i := range arns {
				arns[i] = fmt.Sprintf("arn:aws:cloudwatch:us-east-1:123456789012:alarm:bench-%d", i)
				mustOpenIncident(b, db, fmt.Sprintf("pb:bench:svc%d", i), arns[i])
			}
			var msg atomic.Int64
			ctx := context.Background()
			notify := func(arn string) {
				n := msg.Add(1)
				err := db.Update(ctx, func(tx incident.Tx) error {
					key := fmt.Sprintf("msg:%d", n)
					if seen, err := tx.Seen(key); err != nil || seen {
						return err
					}
					if err := tx.Remember(key, time.Now()); err != nil {
						return err
					}
					id, ok, err := tx.OpenByAlarm(arn)
					if err != nil || !ok {
						return fmt.Errorf("alarm %s has no open incident (%v)", arn, err)
					}
					state := []incident.State{incident.StateAlarm, incident.StateOK}[n%2]
					at := time.Now()
					if _, err := tx.Append(id, incident.Event{Type: incident.EventAlarm, At: at, Actor: "alarm:bench",
						Data: map[string]string{"alarm_arn": arn, "alarm_name": arn[len(arn)-7:], "state": string(state),
							"changed_at": incident.FormatTime(at), "message_id": key, "found_by": "sns"}}); err != nil {
						return err
					}
					return tx.Enqueue(incident.Effect{Kind: "slack.update", Incident: id, Key: fmt.Sprintf("update:%d", id)})
				})
				if err != nil {
					b.Error(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			if bc.writers == 1 {
				for i := 0; b.Loop(); i++ {
					notify(arns[i%incidents])
				}
			} else {
				var next atomic.Int64
				b.SetParallelism(max(1, bc.writers/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					arn := arns[int(next.Add(1))%incidents]
					for pb.Next() {
						notify(arn)
					}
				})
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
		})
	}
}
