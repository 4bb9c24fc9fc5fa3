package e2e

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// runStep returns the runbook events of one step ("started", "finished"…).
func runStep(step string) func(incident.Event) bool {
	return func(e incident.Event) bool { return e.Type == incident.EventRunbook && e.Datum("step") == step }
}

// couldNot matches the events the outbox writes when it gives an effect up.
func couldNot(e incident.Event) bool {
	return e.Type == incident.EventInfo && strings.HasPrefix(e.Text, "tocsin could not")
}

// slackCalls counts the Slack stand-in's calls that match.
func slackCalls(s *Harness, match func(sim.SlackCall) bool) int {
	n := 0
	for _, c := range s.Slack.Calls() {
		if match(c) {
			n++
		}
	}
	return n
}

// checkNoneGivenUp fails the test if the outbox gave up an effect of one
// of the incidents.
func checkNoneGivenUp(t *testing.T, s *Harness, ids ...incident.ID) {
	t.Helper()
	for _, id := range ids {
		if got := s.Events(id, couldNot); len(got) != 0 {
			t.Errorf("%s: effects given up: %+v", id, got)
		}
	}
}

// messageCounts counts, by SNS MessageId, the events that carry it on
// every timeline.
func messageCounts(t *testing.T, s *Harness) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, inc := range s.Incidents() {
		for _, e := range s.Incident(inc.ID).Timeline {
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
func checkNoDuplicates(t *testing.T, s *Harness, msgIDs ...string) {
	t.Helper()
	incs := s.Incidents()
	names := map[string]int{}
	for _, c := range s.Slack.Channels() {
		if strings.HasPrefix(c.Name, "inc-") {
			n, _, _ := strings.Cut(strings.TrimPrefix(c.Name, "inc-"), "-")
			names[n]++
		}
	}
	for n, count := range names {
		if count != 1 {
			t.Errorf("INC-%s has %d channels, want 1", n, count)
		}
	}
	seen := messageCounts(t, s)
	for _, inc := range incs {
		if !s.Incident(inc.ID).Verified {
			t.Errorf("%s: the timeline does not verify", inc.ID)
		}
		if inc.Channel.ID == "" {
			continue
		}
		if h := s.Headers(inc.Channel.ID, int(inc.ID)); len(h) != 1 {
			t.Errorf("%s: %d header messages, want 1", inc.ID, len(h))
		}
		texts := map[string]int{}
		for _, m := range s.Slack.Messages(inc.Channel.ID) {
			if !m.Deleted {
				texts[m.ThreadTS+"|"+m.Text+"|"+string(m.Blocks)+"|"+strings.Join(m.Files, ",")]++
			}
		}
		for k, n := range texts {
			if n > 1 {
				t.Errorf("%s: a message was posted %d times: %.200s", inc.ID, n, k)
			}
		}
	}
	for _, id := range msgIDs {
		if seen[id] != 1 {
			t.Errorf("SNS message %s is on the timelines %d times, want exactly 1", id, seen[id])
		}
	}
	markers := map[string]int{}
	for _, c := range s.AWS.SSM.Commands() {
		if f := strings.Fields(c.Comment); len(f) > 0 {
			markers[f[0]]++
		}
	}
	for m, n := range markers {
		if n > 1 {
			t.Errorf("SSM command %q was sent %d times", m, n)
		}
	}
}
