package report

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tocsin-dev/tocsin/incident"
)

// promWindow is the look-back of the duration gauges, and its label value.
const (
	promWindow      = 30 * 24 * time.Hour
	promWindowLabel = "30d"
)

// Collector exposes incident metrics to Prometheus, computed afresh from
// source at every scrape:
//
//	tocsin_incidents_open{severity}                                  open incidents
//	tocsin_incident_duration_seconds{metric,quantile,window="30d"}   P50 and P90 (nearest rank)
//	tocsin_incident_duration_missing{metric}                         incidents of the window missing the metric
//
// A quantile with no measured incident is left out rather than exported as 0.
// Register it on an injected prometheus.Registerer; there are no globals.
type Collector struct {
	source func() []incident.Incident
	now    func() time.Time

	open, duration, missing *prometheus.Desc
}

// NewCollector returns a Collector reading incidents from source and the
// time from now (time.Now when nil).
func NewCollector(source func() []incident.Incident, now func() time.Time) *Collector {
	if now == nil {
		now = time.Now
	}
	return &Collector{
		source: source,
		now:    now,
		open: prometheus.NewDesc("tocsin_incidents_open",
			"Incidents not yet resolved or closed, by severity.", []string{"severity"}, nil),
		duration: prometheus.NewDesc("tocsin_incident_duration_seconds",
			"Quantiles (nearest rank) of MTTD, MTTA, MTTM and MTTR over incidents started in the window.",
			[]string{"metric", "quantile", "window"}, nil),
		missing: prometheus.NewDesc("tocsin_incident_duration_missing",
			"Incidents started in the last "+promWindowLabel+" that lack a timestamp the metric needs.",
			[]string{"metric"}, nil),
	}
}

// Describe sends the three descriptors.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.open
	ch <- c.duration
	ch <- c.missing
}

// Collect summarises the incidents of the last 30 days and counts the open ones.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	incs := c.source()
	now := c.now()
	open := map[string]int{}
	for _, s := range []incident.Severity{incident.SEV1, incident.SEV2, incident.SEV3, incident.SEV4} {
		open[s.String()] = 0
	}
	for i := range incs {
		if incs[i].Open() {
			open[incs[i].Severity.String()]++
		}
	}
	for sev, n := range open {
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(n), sev)
	}
	s := Summarize(incs, now.Add(-promWindow), now, "")
	for _, m := range incident.MetricNames() {
		st := s.Overall[m]
		ch <- prometheus.MustNewConstMetric(c.missing, prometheus.GaugeValue, float64(st.Missing), m)
		if st.Count == 0 {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.duration, prometheus.GaugeValue, st.P50.Seconds(), m, "0.5", promWindowLabel)
		ch <- prometheus.MustNewConstMetric(c.duration, prometheus.GaugeValue, st.P90.Seconds(), m, "0.9", promWindowLabel)
	}
}
