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

// recentWindow is how far back the list shows resolved incidents.
const (
	recentWindow = 7 * 24 * time.Hour
	recentMax    = 20
)

// listView is the body of the incident list.
type listView struct {
	Now      string
	Open     []row
	Resolved []row
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
	Resolved  string // resolved: when, in UTC
	Firing    int
	Alarms    int
	FiringAt  []string // names of the alarms in ALARM
}

// listPage shows the open incidents, worst and oldest first, and those
// resolved in the last week. It reloads itself every 10 seconds.
func listPage(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		incs, err := cfg.Source.Incidents(r.Context(), false)
		if err != nil {
			cfg.Logger.Error("list incidents", "err", err)
			renderError(w, cfg.Logger, http.StatusInternalServerError, "The incidents could not be read. Try again in a moment.", true)
			return
		}
		now := cfg.Now()
		v := listView{Now: utcTime(now)}
		open, resolved := split(incs, now)
		for _, inc := range open {
			v.Open = append(v.Open, newRow(cfg.Names, inc, now))
		}
		for _, inc := range resolved {
			v.Resolved = append(v.Resolved, newRow(cfg.Names, inc, now))
		}
		render(w, cfg.Logger, http.StatusOK, "list", page{Title: "Incidents", Refresh: true, Nav: true, Body: v})
	}
}

// split returns the open incidents (by severity, then oldest first) and up
// to recentMax resolved within recentWindow of now (newest first).
func split(incs []incident.Incident, now time.Time) (open, resolved []incident.Incident) {
	for _, inc := range incs {
		switch {
		case inc.Open():
			open = append(open, inc)
		case !inc.ResolvedAt.IsZero() && now.Sub(inc.ResolvedAt) <= recentWindow:
			resolved = append(resolved, inc)
		}
	}
	slices.SortStableFunc(open, func(a, b incident.Incident) int {
		return cmp.Or(cmp.Compare(sevRank(a.Severity), sevRank(b.Severity)),
			startOf(a).Compare(startOf(b)), cmp.Compare(a.ID, b.ID))
	})
	slices.SortStableFunc(resolved, func(a, b incident.Incident) int {
		return cmp.Or(b.ResolvedAt.Compare(a.ResolvedAt), cmp.Compare(b.ID, a.ID))
	})
	return open, resolved[:min(len(resolved), recentMax)]
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
		Alarms:    len(inc.Alarms),
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
