package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// incidentView is the body of an incident's page.
type incidentView struct {
	row
	Source     string
	Playbook   string
	Channel    string
	ChannelURL string // where the channel opens in Slack; empty without a channel
	StartAt    string // the start of impact, UTC
	Start      string // how the start of impact was found
	Reopens    int
	Recovered  bool
	Roles      []pair
	AlarmList  []alarmRow
	Times      []pair
	Metrics    []pair
	Followups  []string
	Story
	Num      uint64 // the id's number, for paths
	Graph    bool   // the alarm graph is served at /incidents/{Num}/graph.png
	Tampered string // why the hash chain does not verify; empty when it does
	Review   reviewView
}

// pair is a label and its value.
type pair struct{ Key, Value string }

type alarmRow struct{ Name, State, Changed string }

// incidentPage shows one incident: its facts, lifecycle, metrics, the whole
// timeline and the review draft.
func incidentPage(cfg Config, a *Auth) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		inc, evs, status, msg := loadTimeline(cfg, r)
		if status != 0 {
			renderError(w, cfg.Logger, status, msg, true)
			return
		}
		now := cfg.Now()
		v := newIncidentView(cfg, inc, evs, now)
		md, err := review(r.Context(), cfg, inc, evs, now, "")
		if err != nil {
			cfg.Logger.Error("draft review", "id", inc.ID, "err", err)
		}
		action := ""
		if cfg.Reviews != nil {
			action = incidentHref(inc.ID) + "/review"
		}
		v.Review = newReviewView(md, action, a.csrfToken(r))
		if err := incident.Verify(evs); err != nil {
			v.Tampered = err.Error()
		}
		render(w, cfg.Logger, http.StatusOK, "incident", page{Title: v.ID + " " + v.Title, Nav: true, Body: v})
	}
}

// loadTimeline reads the incident named by the {id} path value. On failure
// it returns the status to answer with and a sentence for people; internal
// errors are logged here.
func loadTimeline(cfg Config, r *http.Request) (incident.Incident, []incident.Event, int, string) {
	id, err := incident.ParseID(r.PathValue("id"))
	if err != nil {
		return incident.Incident{}, nil, http.StatusBadRequest, err.Error()
	}
	inc, evs, err := cfg.Source.Timeline(r.Context(), id)
	if errors.Is(err, incident.ErrNotFound) {
		return inc, nil, http.StatusNotFound, "no incident " + id.String()
	}
	if err != nil {
		cfg.Logger.Error("read incident", "id", id, "err", err)
		return inc, nil, http.StatusInternalServerError, "could not read the incident"
	}
	return inc, evs, 0, ""
}

func newIncidentView(cfg Config, inc incident.Incident, evs []incident.Event, now time.Time) incidentView {
	v := incidentView{
		row:    newRow(cfg.Names, inc, now),
		Source: orDash(inc.Source), Playbook: orDash(inc.Playbook),
		Channel: orDash(inc.Channel.Name), StartAt: utcTime(inc.StartedAt),
		Start:   report.Method(cfg.Names, inc.StartMethod),
		Reopens: inc.Reopens, Recovered: inc.Recovered, Followups: inc.Followups,
		Story: newStory(cfg.Names, inc, evs), Num: uint64(inc.ID),
	}
	if inc.Channel.ID != "" {
		v.ChannelURL = cfg.ChannelURL(inc.Channel.ID)
	}
	for _, role := range inc.SortedRoles() {
		v.Roles = append(v.Roles, pair{string(role), report.Name(cfg.Names, inc.Roles[role])})
	}
	for _, a := range inc.Alarms {
		v.AlarmList = append(v.AlarmList, alarmRow{a.Name, string(a.State), utcTime(a.ChangedAt)})
	}
	t := inc.Timestamps
	v.Times = []pair{
		{"Started", utcTime(t.StartedAt)}, {"Detected", utcTime(t.DetectedAt)},
		{"Acknowledged", utcTime(t.AcknowledgedAt)}, {"Mitigated", utcTime(t.MitigatedAt)},
		{"Resolved", utcTime(t.ResolvedAt)}, {"Closed", utcTime(t.ClosedAt)},
	}
	for _, m := range incident.MetricNames() {
		v.Metrics = append(v.Metrics, pair{m, metric(t, m)})
	}
	return v
}
