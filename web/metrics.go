package web

import (
	"cmp"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// metricsView is the body of the metrics page.
type metricsView struct {
	Since, Until string
	Service      string
	Windows      []windowLink
	Incidents    int
	Overall      []statRow
	BySeverity   []statGroup
	ByService    []statGroup
	Charts       []chart
}

// windowLink switches the page to another look-back window.
type windowLink struct {
	Label, Href string
	Current     bool
}

// statRow is one metric's statistics; durations are "missing" when no
// incident had the metric.
type statRow struct {
	Metric         string
	Count, Missing int
	Mean, P50, P90 string
}

// statGroup is one severity's or service's metrics.
type statGroup struct {
	Name string
	Rows []statRow
}

// metricsPage shows the metrics summary for ?since=&until=&service= (the
// same parameters as GET /api/metrics), as tables and two charts.
func metricsPage(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		since, until, err := window(q, cfg.Now())
		if err != nil {
			renderError(w, cfg.Logger, http.StatusBadRequest, err.Error(), true)
			return
		}
		incs, err := cfg.Source.Incidents(r.Context(), false)
		if err != nil {
			cfg.Logger.Error("list incidents", "err", err)
			renderError(w, cfg.Logger, http.StatusInternalServerError, "The incidents could not be read. Try again in a moment.", true)
			return
		}
		s := report.Summarize(incs, since, until, q.Get("service"))
		v := newMetricsView(s, q)
		render(w, cfg.Logger, http.StatusOK, "metrics", page{Title: "Metrics", Nav: true, Body: v})
	}
}

func newMetricsView(s report.Summary, q url.Values) metricsView {
	v := metricsView{
		Since: utcTime(s.Since), Until: utcTime(s.Until), Service: s.Service,
		Incidents: s.Incidents, Overall: statRows(s.Overall),
	}
	for _, w := range []string{"7d", "30d", "90d", "365d"} {
		lq := url.Values{"since": {w}}
		if s.Service != "" {
			lq.Set("service", s.Service)
		}
		current := q.Get("since") == w || (q.Get("since") == "" && w == "30d")
		v.Windows = append(v.Windows, windowLink{Label: w, Href: "/metrics-view?" + lq.Encode(), Current: current})
	}
	for _, k := range slices.SortedFunc(maps.Keys(s.BySeverity), severityFirst) {
		v.BySeverity = append(v.BySeverity, statGroup{k, statRows(s.BySeverity[k])})
	}
	for _, k := range slices.SortedFunc(maps.Keys(s.ByService), noServiceLast) {
		v.ByService = append(v.ByService, statGroup{k, statRows(s.ByService[k])})
	}
	v.Charts = []chart{metricChart(s.Overall), severityChart(s.BySeverity)}
	return v
}

func statRows(m map[string]report.Stat) []statRow {
	var rows []statRow
	for _, name := range incident.MetricNames() {
		st, ok := m[name]
		if !ok {
			continue
		}
		r := statRow{Metric: name, Count: st.Count, Missing: st.Missing, Mean: "missing", P50: "missing", P90: "missing"}
		if st.Count > 0 {
			r.Mean, r.P50, r.P90 = duration(st.Mean), duration(st.P50), duration(st.P90)
		}
		rows = append(rows, r)
	}
	return rows
}

// severityFirst sorts SEV1..SEV4 and puts "SEV?" last.
func severityFirst(a, b string) int {
	return cmp.Or(cmp.Compare(boolInt(a == "SEV?"), boolInt(b == "SEV?")), strings.Compare(a, b))
}

// noServiceLast sorts services by name, incidents without one last.
func noServiceLast(a, b string) int {
	return cmp.Or(cmp.Compare(boolInt(a == report.NoService), boolInt(b == report.NoService)), strings.Compare(a, b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// groupSize is the number of incidents in a group: each one either had a
// metric or was missing it.
func groupSize(stats map[string]report.Stat) int {
	st := stats[incident.MTTD]
	return st.Count + st.Missing
}
