package dispatch_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/access"
	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// The people of the access tests and the groups testdata/access names.
const (
	commander = "U0CMD"
	responder = "U0RESP"
	approver  = "U0APPROVER" // also a named approver of restart-api
	outsider  = "U0OUTSIDER"
)

var accessGroups = map[string][]string{
	"S0COMMANDERS": {commander},
	"S0RESPONDERS": {responder},
	"S0APPROVERS":  {approver},
}

// groupsOf reads the groups above as bot's Executor.UserGroups would; a
// non-nil fail makes every read fail, as when Slack is down.
func groupsOf(fail error) access.Members {
	return func(_ context.Context, g string) ([]string, error) {
		if fail != nil {
			return nil, fail
		}
		return slices.Clone(accessGroups[g]), nil
	}
}

// accessHarness is a harness whose engine applies testdata/access's policy.
func accessHarness(t *testing.T, members access.Members) *harness {
	t.Helper()
	p, err := access.Load("testdata/access")
	if err != nil || p == nil {
		t.Fatalf("load the test policy: %v, %v", p, err)
	}
	return newHarness(t, func(c *dispatch.Config) { c.Access = access.New(p, members) })
}

// declareAs opens an incident as a commander (whom the policy lets declare).
func declareAs(h *harness) incident.ID {
	h.t.Helper()
	res := h.do(dispatch.Command{Kind: dispatch.Declare, Actor: commander, Text: "api is down", Severity: incident.SEV2})
	h.drain()
	if res.Incident.ID == 0 {
		h.t.Fatalf("declare by the commander: %q", res.Message)
	}
	return res.Incident.ID
}

// accessRefusals returns the access refusals on a timeline.
func accessRefusals(evs []incident.Event) []incident.Event {
	var out []incident.Event
	for _, e := range evs {
		if e.Type == incident.EventInfo && e.Data["refused"] == "access" {
			out = append(out, e)
		}
	}
	return out
}

