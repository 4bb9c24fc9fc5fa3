package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSlack_DeclarerInvitedUnknownGroupReported: /incident declare under the
// built-in default playbook, whose owner S00ONCALL does not exist in the
// workspace, still gives a channel with the declarer in it; Slack's
// no_such_subteam is a permanent failure, said once in the channel, once
// on the timeline and logged once, never retried. Whoever acknowledges or
// takes a role is invited too.
func TestSlack_DeclarerInvitedUnknownGroupReported(t *testing.T) {
	h := Start(t, Options{Slack: &sim.SlackOptions{Users: []sim.SlackUser{{ID: "U0ALICE"}, {ID: "U0BOB"}, {ID: "U0CAROL"}},
		Channels: []string{"incidents"}}})
	lobby, _ := h.Slack.ChannelByName("incidents")
	h.Slash("U0ALICE", lobby.ID, "declare Checkout is failing sev2")
	ch := h.WaitHeader(1)
	h.WaitFor("the declarer in the channel", func() bool { return h.isMember(ch.Name, "U0ALICE") })
	h.WaitFor("the unknown group reported in the channel", func() bool { return h.ChannelSays(ch.ID, "S00ONCALL") })

	h.Slash("U0BOB", lobby.ID, "INC-1 ack") // from outside the channel
	h.WaitFor("the acknowledger in the channel", func() bool { return h.isMember(ch.Name, "U0BOB") })
	h.Slash("U0ALICE", ch.ID, "role scribe <@U0CAROL|carol>")
	h.WaitFor("the new scribe in the channel", func() bool { return h.isMember(ch.Name, "U0CAROL") })
	h.Settle()

	if n := h.countMessages(ch.ID, "S00ONCALL"); n != 1 {
		t.Errorf("the unknown group was reported in %d messages, want 1", n)
	}
	lists := slackCalls(h, func(c sim.SlackCall) bool {
		return c.Method == "usergroups.users.list" && c.Params["usergroup"] == "S00ONCALL"
	})
	if n := lists; n != 1 {
		t.Errorf("usergroups.users.list for S00ONCALL called %d times, want 1 (no_such_subteam is permanent)", n)
	}
	if n := strings.Count(h.Logs.String(), "no_such_subteam"); n != 1 {
		t.Errorf("no_such_subteam logged %d times, want once:\n%s", n, h.Logs.String())
	}
	infos := h.Events(1, func(e incident.Event) bool {
		return e.Type == incident.EventInfo && strings.Contains(e.Text, "S00ONCALL")
	})
	if len(infos) != 1 {
		t.Errorf("timeline lines about S00ONCALL: %d, want 1", len(infos))
	}
}

// TestSlack_UnknownUserReported: a playbook naming a user that is not in
// the workspace (user_not_found) invites everyone else, its group expanded,
// and reports the missing user once.
func TestSlack_UnknownUserReported(t *testing.T) {
	const pb = `name: default
owner: S0TEAM
responders: [U0GHOST, U0CAROL]
`
	h := Start(t, Options{Slack: &sim.SlackOptions{Users: []sim.SlackUser{{ID: "U0ALICE"}, {ID: "U0BOB"}, {ID: "U0CAROL"}},
		UserGroups: map[string][]string{"S0TEAM": {"U0BOB"}}, Channels: []string{"incidents"}},
		Playbooks: map[string]string{"default.yaml": pb}})
	lobby, _ := h.Slack.ChannelByName("incidents")
	h.Slash("U0ALICE", lobby.ID, "declare Search is slow")
	ch := h.WaitHeader(1)
	h.WaitFor("the missing user reported", func() bool { return h.ChannelSays(ch.ID, "U0GHOST") })
	h.Settle()
	for _, u := range []string{"U0ALICE", "U0BOB", "U0CAROL"} {
		if !h.isMember(ch.Name, u) {
			t.Errorf("%s was not invited", u)
		}
	}
	if n := h.countMessages(ch.ID, "U0GHOST"); n != 1 {
		t.Errorf("the missing user was reported in %d messages, want 1", n)
	}
	if n := strings.Count(h.Logs.String(), "user_not_found"); n != 1 {
		t.Errorf("user_not_found logged %d times, want once:\n%s", n, h.Logs.String())
	}
}

// isMember reports whether user is in the channel named name.
func (h *Harness) isMember(name, user string) bool {
	c, ok := h.Slack.ChannelByName(name)
	return ok && slices.Contains(c.Members, user)
}

// countMessages counts the messages of channel ch that contain text.
func (h *Harness) countMessages(ch, text string) int {
	n := 0
	for _, m := range h.Slack.Messages(ch) {
		if strings.Contains(m.Text+string(m.Blocks), text) {
			n++
		}
	}
	return n
}

// TestSlack_StartupChecksGroupIDs: with Slack configured, serve warns at
// start about the placeholder ids its playbooks still name, and asks Slack
// once (usergroups.list) whether the other group ids exist, warning about
// those that do not.
func TestSlack_StartupChecksGroupIDs(t *testing.T) {
	const team = `name: team
owner: S0TEAM
responders: [S0GONE9]
match: {namespace: Test/Team}
`
	h := Start(t, Options{Slack: &sim.SlackOptions{UserGroups: map[string][]string{"S0TEAM": {"U0BOB"}}},
		Playbooks: map[string]string{"storm.yaml": StormPlaybook, "team.yaml": team}})
	h.WaitFor("the user group check", func() bool { return strings.Contains(h.Logs.String(), "S0GONE9") })
	h.Settle()
	var placeholder, unknown []string
	for line := range strings.SplitSeq(h.Logs.String(), "\n") {
		switch {
		case strings.Contains(line, "placeholder"):
			placeholder = append(placeholder, line)
		case strings.Contains(line, "S0GONE9"):
			unknown = append(unknown, line)
		}
	}
	if len(placeholder) != 1 || !strings.Contains(placeholder[0], "S00ONCALL") || !strings.Contains(placeholder[0], `"level":"WARN"`) {
		t.Errorf("placeholder warnings: %q, want one WARN naming S00ONCALL", placeholder)
	}
	if len(unknown) != 1 || strings.Contains(unknown[0], "S0TEAM") || !strings.Contains(unknown[0], `"level":"WARN"`) {
		t.Errorf("unknown group warnings: %q, want one WARN naming S0GONE9 and not S0TEAM", unknown)
	}
	// The directory of names (bot.Directory) lists the groups at start and
	// answers the check from that listing: one call for both.
	if n := h.Slack.CallCount("usergroups.list"); n != 1 {
		t.Errorf("usergroups.list called %d times, want once", n)
	}
}
