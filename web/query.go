package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// Pages of the incident list: perPage rows unless per_page says otherwise,
// at most maxPerPage.
const (
	perPage    = 50
	maxPerPage = 1000
)

// noService is how a filter names incidents without a service, as the
// metrics group them.
const noService = "(none)"

// query is a search of the incidents, from the same parameters on the
// dashboard's list and GET /api/incidents:
//
//	q         words that must all appear in the id, title, service,
//	          playbook, an alarm's name or the commander's name (any case)
//	service   the service, exactly; (none) for incidents without one
//	severity  sev1..sev4, several separated by commas
//	status    open, resolved (resolved or closed) or a status (detected,
//	          declared, acknowledged, mitigated, resolved, closed); several
//	          separated by commas. open=true is status=open.
//	since     the start of impact (else detection) at or after this: an
//	until     RFC 3339 time, a date (2025-03-10, UTC) or a window back
//	          from now (7d, 12h); until is exclusive, a date meaning its end
//	page      the page, from 1, of per_page incidents (default 50, at most
//	per_page  1000), newest first
type query struct {
	Words      []string
	Service    string
	Severities []incident.Severity
	Statuses   []string
	Since      time.Time
	Until      time.Time
	Page       int
	PerPage    int
	values     url.Values // the parameters as given, for links
}

// parseQuery reads a search; every problem is named at once.
func parseQuery(v url.Values, now time.Time) (query, error) {
	q := query{Words: strings.Fields(strings.ToLower(v.Get("q"))), Service: strings.TrimSpace(v.Get("service")),
		Page: 1, PerPage: perPage, values: v}
	var errs []error
	for s := range commaList(v.Get("severity")) {
		sev, err := incident.ParseSeverity(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("severity %q must be sev1, sev2, sev3 or sev4", s))
		}
		q.Severities = append(q.Severities, sev)
	}
	for s := range commaList(v.Get("status")) {
		if s != "open" && !slices.Contains(incident.Statuses(), incident.Status(s)) {
			errs = append(errs, fmt.Errorf("status %q must be open, resolved or one of %s", s, statusNames()))
		}
		q.Statuses = append(q.Statuses, s)
	}
	if v.Get("open") == "true" {
		q.Statuses = append(q.Statuses, "open")
	}
	var err error
	if q.Since, err = boundary(v.Get("since"), now, false); err != nil {
		errs = append(errs, fmt.Errorf("since: %w", err))
	}
	if q.Until, err = boundary(v.Get("until"), now, true); err != nil {
		errs = append(errs, fmt.Errorf("until: %w", err))
	}
	q.Page, err = number(v.Get("page"), 1, 1, 1<<30)
	errs = append(errs, named("page", err))
	q.PerPage, err = number(v.Get("per_page"), perPage, 1, maxPerPage)
	errs = append(errs, named("per_page", err))
	return q, errors.Join(errs...)
}

// commaList yields the non-empty, lower-cased items of a comma list.
func commaList(s string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.ToLower(strings.TrimSpace(item)); item != "" && !yield(item) {
				return
			}
		}
	}
}

func statusNames() string {
	names := []string{}
	for _, s := range incident.Statuses() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// boundary reads since or until; zero when empty. A date as until means
// the end of that day.
func boundary(v string, now time.Time, end bool) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := report.ParseWindow(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (2025-03-10), an RFC 3339 time or a window such as 7d", v)
	}
	return now.Add(-d), nil
}

// number reads a whole number in [lo, hi], def when empty.
func number(v string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return def, fmt.Errorf("%q must be a whole number from %d to %d", v, lo, hi)
	}
	return n, nil
}

func named(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %w", name, err)
}

// onlyOpen reports whether the search asks only for open incidents, which
// a store can read without the others.
func (q query) onlyOpen() bool {
	return len(q.Statuses) > 0 && !slices.ContainsFunc(q.Statuses, func(s string) bool {
		return s != "open" && s != "detected" && s != "declared" && s != "acknowledged" && s != "mitigated"
	})
}

// filtered reports whether the search narrows the incidents at all.
func (q query) filtered() bool {
	return len(q.Words) > 0 || q.Service != "" || len(q.Severities) > 0 || len(q.Statuses) > 0 ||
		!q.Since.IsZero() || !q.Until.IsZero()
}

// match reports whether inc is one the search asks for; n names people.
func (q query) match(inc *incident.Incident, n Names) bool {
	if q.Service != "" && !strings.EqualFold(inc.Service, q.Service) && (q.Service != noService || inc.Service != "") {
		return false
	}
	if len(q.Severities) > 0 && !slices.Contains(q.Severities, inc.Severity) {
		return false
	}
	if len(q.Statuses) > 0 && !slices.ContainsFunc(q.Statuses, func(s string) bool { return statusIs(inc, s) }) {
		return false
	}
	if !q.Since.IsZero() || !q.Until.IsZero() {
		at := startAt(inc)
		if at.IsZero() || at.Before(q.Since) || (!q.Until.IsZero() && !at.Before(q.Until)) {
			return false
		}
	}
	for _, w := range q.Words {
		if !mentions(inc, w, n) {
			return false
		}
	}
	return true
}

// statusIs reports whether inc is in the status a filter names.
func statusIs(inc *incident.Incident, s string) bool {
	switch s {
	case "open":
		return inc.Open()
	case "resolved":
		return !inc.Open()
	}
	return string(inc.Status) == s
}

// mentions reports whether the lower-case word w appears in what people
// would search an incident by.
func mentions(inc *incident.Incident, w string, n Names) bool {
	for _, s := range []string{inc.ID.String(), inc.Title, inc.Service, inc.Playbook} {
		if containsFold(s, w) {
			return true
		}
	}
	for i := range inc.Alarms {
		if containsFold(inc.Alarms[i].Name, w) {
			return true
		}
	}
	c := inc.RoleHolder(incident.RoleCommander)
	return c != "" && containsFold(report.Name(n, c), w)
}

// containsFold reports whether s contains the lower-case w, in any case.
func containsFold(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	return strings.Contains(strings.ToLower(s), w)
}

// run filters incs, newest first (by the start of impact, else detection;
// then by id), and returns one page and how many match.
func (q query) run(incs []incident.Incident, n Names) (page []incident.Incident, total int) {
	type hit struct {
		at  time.Time
		inc *incident.Incident
	}
	hits := make([]hit, 0, min(len(incs), 1024))
	for i := range incs {
		if inc := &incs[i]; q.match(inc, n) {
			hits = append(hits, hit{startAt(inc), inc})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(b.at.Compare(a.at), cmp.Compare(b.inc.ID, a.inc.ID)) })
	from := min(len(hits), (q.Page-1)*q.PerPage)
	to := min(len(hits), from+q.PerPage)
	page = make([]incident.Incident, 0, to-from)
	for _, h := range hits[from:to] {
		page = append(page, *h.inc)
	}
	return page, len(hits)
}

// startAt is when an incident's impact began, else when it was detected.
func startAt(inc *incident.Incident) time.Time {
	if !inc.StartedAt.IsZero() {
		return inc.StartedAt
	}
	return inc.DetectedAt
}

// with returns the search's parameters with key set to value ("" removes
// it), as a query string for a link.
func (q query) with(key, value string) string {
	v := url.Values{}
	for k, vs := range q.values {
		v[k] = slices.Clone(vs)
	}
	if value == "" {
		v.Del(key)
	} else {
		v.Set(key, value)
	}
	if s := v.Encode(); s != "" {
		return "?" + s
	}
	return ""
}
