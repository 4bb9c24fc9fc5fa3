package report

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tocsin-dev/tocsin/incident"
)

func TestCollector(t *testing.T) {
	incs := metricIncidents(t)
	incs = append(incs, incident.Incident{ID: 7, Severity: incident.SEV1, Status: incident.StatusAcknowledged,
		Timestamps: incident.Timestamps{StartedAt: at(-40 * 24 * time.Hour)}}) // open, but outside the window
	now := at(24 * time.Hour)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(func() []incident.Incident { return incs }, func() time.Time { return now }))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			got[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	// D, E and F are hand-built with no status, so they count as open. The
	// 30-day window holds A..E: E adds an MTTD of 1m and misses the rest.
	want := map[string]float64{
		"tocsin_incidents_open{severity=SEV1}": 1,
		"tocsin_incidents_open{severity=SEV2}": 0,
		"tocsin_incidents_open{severity=SEV3}": 2,
		"tocsin_incidents_open{severity=SEV4}": 1,

		"tocsin_incident_duration_missing{metric=MTTD}": 1,
		"tocsin_incident_duration_missing{metric=MTTA}": 1,
		"tocsin_incident_duration_missing{metric=MTTM}": 4,
		"tocsin_incident_duration_missing{metric=MTTR}": 2,

		"tocsin_incident_duration_seconds{metric=MTTD,quantile=0.5,window=30d}": 120,
		"tocsin_incident_duration_seconds{metric=MTTD,quantile=0.9,window=30d}": 1800,
		"tocsin_incident_duration_seconds{metric=MTTA,quantile=0.5,window=30d}": 300,
		"tocsin_incident_duration_seconds{metric=MTTA,quantile=0.9,window=30d}": 600,
		"tocsin_incident_duration_seconds{metric=MTTM,quantile=0.5,window=30d}": 1800,
		"tocsin_incident_duration_seconds{metric=MTTM,quantile=0.9,window=30d}": 1800,
		"tocsin_incident_duration_seconds{metric=MTTR,quantile=0.5,window=30d}": 5400,
		"tocsin_incident_duration_seconds{metric=MTTR,quantile=0.9,window=30d}": 7200,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gathered metrics (-want +got):\n%s", diff)
	}
}

func TestCollector_NoIncidentsExportsNoQuantiles(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(func() []incident.Incident { return nil }, nil))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "tocsin_incident_duration_seconds" {
			t.Errorf("quantiles exported with no incidents: %v", mf)
		}
	}
}
