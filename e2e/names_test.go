package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/cli"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestNames_OutsideSlack: people drive an incident in Slack by their ids;
// the dashboard, the API, the CLI and the review name them (users.list,
// usergroups.list, users.info against the stand-in), while Slack keeps its
// mentions. The names are kept in the store: after a restart with Slack
// failing every call, the dashboard still shows them.
func TestNames_OutsideSlack(t *testing.T) {
	h := Start(t, Options{Slack: &sim.SlackOptions{
		Users:          []sim.SlackUser{{ID: "U0ALICE", Name: "alice", RealName: "Alice Adams"}, {ID: "U0BOB", RealName: "Bob Brown"}},
		UserGroups:     map[string][]string{"S0ONCALL": {"U0BOB"}},
		UserGroupNames: map[string]string{"S0ONCALL": "Platform on-call"}},
		Env: map[string]string{"TOCSIN_RESPONDERS": "S0ONCALL"}})
	h.WaitFor("the directory's listing", func() bool { return h.Slack.CallCount("users.list") > 0 })
	h.Slack.AddUser(sim.SlackUser{ID: "U0CAROL", Name: "carol", RealName: "Carol Chen"}) // joins after the listing
	h.Slash("U0ALICE", "", "declare Checkout is failing sev2")
	ch := h.WaitHeader(1)
	h.Slash("U0BOB", ch.ID, "ack")
	h.Slash("U0CAROL", ch.ID, "role commander <@U0CAROL|carol>")
	h.WaitFor("the role on the timeline", func() bool { inc := h.Incident(1).Incident; return inc.RoleHolder("commander") == "U0CAROL" })

	named := func(text string) bool {
		return strings.Contains(text, "alice declared the incident") && strings.Contains(text, "Bob Brown acknowledged") &&
			strings.Contains(text, "carol took the commander role")
	}
	h.WaitFor("names on the incident page", func() bool { _, page := h.Get("/incidents/1", APIToken); return named(page) })
	if v := h.Incident(1); v.Names["U0CAROL"] != "carol" || v.Names["U0ALICE"] != "alice" {
		t.Errorf("the API's names: %v", v.Names)
	}
	_, md := h.Get("/api/incidents/INC-1/review.md", APIToken)
	if !strings.Contains(md, "- Role commander: carol") || strings.Contains(md, "U0ALICE") {
		t.Errorf("the review does not name people:\n%s", md)
	}
	if out := runRead(t, h, "incident", "INC-1"); !named(out) {
		t.Errorf("tocsin incident does not name people:\n%s", out)
	}
	if out := runRead(t, h, "incidents"); !strings.Contains(out, "carol") {
		t.Errorf("tocsin incidents does not name the commander:\n%s", out)
	}
	header, _ := h.PinnedHeader(ch.ID, 1)
	if b := string(header.Blocks); !strings.Contains(b, `\u003c@U0CAROL\u003e`) || strings.Contains(b, "carol") {
		t.Errorf("inside Slack the header should mention people: %s", b)
	}

	// Restarted with Slack refusing every directory call, the kept names still show.
	for _, m := range []string{"users.list", "users.info", "usergroups.list"} {
		h.Slack.FailNext(m, 1000, sim.SlackFault{Error: "internal_error"})
	}
	h.Restart()
	if _, page := h.Get("/incidents/1", APIToken); !named(page) {
		t.Error("after a restart without Slack's answers, the dashboard lost the names")
	}
}

// runRead runs a reading CLI command against h.
func runRead(t *testing.T, h *Harness, args ...string) string {
	t.Helper()
	getenv := func(k string) string {
		return map[string]string{"TOCSIN_URL": h.URL, "TOCSIN_API_TOKEN": APIToken}[k]
	}
	var out, errb bytes.Buffer
	if err := cli.Run(context.Background(), append([]string{"tocsin"}, args...), getenv, &out, &errb); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}
