package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/web"
)

// api reads tocsin's /api with the bearer token.
type api struct {
	base, token string
	client      *http.Client
}

func (a api) get(path string, v any) error {
	req, err := http.NewRequest(http.MethodGet, a.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (a api) incidents() ([]incident.Incident, error) {
	var incs []incident.Incident
	return incs, a.get("/api/incidents", &incs)
}

// views reads every incident with its timeline.
func (a api) views() ([]web.IncidentView, error) {
	incs, err := a.incidents()
	if err != nil {
		return nil, err
	}
	var out []web.IncidentView
	for _, inc := range incs {
		var v web.IncidentView
		if err := a.get("/api/incidents/"+inc.ID.String(), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Check is the correctness verdict.
type Check struct {
	OK              bool     `json:"ok"`
	Incidents       int      `json:"incidents"`
	WantIncidents   int      `json:"want_incidents"`
	Acknowledged    int      `json:"acknowledged_message_ids"`
	OnTimeline      int      `json:"message_ids_on_timelines"`
	Missing         int      `json:"acknowledged_but_missing"`
	Duplicated      int      `json:"on_a_timeline_more_than_once"`
	Unknown         int      `json:"never_sent"`
	Refused4xx      int      `json:"refused_4xx"`
	ForgedRefused   int      `json:"forged_refused_4xx"`
	ForgedAccepted  int      `json:"forged_not_refused"`
	NotAcked        int      `json:"deliveries_not_acknowledged"`
	UnverifiedChain int      `json:"timelines_failing_hash_chain"`
	TimelineEvents  int      `json:"timeline_events"`
	Problems        []string `json:"problems,omitempty"`
}

// check compares what tocsin recorded with what it acknowledged.
func check(o options, p *plan, s *storm, views []web.IncidentView) Check {
	want := p.wantIncidents(o)
	c := Check{Incidents: len(views), WantIncidents: len(want)}
	acked, sent := s.acked(p), map[string]bool{}
	for _, m := range p.messages {
		sent[m.id] = true
	}
	seen, services := c.tally(views)
	c.Acknowledged, c.OnTimeline = len(acked), len(seen)
	for id := range acked {
		if seen[id] == 0 {
			c.Missing++
		}
	}
	for id, n := range seen {
		c.Duplicated += min(1, n-1)
		if !sent[id] {
			c.Unknown++
		}
	}
	for i, o := range s.outcomes {
		forged := p.deliveries[i].msg.forged
		switch {
		case forged && o.status >= 400 && o.status < 500:
			c.ForgedRefused++
		case forged:
			c.ForgedAccepted++
		case o.status >= 400 && o.status < 500:
			c.Refused4xx++
		case o.status != http.StatusOK:
			c.NotAcked++
		}
	}
	c.problems(want, services)
	return c
}

// tally counts the timeline events carrying each MessageId and lists the
// incidents' services.
func (c *Check) tally(views []web.IncidentView) (map[string]int, []string) {
	seen := map[string]int{}
	var services []string
	for _, v := range views {
		services = append(services, v.Incident.Service)
		c.TimelineEvents += len(v.Timeline)
		if !v.Verified {
			c.UnverifiedChain++
		}
		for _, e := range v.Timeline {
			if id := e.Datum("message_id"); id != "" {
				seen[id]++
			}
		}
	}
	return seen, services
}

func (c *Check) problems(want, got []string) {
	add := func(ok bool, format string, args ...any) {
		if !ok {
			c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
		}
	}
	slices.Sort(got)
	add(slices.Equal(want, got), "incidents are for services %v, want %v", got, want)
	add(c.Missing == 0, "%d acknowledged MessageIds are on no timeline", c.Missing)
	add(c.Duplicated == 0, "%d MessageIds are on a timeline more than once", c.Duplicated)
	add(c.Unknown == 0, "%d MessageIds on the timelines were never sent", c.Unknown)
	add(c.Refused4xx == 0, "%d genuine notifications were refused with a 4xx", c.Refused4xx)
	add(c.ForgedAccepted == 0, "%d forged notifications were not refused with a 4xx", c.ForgedAccepted)
	add(c.UnverifiedChain == 0, "%d timelines fail their hash chain", c.UnverifiedChain)
	c.OK = len(c.Problems) == 0
}
