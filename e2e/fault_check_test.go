package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/web"
)

// incidents lists every incident through the API.
func (s *faultStack) incidents() []incident.Incident { return apiIncidents(s.t, s.base) }

// view reads one incident and its timeline through the API.
func (s *faultStack) view(id incident.ID) web.IncidentView { return apiIncident(s.t, s.base, id) }

// waitFor waits up to a minute for cond (generous: CI machines are slow
// and the suite runs under the race detector).
func (s *faultStack) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// channelOf returns the Slack channel of incident n (named inc-n-…).
func (s *faultStack) channelOf(n int) (sim.SlackChannel, bool) {
	for _, c := range s.sl.Channels() {
		if strings.HasPrefix(c.Name, fmt.Sprintf("inc-%d-", n)) {
			return c, true
		}
	}
	return sim.SlackChannel{}, false
}

// headers returns the messages of channel ch that carry incident n's header block.
func (s *faultStack) headers(ch string, n int) []sim.SlackMessage {
	var out []sim.SlackMessage
	for _, m := range s.sl.Messages(ch) {
		if !m.Deleted && m.ThreadTS == "" && strings.Contains(string(m.Blocks), fmt.Sprintf(`"block_id":"inc:%d:header"`, n)) {
			out = append(out, m)
		}
	}
	return out
}

// waitHeader waits for incident n's channel and its pinned header.
func (s *faultStack) waitHeader(n int) sim.SlackChannel {
	s.t.Helper()
	var ch sim.SlackChannel
	s.waitFor(fmt.Sprintf("INC-%d's channel and pinned header", n), func() bool {
		c, ok := s.channelOf(n)
		if !ok {
			return false
		}
		ch = c
		for _, m := range s.headers(c.ID, n) {
			if m.Pinned {
				return true
			}
		}
		return false
	})
	return ch
}

// events returns incident id's events for which keep is true; none while
// tocsin does not answer (a crash test may have killed it).
func (s *faultStack) events(id incident.ID, keep func(incident.Event) bool) []incident.Event {
	req, _ := http.NewRequest("GET", s.base+"/api/incidents/"+id.String(), nil)
	req.Header.Set("Authorization", "Bearer "+faultAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var v web.IncidentView
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&v) != nil {
		return nil
	}
	var out []incident.Event
	for _, e := range v.Timeline {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// runStep returns the runbook events of one step ("started", "finished"…).
func runStep(step string) func(incident.Event) bool {
	return func(e incident.Event) bool { return e.Type == incident.EventRunbook && e.Datum("step") == step }
}

// couldNot matches the events the outbox writes when it gives an effect up.
func couldNot(e incident.Event) bool {
	return e.Type == incident.EventInfo && strings.HasPrefix(e.Text, "tocsin could not")
}

// messageCounts counts, by SNS MessageId, the events that carry it on
// every timeline.
func (s *faultStack) messageCounts() map[string]int {
	s.t.Helper()
	seen := map[string]int{}
	for _, inc := range s.incidents() {
		for _, e := range s.view(inc.ID).Timeline {
			if id := e.Datum("message_id"); id != "" {
				seen[id]++
			}
		}
	}
	return seen
}

// checkNoDuplicates is the invariant every fault test ends with: one
// channel per incident, one header each, no message posted twice in a
// channel, no SSM command sent twice for a run, every timeline intact,
// every SNS message on exactly one timeline once.
func (s *faultStack) checkNoDuplicates(msgIDs ...string) {
	s.t.Helper()
	incs := s.incidents()
	names := map[string]int{}
	for _, c := range s.sl.Channels() {
		if strings.HasPrefix(c.Name, "inc-") {
			n, _, _ := strings.Cut(strings.TrimPrefix(c.Name, "inc-"), "-")
			names[n]++
		}
	}
	for n, count := range names {
		if count != 1 {
			s.t.Errorf("INC-%s has %d channels, want 1", n, count)
		}
	}
	seen := s.messageCounts()
	for _, inc := range incs {
		if !s.view(inc.ID).Verified {
			s.t.Errorf("%s: the timeline does not verify", inc.ID)
		}
		if inc.Channel.ID == "" {
			continue
		}
		if h := s.headers(inc.Channel.ID, int(inc.ID)); len(h) != 1 {
			s.t.Errorf("%s: %d header messages, want 1", inc.ID, len(h))
		}
		texts := map[string]int{}
		for _, m := range s.sl.Messages(inc.Channel.ID) {
			if !m.Deleted {
				texts[m.ThreadTS+"|"+m.Text+"|"+string(m.Blocks)+"|"+strings.Join(m.Files, ",")]++
			}
		}
		for k, n := range texts {
			if n > 1 {
				s.t.Errorf("%s: a message was posted %d times: %.200s", inc.ID, n, k)
			}
		}
	}
	for _, id := range msgIDs {
		if seen[id] != 1 {
			s.t.Errorf("SNS message %s is on the timelines %d times, want exactly 1", id, seen[id])
		}
	}
	markers := map[string]int{}
	for _, c := range s.ssm.Commands() {
		if f := strings.Fields(c.Comment); len(f) > 0 {
			markers[f[0]]++
		}
	}
	for m, n := range markers {
		if n > 1 {
			s.t.Errorf("SSM command %q was sent %d times", m, n)
		}
	}
}
