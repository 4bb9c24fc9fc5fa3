package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSlack_StatusWithoutText: `/incident status` with no text shows the
// incident's current status and its last update, and changes nothing.
func TestSlack_StatusWithoutText(t *testing.T) {
	h, _, ch := declared(t, Options{}, "U0ALICE", "Checkout is failing sev2")
	h.WaitReply(h.Slash("U0ALICE", ch.ID, "status rolled back the deploy"))
	answer := h.WaitReply(h.Slash("U0ALICE", ch.ID, "status"))
	for _, want := range []string{"INC-1", "declared", "SEV2", "rolled back the deploy"} {
		if !strings.Contains(answer, want) {
			t.Errorf("/incident status answered %q, want it to contain %q", answer, want)
		}
	}
	updates := h.Events(1, func(e incident.Event) bool { return e.Type == incident.EventStatusUpdate })
	if len(updates) != 1 {
		t.Errorf("status updates on the timeline: %d, want 1 (asking changes nothing)", len(updates))
	}
}

// TestSlack_EndpointsWithoutSigningSecret: without SLACK_SIGNING_SECRET the
// Slack endpoints answer 503 naming it, whether or not a bot token is set,
// instead of a 405 that suggests the wrong method.
func TestSlack_EndpointsWithoutSigningSecret(t *testing.T) {
	for _, tc := range []struct {
		name  string
		slack *sim.SlackOptions
		env   map[string]string
	}{
		{"no Slack", nil, nil},
		{"Socket Mode", &sim.SlackOptions{}, map[string]string{"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": "xapp-test-app-token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Start(t, Options{Slack: tc.slack, Env: tc.env})
			for _, path := range []string{"/slack/commands", "/slack/interactions", "/slack/events"} {
				code, body := h.Do(http.MethodPost, path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "text=help")
				if code != http.StatusServiceUnavailable || !strings.Contains(body, "SLACK_SIGNING_SECRET") {
					t.Errorf("POST %s: %d %q, want 503 naming SLACK_SIGNING_SECRET", path, code, body)
				}
			}
		})
	}
}