// TestAccess_RolesByCommands gives every restricted command (and a few the
// policy leaves alone) to a commander, a responder, an approver and an
// outsider, and checks who is let through, against testdata/access.
func TestAccess_RolesByCommands(t *testing.T) {
	type setup func(h *harness, id incident.ID) dispatch.Command
	resolved := func(k dispatch.Kind) setup {
		return func(h *harness, id incident.ID) dispatch.Command {
			h.do(dispatch.Command{Kind: dispatch.Resolve, Incident: id, Actor: commander})
			return dispatch.Command{Kind: k, Incident: id, Text: "again"}
		}
	}
	plain := func(cmd dispatch.Command) setup {
		return func(h *harness, id incident.ID) dispatch.Command { c := cmd; c.Incident = id; return c }
	}
	everyone := []string{commander, responder, approver, outsider}
	for _, tc := range []struct {
		name    string
		cmd     setup
		rule    string   // the rule that refuses the others
		allowed []string // who may
	}{
		{"Severity", plain(dispatch.Command{Kind: dispatch.SetSeverity, Severity: incident.SEV1}), "severity", []string{commander}},
		{"Resolve", plain(dispatch.Command{Kind: dispatch.Resolve, Text: "rolled back"}), "resolve", []string{commander}},
		{"Close", resolved(dispatch.Close), "resolve", []string{commander}},
		{"Reopen", resolved(dispatch.Reopen), "resolve", []string{commander}},
		{"AssignRole", plain(dispatch.Command{Kind: dispatch.AssignRole, Role: incident.RoleComms, User: "U0SOMEONE"}), "assign", []string{commander}},
		{"RunbookByGlob", plain(dispatch.Command{Kind: dispatch.RunbookReq, Runbook: "restart-api", Args: map[string]string{"unit": "api"}}),
			"runbook restart-*", []string{commander, responder}},
		{"RunbookByName", plain(dispatch.Command{Kind: dispatch.RunbookReq, Runbook: "restart-api-by-role", Args: map[string]string{"unit": "api"}}),
			"runbook restart-api-by-role", []string{commander}},
		{"RunbookNoEntry", plain(dispatch.Command{Kind: dispatch.RunbookReq, Runbook: "format-disk"}), "runbook", nil},
		{"Approve", func(h *harness, id incident.ID) dispatch.Command {
			h.do(dispatch.Command{Kind: dispatch.RunbookReq, Incident: id, Actor: commander, Runbook: "restart-api", Args: map[string]string{"unit": "api"}})
			evs := h.timeline(id)
			return dispatch.Command{Kind: dispatch.Approve, Incident: id, RunID: evs[len(evs)-1].Data["run"]}
		}, "approve", []string{approver}},
		{"AckNotRestricted", plain(dispatch.Command{Kind: dispatch.Ack}), "", everyone},
		{"StatusNotRestricted", plain(dispatch.Command{Kind: dispatch.StatusUpdate, Text: "rolling back"}), "", everyone},
		{"NoteNotRestricted", plain(dispatch.Command{Kind: dispatch.Note, Text: "saw a spike"}), "", everyone},
	} {
		for _, who := range everyone {
			t.Run(tc.name+"/"+who, func(t *testing.T) {
				t.Parallel()
				h := accessHarness(t, groupsOf(nil))
				id := declareAs(h)
				cmd := tc.cmd(h, id)
				cmd.Actor = who
				before, _, err := h.db.Timeline(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				n := len(h.timeline(id))
				res := h.do(cmd)
				evs := h.timeline(id)
				refusals := accessRefusals(evs)
				if slices.Contains(tc.allowed, who) {
					if strings.HasPrefix(res.Message, "Not done") || len(refusals) != 0 {
						t.Fatalf("%s by %s was refused: %q", cmd.Kind, who, res.Message)
					}
					if cmd.Kind == dispatch.Approve && !strings.Contains(res.Message, "Starting it") {
						t.Errorf("approval by %s: %q; want the run started", who, res.Message)
					}
					return
				}
				if !strings.HasPrefix(res.Message, "Not done: ") || !strings.Contains(res.Message, "(policy rule '"+tc.rule+"')") {
					t.Errorf("%s by %s: %q; want a refusal naming rule %q", cmd.Kind, who, res.Message, tc.rule)
				}
				if len(evs) != n+1 || len(refusals) != 1 || refusals[0].Data["rule"] != tc.rule || refusals[0].Actor != who {
					t.Errorf("timeline grew by %d with refusals %+v; want exactly one, by %s, naming rule %q", len(evs)-n, refusals, who, tc.rule)
				}
				after, _, err := h.db.Timeline(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				after.Events, before.Events, after.LastHash, before.LastHash = 0, 0, "", ""
				if diff := cmp.Diff(before, after); diff != "" {
					t.Errorf("a refused %s changed the incident (-before +after):\n%s", cmd.Kind, diff)
				}
			})
		}
	}
	t.Run("Declare", func(t *testing.T) {
		h := accessHarness(t, groupsOf(nil))
		for _, who := range everyone {
			res := h.do(dispatch.Command{Kind: dispatch.Declare, Actor: who, Text: "declared by " + who})
			want := who == commander || who == responder
			if got := res.Incident.ID != 0; got != want {
				t.Errorf("declare by %s: opened=%v, want %v (%q)", who, got, want, res.Message)
			}
			if !want && (res.Public || res.Message != "Not done: only <group:S0RESPONDERS> or <group:S0COMMANDERS> (policy rule 'declare') may declare incidents.") {
				t.Errorf("declare by %s answered %q (public %v)", who, res.Message, res.Public)
			}
		}
		incs, err := h.db.Incidents(t.Context(), false)
		if err != nil || len(incs) != 2 {
			t.Errorf("%d incidents (%v); want the commander's and the responder's only", len(incs), err)
		}
	})
}

// A refusal answers the requester alone with the rule that refused it,
// posts nothing in the channel, and is recorded on the timeline once per
// idempotency key.
func TestAccess_RefusalOnTimeline(t *testing.T) {
	h := accessHarness(t, groupsOf(nil))
	id := declareAs(h)
	posted := len(h.slack.texts)
	cmd := dispatch.Command{Kind: dispatch.Resolve, Incident: id, Actor: responder, Text: "fixed", Key: "slack:trigger:1"}
	for range 2 { // Slack's retry of the same command
		res := h.do(cmd)
		if want := "Not done: only <group:S0COMMANDERS> (policy rule 'resolve') may resolve incidents."; res.Message != want || res.Public {
			t.Errorf("answer %q (public %v); want the ephemeral %q", res.Message, res.Public, want)
		}
	}
	h.drain()
	if got := h.slack.texts[posted:]; len(got) != 0 {
		t.Errorf("a refusal posted %q; it is answered to the requester only", got)
	}
	refusals := accessRefusals(h.timeline(id))
	if len(refusals) != 1 {
		t.Fatalf("%d refusals on the timeline; want 1: %+v", len(refusals), refusals)
	}
	got := refusals[0]
	got.Incident, got.Seq, got.PrevHash, got.Hash = 0, 0, "", ""
	want := incident.Event{Type: incident.EventInfo, At: h.clock.Now(), Actor: responder,
		Text: "resolve refused by access policy rule 'resolve' (allowed: S0COMMANDERS)",
		Data: map[string]string{"refused": "access", "command": "resolve", "action": "resolve", "rule": "resolve"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refusal event (-want +got):\n%s", diff)
	}
	inc, err := h.db.Incident(t.Context(), id)
	if err != nil || inc.Status != incident.StatusDeclared {
		t.Errorf("status %s (%v); want it still declared", inc.Status, err)
	}
}

// Without a policy, anyone may do anything runbook approval rules do not
// restrict: the engine with no Authorizer, and one made from a playbook
// directory without access.policy, behave as tocsin always has.
func TestAccess_NoPolicy(t *testing.T) {
	none, err := access.Load(t.TempDir())
	if err != nil || none != nil {
		t.Fatalf("a directory without %s: policy %v, err %v; want none", access.FileName, none, err)
	}
	for name, auth := range map[string]dispatch.Authorizer{
		"NilAuthorizer": nil,
		"NoPolicyFile":  access.New(none, groupsOf(errors.New("Slack must not be asked"))),
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, func(c *dispatch.Config) { c.Access = auth })
			res := h.do(dispatch.Command{Kind: dispatch.Declare, Actor: outsider, Text: "db slow"})
			id := res.Incident.ID
			for _, cmd := range []dispatch.Command{
				{Kind: dispatch.SetSeverity, Severity: incident.SEV1},
				{Kind: dispatch.AssignRole, Role: incident.RoleComms, User: outsider},
				{Kind: dispatch.Resolve}, {Kind: dispatch.Close}, {Kind: dispatch.Reopen, Text: "back"},
			} {
				cmd.Incident, cmd.Actor = id, outsider
				if res := h.do(cmd); strings.HasPrefix(res.Message, "Not done") {
					t.Errorf("%s without a policy: %q", cmd.Kind, res.Message)
				}
			}
			h.do(dispatch.Command{Kind: dispatch.RunbookReq, Incident: id, Actor: outsider, Runbook: "restart-api", Args: map[string]string{"unit": "api"}})
			evs := h.timeline(id)
			r := h.do(dispatch.Command{Kind: dispatch.Approve, Incident: id, Actor: outsider, RunID: evs[len(evs)-1].Data["run"]})
			if !strings.Contains(r.Message, "not counted") {
				t.Errorf("approval by a non-approver without a policy: %q; the runbook's rules still apply", r.Message)
			}
			if got := accessRefusals(h.timeline(id)); len(got) != 0 {
				t.Errorf("access refusals without a policy: %+v", got)
			}
		})
	}
}

