package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/web"
)

// Slack is what tocsin asked of the Slack stand-in.
type Slack struct {
	Calls       int            `json:"calls"`
	PerIncident float64        `json:"calls_per_incident"`
	ByMethod    map[string]int `json:"calls_by_method"`
	RateLimited map[string]int `json:"rate_limited_429_by_method"`
	Limited429  int            `json:"rate_limited_429"`
	Failed      map[string]int `json:"failed_calls"`
	// SetupPerIn is the calls per incident other than chat.update (the
	// target is about 10); UpdatesPerIn the chat.update calls per incident,
	// which the target allows at one a second while the incident is busy.
	SetupPerIn   float64 `json:"calls_per_incident_without_updates"`
	UpdatesPerIn float64 `json:"header_updates_per_incident"`
	// LastCall is when the last Slack call came, from the storm's start.
	LastCall time.Duration `json:"last_call_after_start_ns"`
	// ToChannel and ToHeader run from the first ALARM sent for an
	// incident's service to the stand-in's conversations.create and pins.add
	// for its channel (the stand-in records a call after its latency).
	ToChannel dist `json:"first_alarm_to_channel_ms"`
	ToHeader  dist `json:"first_alarm_to_pinned_header_ms"`
	// NoChannel and NoHeader count incidents still without one at the end.
	NoChannel int `json:"incidents_without_channel"`
	NoHeader  int `json:"incidents_without_pinned_header"`
	// FromStandby counts incidents whose channel was a standby channel
	// (created before the storm; TOCSIN_STANDBY_CHANNELS). For them the
	// channel exists for the incident at tocsin's first call on it.
	FromStandby int `json:"incidents_with_standby_channel"`
	// Before counts the calls made before the storm began (creating the
	// standby channels); they are not in Calls.
	Before int `json:"calls_before_storm"`
}

// slackReport reads the stand-in's record of calls.
func slackReport(sl *sim.Slack, p *plan, s *storm, views []web.IncidentView) Slack {
	r := Slack{ByMethod: map[string]int{}, RateLimited: sl.RateLimited(), Failed: map[string]int{}}
	created, pinned, used := r.tally(sl.Calls(), s.start)
	for _, n := range r.RateLimited {
		r.Limited429 += n
	}
	byService, byAlarm := p.firstAlarm()
	var toChannel, toHeader []time.Duration
	for _, v := range views {
		first := byService[v.Incident.Service]
		if v.Incident.Service == unownedService && len(v.Incident.Alarms) > 0 {
			first = byAlarm[v.Incident.Alarms[0].Name] // its own alarm, or the storm incident's first
		}
		sent := s.start.Add(first)
		at, ok := created[v.Incident.Channel.Name]
		if !ok && v.Incident.Channel.ID != "" {
			if at, ok = used[v.Incident.Channel.ID]; ok {
				r.FromStandby++
			}
		}
		if ok {
			toChannel = append(toChannel, at.Sub(sent))
		} else {
			r.NoChannel++
		}
		if at, ok := pinned[v.Incident.Channel.ID]; ok && v.Incident.Channel.ID != "" {
			toHeader = append(toHeader, at.Sub(sent))
		} else {
			r.NoHeader++
		}
	}
	r.ToChannel, r.ToHeader = newDist(toChannel), newDist(toHeader)
	if n := float64(len(views)); n > 0 {
		r.PerIncident = float64(r.Calls) / n
		r.UpdatesPerIn = float64(r.ByMethod["chat.update"]) / n
		r.SetupPerIn = r.PerIncident - r.UpdatesPerIn
	}
	return r
}

// tally counts the calls made since the storm began and returns when each
// channel (by name) was created, each (by id) first had a message pinned,
// and each (by id) was first used.
func (r *Slack) tally(calls []sim.SlackCall, start time.Time) (created, pinned, used map[string]time.Time) {
	created, pinned, used = map[string]time.Time{}, map[string]time.Time{}, map[string]time.Time{}
	for _, c := range calls {
		if c.At.Before(start) {
			r.Before++
			continue
		}
		r.Calls++
		r.ByMethod[c.Method]++
		r.LastCall = max(r.LastCall, c.At.Sub(start))
		if c.Status != http.StatusOK || c.Error != "" {
			if c.Status != http.StatusTooManyRequests {
				r.Failed[c.Method+": "+c.Error]++
			}
			continue
		}
		if ch := c.Params["channel"]; ch != "" && used[ch].IsZero() {
			used[ch] = c.At
		}
		switch {
		case c.Method == "conversations.create":
			created[c.Params["name"]] = c.At
		case c.Method == "pins.add" && pinned[c.Params["channel"]].IsZero():
			pinned[c.Params["channel"]] = c.At
		}
	}
	return created, pinned, used
}

// drain is how the wait for tocsin's Slack work ended.
type drain struct {
	Drained bool          `json:"drained"`
	Waited  time.Duration `json:"waited_ns"`
}

// waitDrain waits, at most o.drain, until every incident has a pinned
// header and the Slack stand-in has had no call for o.quiet: tocsin paces
// itself below Slack's limits, so its outbox empties well after the storm.
// (The outbox itself is counted from the store file after shutdown.)
func waitDrain(ctx context.Context, a api, sl *sim.Slack, o options, want int, log io.Writer) drain {
	start := time.Now()
	lastCalls, lastChange := -1, start
	for time.Since(start) < o.drain {
		if n := len(sl.Calls()); n != lastCalls {
			lastCalls, lastChange = n, time.Now()
		}
		if time.Since(lastChange) >= o.quiet && allPinned(a, want) {
			return drain{Drained: true, Waited: time.Since(start)}
		}
		select {
		case <-ctx.Done():
			return drain{Waited: time.Since(start)}
		case <-time.After(250 * time.Millisecond):
		}
		if s := time.Since(start); s.Truncate(10*time.Second) != (s - 250*time.Millisecond).Truncate(10*time.Second) {
			fmt.Fprintf(log, "storm: draining for %s, %d Slack calls so far\n", s.Truncate(time.Second), lastCalls)
		}
	}
	return drain{Waited: time.Since(start)}
}

// allPinned reports whether want incidents exist and each has its header.
func allPinned(a api, want int) bool {
	incs, err := a.incidents()
	if err != nil || len(incs) < want {
		return false
	}
	for _, inc := range incs {
		if inc.Channel.HeaderTS == "" {
			return false
		}
	}
	return true
}
