package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Digest is the weekly summary posted to Slack: the week [WeekStart,
// WeekEnd) in the team's time zone, compared with the week before.
type Digest struct {
	WeekStart         time.Time      `json:"week_start"`
	WeekEnd           time.Time      `json:"week_end"`
	Incidents         int            `json:"incidents"`
	LastWeekIncidents int            `json:"last_week_incidents"`
	BySeverity        []Count        `json:"by_severity"` // SEV1 first
	ByService         []Count        `json:"by_service"`  // most incidents first
	Metrics           []MetricChange `json:"metrics"`     // MTTD, MTTA, MTTR
	NoisyAlarms       []AlarmNoise   `json:"noisy_alarms"`
	Runbooks          RunbookStats   `json:"runbooks"`
	// Followups are the action items of the incidents of the trend's eight
	// weeks, newest incident first. Follow-ups have no "done" state on the
	// timeline yet, so every one of them counts as open.
	Followups []Followup  `json:"followups"`
	Trend     []WeekPoint `json:"trend"` // eight weeks, oldest first; the last is this week
	// Listed are the week's incidents, newest first, each with its link
	// to the dashboard.
	Listed []Listed `json:"listed"`
	// Dashboard is the dashboard's base URL the links start with ("": no
	// links, as there is no address to give).
	Dashboard string `json:"dashboard,omitempty"`
}

// Listed is one of the week's incidents as the digest lists it.
type Listed struct {
	ID        incident.ID `json:"id"`
	Title     string      `json:"title"`
	Severity  string      `json:"severity"`
	Status    string      `json:"status"`
	Service   string      `json:"service,omitempty"`
	Commander string      `json:"commander,omitempty"` // named
	URL       string      `json:"url,omitempty"`
}

// DigestOptions are what the digest draws on besides incidents and events.
type DigestOptions struct {
	// Names names people (the commanders); nil keeps their ids.
	Names Names
	// Dashboard is the dashboard's base URL (TOCSIN_PUBLIC_URL) for links.
	Dashboard string
}

// Count is a number of incidents for a named group.
type Count struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

// MetricChange is one metric this week and last week.
type MetricChange struct {
	Metric string `json:"metric"`
	This   Stat   `json:"this_week"`
	Last   Stat   `json:"last_week"`
}

// Change is this week's mean minus last week's (the M of MTTR is a mean);
// ok is false when either week has no measured incident.
func (m MetricChange) Change() (d time.Duration, ok bool) {
	if m.This.Count == 0 || m.Last.Count == 0 {
		return 0, false
	}
	return m.This.Mean - m.Last.Mean, true
}

// AlarmNoise is how often an alarm went to ALARM during the week, in how
// many incidents, how many of those incidents someone acknowledged, ran a
// runbook in, or acted on (see LedToAction), and Noise: the firings in
// incidents that led to no action. The noisiest alarms rank by Noise; an
// alarm whose every incident led to action is not noise and is not ranked.
type AlarmNoise struct {
	Name         string `json:"name"`
	Fired        int    `json:"fired"`
	Incidents    int    `json:"incidents"`
	Acknowledged int    `json:"acknowledged"`
	WithRunbook  int    `json:"with_runbook"`
	Actioned     int    `json:"actioned"`
	Noise        int    `json:"noise"`
}

// RunbookStats counts the runbook runs that started during the week by how
// they ended; runs still going count in neither Succeeded nor Failed.
type RunbookStats struct {
	Runs      int `json:"runs"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// SuccessRate is Succeeded over the runs that ended; ok is false when none did.
func (r RunbookStats) SuccessRate() (rate float64, ok bool) {
	if r.Succeeded+r.Failed == 0 {
		return 0, false
	}
	return float64(r.Succeeded) / float64(r.Succeeded+r.Failed), true
}

// Followup is one action item and the incident it came from.
type Followup struct {
	Incident incident.ID `json:"incident"`
	Title    string      `json:"title"`
	Text     string      `json:"text"`
}

// WeekPoint is one week of the trend.
type WeekPoint struct {
	Start     time.Time `json:"start"`
	Incidents int       `json:"incidents"`
	MTTR      Stat      `json:"mttr"`
}

// noisyAlarms is how many alarms the digest lists.
const noisyAlarms = 5

// trendWeeks is the length of the trend.
const trendWeeks = 8

// BuildDigest summarises the week ending at weekEnd (exclusive) in loc (UTC
// when nil). Weeks are calendar weeks in loc, so one that crosses a daylight
// saving change is 167 or 169 hours long. Incidents belong to the week their
// start falls in (see Summarize); alarm firings and runbook runs to the week
// their event was recorded in. events holds each incident's timeline.
func BuildDigest(incs []incident.Incident, events map[incident.ID][]incident.Event, weekEnd time.Time, loc *time.Location, opts DigestOptions) Digest {
	if loc == nil {
		loc = time.UTC
	}
	end := weekEnd.In(loc)
	start := end.AddDate(0, 0, -7)
	this := Summarize(incs, start, end, "")
	last := Summarize(incs, start.AddDate(0, 0, -7), start, "")
	d := Digest{
		WeekStart: start, WeekEnd: end,
		Incidents: this.Incidents, LastWeekIncidents: last.Incidents,
		BySeverity: groupCounts(this.BySeverity, severityOrder),
		ByService:  groupCounts(this.ByService, nil),
		Runbooks:   runbookStats(events, start, end),
		Trend:      trend(incs, end),
	}
	for _, m := range []string{incident.MTTD, incident.MTTA, incident.MTTR} {
		d.Metrics = append(d.Metrics, MetricChange{Metric: m, This: this.Overall[m], Last: last.Overall[m]})
	}
	d.NoisyAlarms = alarmNoise(incs, events, start, end)
	d.Followups = followups(incs, d.Trend[0].Start, end)
	d.Listed, d.Dashboard = listed(incs, start, end, opts), strings.TrimSuffix(opts.Dashboard, "/")
	return d
}

// listed are the incidents placed in [start, end), newest first.
func listed(incs []incident.Incident, start, end time.Time, opts DigestOptions) []Listed {
	var out []Listed
	for i := range incs {
		inc := &incs[i]
		if !inWindow(anchor(inc.Timestamps), start, end) {
			continue
		}
		l := Listed{ID: inc.ID, Title: inc.Title, Severity: inc.Severity.String(), Status: string(inc.Status),
			Service: inc.Service, Commander: Name(opts.Names, inc.RoleHolder(incident.RoleCommander))}
		if opts.Dashboard != "" {
			l.URL = IncidentURL(opts.Dashboard, inc.ID)
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Listed) int { return cmp.Compare(b.ID, a.ID) })
	return out
}

// groupCounts turns a summary's groups into counts, ordered by order, or by
// count (most first) and name when order is nil.
func groupCounts(groups map[string]map[string]Stat, order func(a, b string) int) []Count {
	var out []Count
	for name, stats := range groups {
		st := stats[incident.MTTR]
		out = append(out, Count{Name: name, N: st.Count + st.Missing})
	}
	slices.SortFunc(out, func(a, b Count) int {
		if order != nil {
			return order(a.Name, b.Name)
		}
		return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Name, b.Name))
	})
	return out
}

func trend(incs []incident.Incident, end time.Time) []WeekPoint {
	out := make([]WeekPoint, 0, trendWeeks)
	for _, w := range Weekly(incs, end, trendWeeks, "") {
		out = append(out, WeekPoint{Start: w.Start, Incidents: w.Summary.Incidents, MTTR: w.Summary.Overall[incident.MTTR]})
	}
	return out
}

// alarmNoise ranks the alarms that fired during the week by their noise:
// firings in incidents that led to no action (LedToAction), most first.
// Alarms all of whose incidents led to action are left out.
func alarmNoise(incs []incident.Incident, events map[incident.ID][]incident.Event, start, end time.Time) []AlarmNoise {
	acked := make(map[incident.ID]bool, len(incs))
	for i := range incs {
		acked[incs[i].ID] = !incs[i].AcknowledgedAt.IsZero()
	}
	noise := map[string]*AlarmNoise{}
	for _, id := range sortedIDs(events) {
		tl := events[id]
		actioned := LedToAction(acked[id], tl)
		for name, fired := range firings(tl, start, end) {
			n := noise[name]
			if n == nil {
				n = &AlarmNoise{Name: name}
				noise[name] = n
			}
			n.Fired += fired
			n.Incidents++
			n.Acknowledged += boolCount(acked[id])
			n.WithRunbook += boolCount(ranRunbook(tl))
			n.Actioned += boolCount(actioned)
			if !actioned {
				n.Noise += fired
			}
		}
	}
	out := make([]AlarmNoise, 0, len(noise))
	for _, n := range noise {
		if n.Noise > 0 {
			out = append(out, *n)
		}
	}
	slices.SortFunc(out, func(a, b AlarmNoise) int {
		return cmp.Or(cmp.Compare(b.Noise, a.Noise), cmp.Compare(b.Fired, a.Fired), strings.Compare(a.Name, b.Name))
	})
	return out[:min(len(out), noisyAlarms)]
}

// LedToAction reports whether an incident led to action: someone
// acknowledged it, and then a person marked it mitigated (the timeline's
// word, even if a reopening cleared the time since) or a runbook a person
// asked for started. tocsin's own steps (a pre-approved diagnostic it ran,
// mitigation because every alarm recovered) are not action. An alarm whose
// incidents led to action did its job, however often it fired.
func LedToAction(acknowledged bool, tl []incident.Event) bool {
	if !acknowledged {
		return false
	}
	asked := map[string]bool{} // runs a person requested
	for _, e := range tl {
		switch {
		case e.Type == incident.EventMitigated && e.Actor != "tocsin":
			return true
		case e.Type != incident.EventRunbook:
		case e.Data["step"] == "requested" && e.Actor != "tocsin":
			asked[e.Data["run"]] = true
		case e.Data["step"] == "started" && asked[e.Data["run"]]:
			return true
		}
	}
	return false
}
func boolCount(b bool) int {
	if b {
		return 1
	}
	return 0
}

// firings counts, by alarm name, the times a timeline recorded an alarm
// going to ALARM (the opening event included) in [start, end).
func firings(tl []incident.Event, start, end time.Time) map[string]int {
	out := map[string]int{}
	for _, e := range tl {
		name := e.Data["alarm_name"]
		fired := (e.Type == incident.EventAlarm || e.Type == incident.EventOpened) && e.Data["state"] == string(incident.StateAlarm)
		if fired && name != "" && inWindow(e.At, start, end) {
			out[name]++
		}
	}
	return out
}

func sortedIDs(events map[incident.ID][]incident.Event) []incident.ID {
	ids := make([]incident.ID, 0, len(events))
	for id := range events {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func ranRunbook(tl []incident.Event) bool {
	for _, e := range tl {
		if e.Type == incident.EventRunbook && e.Data["step"] == "started" {
			return true
		}
	}
	return false
}

func runbookStats(events map[incident.ID][]incident.Event, start, end time.Time) RunbookStats {
	var s RunbookStats
	for _, tl := range events {
		for _, u := range runs(tl) {
			if !inWindow(u.started, start, end) {
				continue
			}
			s.Runs++
			switch {
			case u.succeeded():
				s.Succeeded++
			case u.step == "finished" || u.step == "cancelled":
				s.Failed++
			}
		}
	}
	return s
}

// followups lists the action items of incidents placed in [since, until).
func followups(incs []incident.Incident, since, until time.Time) []Followup {
	var out []Followup
	for _, inc := range incs {
		if !inWindow(anchor(inc.Timestamps), since, until) {
			continue
		}
		for _, f := range inc.Followups {
			out = append(out, Followup{Incident: inc.ID, Title: inc.Title, Text: f})
		}
	}
	slices.SortStableFunc(out, func(a, b Followup) int { return cmp.Compare(b.Incident, a.Incident) })
	return out
}
