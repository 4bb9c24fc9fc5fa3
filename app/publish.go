package app

import (
	"time"

	"github.com/tocsin-dev/tocsin/report"
)

// publishEvery is how often MTTD/MTTA/MTTM/MTTR are published to CloudWatch.
const publishEvery = time.Hour

// wirePublish publishes the metrics to CloudWatch with PutMetricData every
// hour when TOCSIN_CLOUDWATCH_NAMESPACE is set.
func (a *App) wirePublish() {
	if a.cfg.MetricsNS == "" || a.aws == nil {
		return
	}
	p := &report.Publisher{CW: a.aws.cw, Namespace: a.cfg.MetricsNS, Every: publishEvery,
		Incidents: a.store.Summaries, Now: a.now, Logger: a.log.With("component", "publish")}
	a.once("publish", p.Run)
}