// When the members of a group a rule names cannot be read, the command is
// refused with a plain sentence and nothing changes: the policy fails closed.
func TestAccess_GroupsUnreadableFailsClosed(t *testing.T) {
	var slackDown error
	members := func(ctx context.Context, g string) ([]string, error) {
		if slackDown != nil {
			return nil, slackDown
		}
		return groupsOf(nil)(ctx, g)
	}
	h := accessHarness(t, members)
	id := declareAs(h)
	n := len(h.timeline(id))
	slackDown = errors.New("usergroups.users.list: 503 Service Unavailable")
	_, err := h.engine.Do(t.Context(), dispatch.Command{Kind: dispatch.Resolve, Incident: id, Actor: commander})
	if !errors.Is(err, dispatch.ErrAccessUnavailable) {
		t.Fatalf("resolve while Slack is down: %v; want ErrAccessUnavailable", err)
	}
	var um interface{ UserMessage() string }
	if !errors.As(err, &um) || um.UserMessage() != "Not done: tocsin could not check whether you may resolve incidents (Slack's user groups could not be read), so nothing was changed. Try again in a minute." {
		t.Errorf("message for the requester: %v", err)
	}
	if strings.Contains(err.Error(), "503") {
		t.Errorf("error %q carries the cause; dispatch logs it instead", err)
	}
	if got := len(h.timeline(id)); got != n {
		t.Errorf("timeline grew from %d to %d events", n, got)
	}
	if inc, _ := h.db.Incident(t.Context(), id); inc.Status != incident.StatusDeclared {
		t.Errorf("status %s; want it unchanged", inc.Status)
	}
	slackDown = nil
	if res := h.do(dispatch.Command{Kind: dispatch.Resolve, Incident: id, Actor: commander}); strings.HasPrefix(res.Message, "Not done") {
		t.Errorf("resolve once Slack is back: %q", res.Message)
	}
}
