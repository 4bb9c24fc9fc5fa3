package report

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// TestPublisher_Run publishes at start and then once every period, until
// its context ends.
func TestPublisher_Run(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		calls := 0
		count := func() int { mu.Lock(); defer mu.Unlock(); return calls }
		start := time.Now().Add(-2 * time.Hour)
		incs := []incident.Incident{{ID: 1, Severity: incident.SEV2, Service: "api", Timestamps: incident.Timestamps{
			StartedAt: start, DetectedAt: start.Add(time.Minute), AcknowledgedAt: start.Add(3 * time.Minute), ResolvedAt: start.Add(time.Hour)}}}
		p := &Publisher{Namespace: "Tocsin/Incidents", Every: time.Hour, Now: time.Now, Logger: slog.New(slog.DiscardHandler),
			Incidents: func(context.Context) ([]incident.Incident, error) { return incs, nil }}
		p.CW = putFunc(func(ctx context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return nil
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { p.Run(ctx); close(done) }()
		synctest.Wait()
		if n := count(); n == 0 {
			t.Fatal("nothing published at start")
		}
		first := count()
		time.Sleep(2*time.Hour + time.Minute)
		synctest.Wait()
		if n := count(); n != 3*first {
			t.Errorf("PutMetricData calls after 2 h = %d, want %d (at start and each hour)", n, 3*first)
		}
		cancel()
		<-done
	})
}

// putFunc is a PutMetricDataAPI from a function.
type putFunc func(ctx context.Context) error

func (f putFunc) PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	return &cloudwatch.PutMetricDataOutput{}, f(ctx)
}
