package report

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/golden"
	"github.com/tocsin-dev/tocsin/incident"
)

var t0 = time.Date(2021, 12, 19, 23, 1, 5, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

const minute = time.Minute

func st(count, missing int, mean, p50, p90 time.Duration) Stat {
	return Stat{Count: count, Missing: missing, Mean: mean, P50: p50, P90: p90}
}

// metricIncidents are four incidents in the window and two outside it:
//
//	A SEV2 api: MTTD 4m, MTTA 5m, MTTM 30m, MTTR 1h
//	B SEV2 db, reopened: MTTD 2m, MTTA 3m, MTTM missing, MTTR 2h (last resolution)
//	C SEV1 api, declared, StartedAt corrected back 30m: MTTD 30m, MTTA 10m, MTTM missing, MTTR 1h30m
//	D SEV3 no service, no StartedAt: placed by DetectedAt; MTTA 10m, the rest missing
//	E started eight days before the window; F has no timestamps at all
func metricIncidents(tb testing.TB) []incident.Incident {
	a := newTimeline(tb, 1).
		add(at(4*minute), incident.EventOpened, "tocsin", "", "title", "API 5xx", "severity", "SEV2", "service", "api",
			"source", "alarm", "started_at", incident.FormatTime(t0), "detected_at", incident.FormatTime(at(4*minute))).
		add(at(9*minute), incident.EventAcknowledged, "U1", "").
		add(at(30*minute), incident.EventMitigated, "U1", "").
		add(at(60*minute), incident.EventResolved, "U1", "fixed")
	b := newTimeline(tb, 2).
		add(at(62*minute), incident.EventOpened, "tocsin", "", "title", "DB", "severity", "SEV2", "service", "db",
			"source", "alarm", "started_at", incident.FormatTime(at(60*minute)), "detected_at", incident.FormatTime(at(62*minute))).
		add(at(65*minute), incident.EventAcknowledged, "U2", "").
		add(at(80*minute), incident.EventResolved, "U2", "restarted").
		add(at(120*minute), incident.EventReopened, "U2", "back again").
		add(at(180*minute), incident.EventResolved, "U2", "really fixed")
	c := newTimeline(tb, 3).
		add(at(120*minute), incident.EventOpened, "U3", "", "title", "Slow", "severity", "SEV1", "service", "api", "source", "declared").
		add(at(125*minute), incident.EventCorrected, "U3", "", "field", "started", "at", incident.FormatTime(at(90*minute))).
		add(at(130*minute), incident.EventAcknowledged, "U3", "").
		add(at(180*minute), incident.EventResolved, "U3", "")
	d := incident.Incident{ID: 4, Severity: incident.SEV3, Timestamps: incident.Timestamps{DetectedAt: at(30 * minute), AcknowledgedAt: at(40 * minute)}}
	e := incident.Incident{ID: 5, Severity: incident.SEV3, Service: "api", Timestamps: incident.Timestamps{StartedAt: at(-8 * 24 * time.Hour), DetectedAt: at(-8*24*time.Hour + minute)}}
	f := incident.Incident{ID: 6, Severity: incident.SEV4}
	return []incident.Incident{a.incident(), b.incident(), c.incident(), d, e, f}
}

func TestSummarize(t *testing.T) {
	incs := metricIncidents(t)
	since, until := at(-24*time.Hour), at(24*time.Hour)
	missing := st(0, 1, 0, 0, 0)
	tests := []struct {
		name    string
		service string
		want    Summary
	}{
		{name: "All", want: Summary{
			Since: since, Until: until, Incidents: 4,
			Overall: map[string]Stat{
				incident.MTTD: st(3, 1, 12*minute, 4*minute, 30*minute),
				incident.MTTA: st(4, 0, 7*minute, 5*minute, 10*minute),
				incident.MTTM: st(1, 3, 30*minute, 30*minute, 30*minute),
				incident.MTTR: st(3, 1, 90*minute, 90*minute, 120*minute),
			},
			BySeverity: map[string]map[string]Stat{
				"SEV1": {incident.MTTD: st(1, 0, 30*minute, 30*minute, 30*minute), incident.MTTA: st(1, 0, 10*minute, 10*minute, 10*minute), incident.MTTM: missing, incident.MTTR: st(1, 0, 90*minute, 90*minute, 90*minute)},
				"SEV2": {incident.MTTD: st(2, 0, 3*minute, 2*minute, 4*minute), incident.MTTA: st(2, 0, 4*minute, 3*minute, 5*minute), incident.MTTM: st(1, 1, 30*minute, 30*minute, 30*minute), incident.MTTR: st(2, 0, 90*minute, 60*minute, 120*minute)},
				"SEV3": {incident.MTTD: missing, incident.MTTA: st(1, 0, 10*minute, 10*minute, 10*minute), incident.MTTM: missing, incident.MTTR: missing},
			},
			ByService: map[string]map[string]Stat{
				"api":     {incident.MTTD: st(2, 0, 17*minute, 4*minute, 30*minute), incident.MTTA: st(2, 0, 7*minute+30*time.Second, 5*minute, 10*minute), incident.MTTM: st(1, 1, 30*minute, 30*minute, 30*minute), incident.MTTR: st(2, 0, 75*minute, 60*minute, 90*minute)},
				"db":      {incident.MTTD: st(1, 0, 2*minute, 2*minute, 2*minute), incident.MTTA: st(1, 0, 3*minute, 3*minute, 3*minute), incident.MTTM: missing, incident.MTTR: st(1, 0, 120*minute, 120*minute, 120*minute)},
				NoService: {incident.MTTD: missing, incident.MTTA: st(1, 0, 10*minute, 10*minute, 10*minute), incident.MTTM: missing, incident.MTTR: missing},
			},
		}},
		{name: "ServiceFilter", service: "db", want: Summary{
			Since: since, Until: until, Service: "db", Incidents: 1,
			Overall: map[string]Stat{
				incident.MTTD: st(1, 0, 2*minute, 2*minute, 2*minute), incident.MTTA: st(1, 0, 3*minute, 3*minute, 3*minute),
				incident.MTTM: missing, incident.MTTR: st(1, 0, 120*minute, 120*minute, 120*minute),
			},
			BySeverity: map[string]map[string]Stat{"SEV2": {incident.MTTD: st(1, 0, 2*minute, 2*minute, 2*minute), incident.MTTA: st(1, 0, 3*minute, 3*minute, 3*minute), incident.MTTM: missing, incident.MTTR: st(1, 0, 120*minute, 120*minute, 120*minute)}},
			ByService:  map[string]map[string]Stat{"db": {incident.MTTD: st(1, 0, 2*minute, 2*minute, 2*minute), incident.MTTA: st(1, 0, 3*minute, 3*minute, 3*minute), incident.MTTM: missing, incident.MTTR: st(1, 0, 120*minute, 120*minute, 120*minute)}},
		}},
		{name: "EmptyWindow", want: Summary{
			Since: since, Until: until,
			Overall:    map[string]Stat{incident.MTTD: {}, incident.MTTA: {}, incident.MTTM: {}, incident.MTTR: {}},
			BySeverity: map[string]map[string]Stat{}, ByService: map[string]map[string]Stat{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := incs
			if tt.name == "EmptyWindow" {
				in = nil
			}
			got := Summarize(in, since, until, tt.service)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Summary{}, "Samples")); diff != "" {
				t.Errorf("Summarize mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummarize_Samples(t *testing.T) {
	got := Summarize(metricIncidents(t), at(-24*time.Hour), at(24*time.Hour), "")
	var mttr []Sample
	for _, s := range got.Samples {
		if s.Metric == incident.MTTR {
			mttr = append(mttr, s)
		}
	}
	want := []Sample{
		{Metric: incident.MTTR, Service: "api", Severity: "SEV1", Values: []float64{5400}, Counts: []float64{1}},
		{Metric: incident.MTTR, Service: "api", Severity: "SEV2", Values: []float64{3600}, Counts: []float64{1}},
		{Metric: incident.MTTR, Service: "db", Severity: "SEV2", Values: []float64{7200}, Counts: []float64{1}},
	}
	if diff := cmp.Diff(want, mttr, cmpopts.SortSlices(func(a, b Sample) bool { return a.Service+a.Severity < b.Service+b.Severity })); diff != "" {
		t.Errorf("MTTR samples (-want +got):\n%s", diff)
	}
}

func TestSummarize_RunLengthAndRanks(t *testing.T) {
	var incs []incident.Incident
	for i, d := range []time.Duration{1, 1, 2, 10, 3, 3, 4, 5, 6, 7} { // seconds
		incs = append(incs, incident.Incident{ID: incident.ID(i + 1), Service: "x", Severity: incident.SEV2,
			Timestamps: incident.Timestamps{StartedAt: t0, DetectedAt: t0.Add(d * time.Second)}})
	}
	s := Summarize(incs, t0, t0.Add(time.Hour), "")
	// sorted 1 1 2 3 3 4 5 6 7 10: ranks ceil(5)=5 and ceil(9)=9; mean 42/10 = 4.2s
	if diff := cmp.Diff(st(10, 0, 4200*time.Millisecond, 3*time.Second, 7*time.Second), s.Overall[incident.MTTD]); diff != "" {
		t.Errorf("MTTD (-want +got):\n%s", diff)
	}
	want := Sample{Metric: incident.MTTD, Service: "x", Severity: "SEV2",
		Values: []float64{1, 2, 3, 4, 5, 6, 7, 10}, Counts: []float64{2, 1, 2, 1, 1, 1, 1, 1}}
	if diff := cmp.Diff(want, s.Samples[0]); diff != "" {
		t.Errorf("sample (-want +got):\n%s", diff)
	}
}

func TestRank(t *testing.T) {
	tests := []struct{ p, n, want int }{
		{50, 1, 1}, {90, 1, 1}, {50, 2, 1}, {90, 2, 2}, {50, 3, 2}, {90, 10, 9}, {90, 11, 10}, {50, 100, 50}, {90, 0, 0},
	}
	for _, tt := range tests {
		if got := rank(tt.p, tt.n); got != tt.want {
			t.Errorf("rank(%d, %d) = %d, want %d", tt.p, tt.n, got, tt.want)
		}
	}
}

func TestParseWindow(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{in: "7d", want: 7 * 24 * time.Hour}, {in: "30d", want: 30 * 24 * time.Hour}, {in: "90d", want: 90 * 24 * time.Hour},
		{in: "24h", want: 24 * time.Hour}, {in: "2w", want: 14 * 24 * time.Hour}, {in: " 1h30m ", want: 90 * time.Minute},
		{in: "", err: true}, {in: "d", err: true}, {in: "0d", err: true}, {in: "-3d", err: true}, {in: "abc", err: true}, {in: "99999999d", err: true},
	}
	for _, tt := range tests {
		got, err := ParseWindow(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestSummary_JSON(t *testing.T) {
	s := Summarize(metricIncidents(t), at(-24*time.Hour), at(24*time.Hour), "")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"MTTM":{"count":0,"missing":1,"mean_seconds":null,"p50_seconds":null,"p90_seconds":null}`) {
		t.Errorf("a missing metric must be null, not zero: %s", b)
	}
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, back, cmpopts.IgnoreFields(Summary{}, "Samples")); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

func TestSummary_Table(t *testing.T) {
	s := Summarize(metricIncidents(t), at(-24*time.Hour), at(24*time.Hour), "")
	golden.Check(t, filepath.Join("testdata", "metrics_table.golden"), s.Table())
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", 245 * time.Second: "4m05s", 62*minute + 29*time.Second: "1h02m",
		51 * time.Hour: "2d03h", -4 * minute: "-4m00s", 1499 * time.Millisecond: "1s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// bigIncidents is n incidents over 50 services and four severities, with
// every tenth missing its acknowledgement and every seventh its resolution.
func bigIncidents(n int) []incident.Incident {
	incs := make([]incident.Incident, n)
	for i := range incs {
		start := t0.Add(time.Duration(i) * time.Minute)
		ts := incident.Timestamps{StartedAt: start, DetectedAt: start.Add(time.Duration(i%300) * time.Second)}
		if i%10 != 0 {
			ts.AcknowledgedAt = ts.DetectedAt.Add(time.Duration(i%900) * time.Second)
		}
		ts.MitigatedAt = start.Add(time.Duration(i%5000) * time.Second)
		if i%7 != 0 {
			ts.ResolvedAt = start.Add(time.Duration(i%20000) * time.Second)
		}
		incs[i] = incident.Incident{ID: incident.ID(i + 1), Severity: incident.Severity(1 + i%4),
			Service: fmt.Sprintf("svc-%02d", i%50), Timestamps: ts}
	}
	return incs
}

func BenchmarkSummarize100k(b *testing.B) {
	incs := bigIncidents(100_000)
	until := t0.Add(100_000 * time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		s := Summarize(incs, t0, until, "")
		if s.Incidents != len(incs) {
			b.Fatalf("got %d incidents", s.Incidents)
		}
	}
}

func TestSummary_Brief(t *testing.T) {
	tl := inc42(t)
	s := Summarize([]incident.Incident{tl.incident()}, hm(0, 0, 0), hm(48, 0, 0), "")
	want := "*The last 2 days* (19 Dec 00:00 – 21 Dec 00:00 UTC): 1 incident.\nMedians: MTTD 5m05s · MTTA 4m25s · MTTM missing · MTTR 1h45m"
	if got := s.Brief(WindowLabel(48 * time.Hour)); got != want {
		t.Errorf("Brief =\n%s\nwant\n%s", got, want)
	}
	for d, want := range map[time.Duration]string{24 * time.Hour: "The last day", 30 * 24 * time.Hour: "The last 30 days",
		14 * 24 * time.Hour: "The last 2 weeks", 7 * 24 * time.Hour: "The last 7 days", 12 * time.Hour: "The last 12h0m0s"} {
		if got := WindowLabel(d); got != want {
			t.Errorf("WindowLabel(%v) = %q, want %q", d, got, want)
		}
	}
}
