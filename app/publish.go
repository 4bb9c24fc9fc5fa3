package app

import (
	"context"
	"time"

	"github.com/tocsin-dev/tocsin/report"
)

// publishEvery is how often MTTD/MTTA/MTTM/MTTR are published to CloudWatch.
const publishEvery = time.Hour

// wirePublish publishes the last 30 days' metrics to CloudWatch with
// PutMetricData every hour, when TOCSIN_CLOUDWATCH_NAMESPACE is set, so
// teams can alarm on them.
func (a *App) wirePublish() {
	if a.cfg.MetricsNS == "" || a.aws == nil {
		return
	}
	a.background = append(a.background, background{"publish", func(ctx context.Context) error {
		t := time.NewTicker(publishEvery)
		defer t.Stop()
		for {
			if err := a.publishOnce(ctx); err != nil {
				a.log.Warn("publish metrics to CloudWatch", "err", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}})
}

func (a *App) publishOnce(ctx context.Context) error {
	incs, err := a.store.Summaries(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	s := report.Summarize(incs, now.Add(-30*24*time.Hour), now, "")
	return report.Publish(ctx, a.aws.cw, a.cfg.MetricsNS, s, now)
}
