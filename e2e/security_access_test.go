package e2e

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
)

// TestSecurity_AccessPolicy: with access.policy beside the playbooks, a
// workspace member outside the commanders' group cannot resolve an
// incident (an ephemeral refusal naming the rule, nothing changed, the
// attempt on the timeline); once Slack says they joined the group
// (subteam_members_changed), the same command works without waiting for
// the cache.
func TestSecurity_AccessPolicy(t *testing.T) {
	const commanders = "S0COMMANDERS"
	o := securityOptions()
	o.Playbooks = map[string]string{"storm.yaml": StormPlaybook, "access.policy": "resolve: [" + commanders + "]\n"}
	o.Slack.UserGroups = map[string][]string{commanders: {secApprover}}
	s := Start(t, o)
	ch := openIncident(t, s, "m-access", "api-5xx", "API errors", "api")

	reply := s.NewReply("acc")
	code, body := s.SlashAnswer(secBystander, ch, "resolve fixed it", reply) // with a summary: no form to fill first
	if code != 200 {
		t.Fatalf("resolve: %d %s", code, body)
	}
	refusal := body
	if !strings.Contains(refusal, "Not done") {
		refusal = s.WaitReply(reply)
	}
	if !strings.Contains(refusal, "Not done") || !strings.Contains(refusal, "resolve") {
		t.Errorf("refusal = %q, want 'Not done' naming the rule", refusal)
	}
	s.WaitFor("the refusal on the timeline", func() bool {
		return len(s.Events(1, func(e incident.Event) bool { return e.Datum("refused") == "access" })) == 1
	})
	if st := s.Incident(1).Incident.Status; st == incident.StatusResolved {
		t.Fatalf("a bystander resolved the incident")
	}

	event := s.Slack.SetUserGroup("Ev0ACCESS1", commanders, []string{secApprover, secBystander})
	if code, body := s.PostSlack("/slack/events", event); code != 200 {
		t.Fatalf("subteam_members_changed: %d %s", code, body)
	}
	s.SlashAnswer(secBystander, ch, "resolve fixed it", s.NewReply("acc"))
	s.WaitFor("the resolution by the new commander", func() bool {
		return s.Incident(1).Incident.Status == incident.StatusResolved
	})
}
