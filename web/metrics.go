package web

import (
	"cmp"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// trendWeeks is how many weeks the metrics view's trend shows.
const trendWeeks = 8

// metricsView is the body of the metrics page: the window's incidents and
// their metrics in one table (all, each severity, each service), each
// number linking to the incidents behind it, and the trend over weeks.
type metricsView struct {
	Since, Until string
	Service      string
	Windows      []windowLink
	Incidents    int
	ListHref     string // the incidents of the window, on the list
	Metrics      []string
	Rows         []tableRow
	Trend        []columns // incidents per week, then each metric's median per week
}

// windowLink switches the page to another look-back window.
type windowLink struct {
	Label, Href string
	Current     bool
}

// tableRow is one group of incidents in the metrics table.
type tableRow struct {
	Label     string
	Group     string // "all", "severity" or "service"
	Href      string // the group's incidents on the list ("" if it cannot be filtered)
	Incidents int
	Cells     []metricCell
}

// metricCell is one metric of a group: its median, with the mean, p90 and
// how many were measured and missing as a tooltip.
type metricCell struct {
	Median string
	Detail string
}

// metricsPage shows the metrics for ?since=&until=&service= (the same
// parameters as GET /api/metrics).
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
		v.Trend = trendCharts(report.Weekly(incs, until, trendWeeks, s.Service))
		render(w, cfg.Logger, http.StatusOK, "metrics", page{Title: "Metrics", Nav: true, Body: v})
	}
}

func newMetricsView(s report.Summary, q url.Values) metricsView {
	v := metricsView{
		Since: utcTime(s.Since), Until: utcTime(s.Until), Service: s.Service, Incidents: s.Incidents,
		Metrics: incident.MetricNames(), ListHref: listHref(s, "", ""),
	}
	for _, w := range []string{"7d", "30d", "90d", "365d"} {
		lq := url.Values{"since": {w}}
		if s.Service != "" {
			lq.Set("service", s.Service)
		}
		current := q.Get("since") == w || (q.Get("since") == "" && w == "30d")
		v.Windows = append(v.Windows, windowLink{Label: w, Href: "/metrics-view?" + lq.Encode(), Current: current})
	}
	v.Rows = append(v.Rows, newTableRow("All incidents", "all", v.ListHref, s.Overall))
	for _, k := range slices.SortedFunc(maps.Keys(s.BySeverity), severityFirst) {
		href := ""
		if k != "SEV?" {
			href = listHref(s, "severity", strings.ToLower(k))
		}
		v.Rows = append(v.Rows, newTableRow(k, "severity", href, s.BySeverity[k]))
	}
	if s.Service == "" {
		for _, k := range slices.SortedFunc(maps.Keys(s.ByService), noServiceLast) {
			v.Rows = append(v.Rows, newTableRow(k, "service", listHref(s, "service", k), s.ByService[k]))
		}
	}
	return v
}

// listHref is the list of the summary's incidents, narrowed by key=value.
func listHref(s report.Summary, key, value string) string {
	q := url.Values{"since": {s.Since.UTC().Format(time.RFC3339)}, "until": {s.Until.UTC().Format(time.RFC3339)}}
	if s.Service != "" {
		q.Set("service", s.Service)
	}
	if key != "" {
		q.Set(key, value)
	}
	return "/?" + q.Encode()
}

func newTableRow(label, group, href string, stats map[string]report.Stat) tableRow {
	r := tableRow{Label: label, Group: group, Href: href, Incidents: groupSize(stats)}
	for _, m := range incident.MetricNames() {
		st := stats[m]
		c := metricCell{Median: "missing", Detail: "no incident had it"}
		if st.Count > 0 {
			c.Median = duration(st.P50)
			c.Detail = "mean " + duration(st.Mean) + " · p90 " + duration(st.P90)
		}
		c.Detail += " · " + plural(st.Count, "measured") + ", " + plural(st.Missing, "missing")
		r.Cells = append(r.Cells, c)
	}
	return r
}

func plural(n int, what string) string { return itoa(n) + " " + what }

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
