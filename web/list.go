package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// listView is the body of the incident list: the open incidents (on the
// first page of an unfiltered list), then the history the search selects.
type listView struct {
	Now      string
	Open     []row
	ShowOpen bool
	Form     searchForm
	History  []row
	Total    int
	Page     int
	Pages    int
	Newer    string // the link to the page before, if any
	Older    string // the link to the page after, if any
	Filtered bool
}

// searchForm is the search form, filled in with the current search.
type searchForm struct {
	Q, Service, Severity, Status, Since, Until string
	Services                                   []string
	Severities                                 []string
	Statuses                                   []string
	Narrowed                                   bool // a filter beyond the words is set: show the filters
}

// row is one incident in a list. Everything is already a string for people.
type row struct {
	ID        string
	Href      string
	Severity  string
	SevClass  string
	Status    string
	Title     string
	Service   string
	Commander string
	Age       string // open: since the start; resolved: time to restore
	Started   string // when impact began, in UTC
	Resolved  string // resolved: when, in UTC
	Firing    int
	Alarms    int
	FiringAt  []string // names of the alarms in ALARM
}

// listPage shows the open incidents, worst and oldest first, and the
// history: every incident the search selects, newest first, a page at a
// time. Without a search it reloads itself every 10 seconds.
func listPage(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := cfg.Now()
		q, err := parseQuery(r.URL.Query(), now)
		if err != nil {
			renderError(w, cfg.Logger, http.StatusBadRequest, "The search is not valid: "+err.Error(), true)
			return
		}
		incs, err := cfg.Source.Incidents(r.Context(), false)
		if err != nil {
			cfg.Logger.Error("list incidents", "err", err)
			renderError(w, cfg.Logger, http.StatusInternalServerError, "The incidents could not be read. Try again in a moment.", true)
			return
		}
		v := newListView(cfg.Names, q, incs, now)
		render(w, cfg.Logger, http.StatusOK, "list", page{Title: "Incidents", Refresh: !v.Filtered && q.Page == 1, Nav: true, Body: v})
	}
}

func newListView(n Names, q query, incs []incident.Incident, now time.Time) listView {
	v := listView{Now: utcTime(now), Filtered: q.filtered(), Page: q.Page, Form: newSearchForm(q, incs)}
	v.ShowOpen = !v.Filtered && q.Page == 1
	if v.ShowOpen {
		for _, inc := range openFirst(incs) {
			v.Open = append(v.Open, newRow(n, inc, now))
		}
	}
	hist, total := q.run(incs, n)
	for _, inc := range hist {
		v.History = append(v.History, newRow(n, inc, now))
	}
	v.Total, v.Pages = total, max(1, (total+q.PerPage-1)/q.PerPage)
	if q.Page > 1 {
		v.Newer = q.with("page", fmt.Sprint(q.Page-1))
	}
	if q.Page < v.Pages {
		v.Older = q.with("page", fmt.Sprint(q.Page+1))
	}
	return v
}

// newSearchForm fills the form with q and offers the services incidents have.
func newSearchForm(q query, incs []incident.Incident) searchForm {
	f := searchForm{Q: q.values.Get("q"), Service: q.Service, Severity: strings.ToLower(q.values.Get("severity")),
		Status: strings.ToLower(q.values.Get("status")), Severities: []string{"sev1", "sev2", "sev3", "sev4"},
		Statuses: []string{"open", "resolved"}}
	for _, s := range incident.Statuses() {
		if s != incident.StatusResolved { // "resolved" above: resolved or closed
			f.Statuses = append(f.Statuses, string(s))
		}
	}
	f.Narrowed = q.Service != "" || len(q.Severities) > 0 || len(q.Statuses) > 0 || !q.Since.IsZero() || !q.Until.IsZero()
	if !q.Since.IsZero() {
		f.Since = q.Since.UTC().Format(time.DateOnly)
	}
	if !q.Until.IsZero() {
		f.Until = q.Until.Add(-time.Nanosecond).UTC().Format(time.DateOnly)
	}
	seen := map[string]bool{}
	for i := range incs {
		if s := incs[i].Service; s != "" && !seen[s] {
			seen[s] = true
			f.Services = append(f.Services, s)
		}
	}
	slices.Sort(f.Services)
	return f
}

// openFirst returns the open incidents by severity, then oldest first.
func openFirst(incs []incident.Incident) []incident.Incident {
	var open []incident.Incident
	for _, inc := range incs {
		if inc.Open() {
			open = append(open, inc)
		}
	}
	slices.SortStableFunc(open, func(a, b incident.Incident) int {
		return cmp.Or(cmp.Compare(sevRank(a.Severity), sevRank(b.Severity)),
			startOf(a).Compare(startOf(b)), cmp.Compare(a.ID, b.ID))
	})
	return open
}

// sevRank orders SEV1 first and an unset severity last.
func sevRank(s incident.Severity) int {
	if !s.Valid() {
		return 99
	}
	return int(s)
}

func newRow(n Names, inc incident.Incident, now time.Time) row {
	rw := row{
		ID: inc.ID.String(), Href: incidentHref(inc.ID),
		Severity: inc.Severity.String(), SevClass: sevClass(inc.Severity),
		Status: string(inc.Status), Title: orDash(inc.Title), Service: orDash(inc.Service),
		Commander: orDash(report.Name(n, inc.RoleHolder(incident.RoleCommander))),
		Alarms:    len(inc.Alarms), Started: utcTime(startOf(inc)),
	}
	for _, a := range inc.Firing() {
		rw.FiringAt = append(rw.FiringAt, a.Name)
	}
	rw.Firing = len(rw.FiringAt)
	if inc.Open() {
		rw.Age = "—"
		if s := startOf(inc); !s.IsZero() {
			rw.Age = duration(now.Sub(s))
		}
		return rw
	}
	rw.Resolved = utcTime(inc.ResolvedAt)
	rw.Age = metric(inc.Timestamps, incident.MTTR)
	return rw
}

// startOf is when impact began, or when it was detected if the start is
// unknown; zero when neither is known.
func startOf(inc incident.Incident) time.Time {
	if !inc.StartedAt.IsZero() {
		return inc.StartedAt
	}
	return inc.DetectedAt
}

// sevClass is the CSS class that colours a severity.
func sevClass(s incident.Severity) string {
	if !s.Valid() {
		return "sev0"
	}
	return strings.ToLower(s.String())
}

// metric renders one of the four metrics, or "missing" (never zero).
func metric(t incident.Timestamps, name string) string {
	d, ok := t.Duration(name)
	if !ok {
		return "missing"
	}
	return duration(d)
}

// duration renders a duration for people, to the second below an hour and
// to the minute above: 45s, 4m05s, 1h02m, 2d03h.
func duration(d time.Duration) string {
	if d < 0 {
		return "-" + duration(-d)
	}
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case h >= 24:
		return fmt.Sprintf("%dd%02dh", h/24, h%24)
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// utcTime renders t in UTC, or "—" when it is unknown.
func utcTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
