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
// many incidents, and how many of those incidents someone acknowledged or
// ran a runbook in.
type AlarmNoise struct {
	Name         string `json:"name"`
	Fired        int    `json:"fired"`
	Incidents    int    `json:"incidents"`
	Acknowledged int    `json:"acknowledged"`
	WithRunbook  int    `json:"with_runbook"`
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
func BuildDigest(incs []incident.Incident, events map[incident.ID][]incident.Event, weekEnd time.Time, loc *time.Location) Digest {
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
	return d
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
	for i := trendWeeks - 1; i >= 0; i-- {
		ws, we := end.AddDate(0, 0, -7*(i+1)), end.AddDate(0, 0, -7*i)
		s := Summarize(incs, ws, we, "")
		out = append(out, WeekPoint{Start: ws, Incidents: s.Incidents, MTTR: s.Overall[incident.MTTR]})
	}
	return out
}

// alarmNoise ranks the alarms that fired during the week: fired most first,
// and among equals, the one that led to action least.
func alarmNoise(incs []incident.Incident, events map[incident.ID][]incident.Event, start, end time.Time) []AlarmNoise {
	acked := make(map[incident.ID]bool, len(incs))
	for i := range incs {
		acked[incs[i].ID] = !incs[i].AcknowledgedAt.IsZero()
	}
	noise := map[string]*AlarmNoise{}
	for _, id := range sortedIDs(events) {
		for name, fired := range firings(events[id], start, end) {
			n := noise[name]
			if n == nil {
				n = &AlarmNoise{Name: name}
				noise[name] = n
			}
			n.Fired += fired
			n.Incidents++
			if acked[id] {
				n.Acknowledged++
			}
			if ranRunbook(events[id]) {
				n.WithRunbook++
			}
		}
	}
	out := make([]AlarmNoise, 0, len(noise))
	for _, n := range noise {
		out = append(out, *n)
	}
	slices.SortFunc(out, func(a, b AlarmNoise) int {
		return cmp.Or(cmp.Compare(b.Fired, a.Fired), cmp.Compare(a.Acknowledged+a.WithRunbook, b.Acknowledged+b.WithRunbook), strings.Compare(a.Name, b.Name))
	})
	return out[:min(len(out), noisyAlarms)]
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
