package access_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/access"
	"github.com/tocsin-dev/tocsin/dispatch"
)

const testPolicy = `
declare: [S0RESPONDERS, S0COMMANDERS]
resolve: [S0COMMANDERS, U0DEPUTY]
assign: [S0COMMANDERS]
runbook:
  reboot-rds-instance: [S0COMMANDERS]
  "restart-*": [S0RESPONDERS, S0COMMANDERS]
approve: [S0APPROVERS]
`

var testGroups = map[string][]string{
	"S0COMMANDERS": {"U0CMD"},
	"S0RESPONDERS": {"U0RESP"},
	"S0APPROVERS":  {"U0APPROVER"},
}

// MustAuthorizer returns an Authorizer for policy whose groups are
// testGroups, read through a fake that counts its calls and fails every
// read of a group in down.
func MustAuthorizer(tb testing.TB, policy string, down ...string) (*access.Authorizer, *int) {
	tb.Helper()
	p, err := access.Load(MustPolicyDir(tb, policy))
	if err != nil {
		tb.Fatal(err)
	}
	calls := new(int)
	return access.New(p, func(_ context.Context, g string) ([]string, error) {
		*calls++
		if slices.Contains(down, g) {
			return nil, errors.New("usergroups.users.list: service unavailable")
		}
		return testGroups[g], nil
	}), calls
}

// TestAuthorizer_Allow is the policy's table: each role against each action.
func TestAuthorizer_Allow(t *testing.T) {
	a, _ := MustAuthorizer(t, testPolicy)
	act := func(name dispatch.ActionName) dispatch.Action { return dispatch.Action{Name: name} }
	runbook := func(rb string) dispatch.Action { return dispatch.Action{Name: dispatch.ActionRunbook, Runbook: rb} }
	for _, tc := range []struct {
		name    string
		act     dispatch.Action
		rule    string   // "" when the action is not restricted
		allowed []string // of U0CMD, U0RESP, U0APPROVER, U0DEPUTY, U0OUTSIDER, ""
	}{
		{"Declare", act(dispatch.ActionDeclare), "declare", []string{"U0CMD", "U0RESP"}},
		{"SeverityNotMentioned", act(dispatch.ActionSeverity), "", []string{"U0CMD", "U0RESP", "U0APPROVER", "U0DEPUTY", "U0OUTSIDER", ""}},
		{"ResolveByGroupOrUser", act(dispatch.ActionResolve), "resolve", []string{"U0CMD", "U0DEPUTY"}},
		{"Assign", act(dispatch.ActionAssign), "assign", []string{"U0CMD"}},
		{"RunbookExactName", runbook("reboot-rds-instance"), "runbook reboot-rds-instance", []string{"U0CMD"}},
		{"RunbookGlob", runbook("restart-ecs-service"), "runbook restart-*", []string{"U0CMD", "U0RESP"}},
		{"RunbookNoEntryRefused", runbook("flush-elasticache"), "runbook", nil},
		{"Approve", act(dispatch.ActionApprove), "approve", []string{"U0APPROVER"}},
	} {
		for _, user := range []string{"U0CMD", "U0RESP", "U0APPROVER", "U0DEPUTY", "U0OUTSIDER", ""} {
			ok, rule, err := a.Allow(t.Context(), user, tc.act)
			if err != nil {
				t.Fatalf("%s by %q: %v", tc.name, user, err)
			}
			if want := slices.Contains(tc.allowed, user); ok != want || rule.Name != tc.rule {
				t.Errorf("%s by %q: ok=%v rule %q; want ok=%v rule %q", tc.name, user, ok, rule.Name, want, tc.rule)
			}
		}
	}
	_, rule, _ := a.Allow(t.Context(), "U0OUTSIDER", act(dispatch.ActionResolve))
	if diff := cmp.Diff(dispatch.Rule{Name: "resolve", Who: []string{"S0COMMANDERS", "U0DEPUTY"}}, rule); diff != "" {
		t.Errorf("refusing rule (-want +got):\n%s", diff)
	}
}

// Everything is allowed, without asking Slack, when there is no policy;
// an action listed with nobody is refused to everyone.
func TestAuthorizer_NoPolicyAndEmptyList(t *testing.T) {
	asked := false
	none := access.New(nil, func(context.Context, string) ([]string, error) { asked = true; return nil, nil })
	for _, name := range []dispatch.ActionName{dispatch.ActionDeclare, dispatch.ActionSeverity, dispatch.ActionResolve,
		dispatch.ActionAssign, dispatch.ActionRunbook, dispatch.ActionApprove} {
		if ok, rule, err := none.Allow(t.Context(), "U0ANYONE", dispatch.Action{Name: name}); !ok || rule.Name != "" || err != nil {
			t.Errorf("%s without a policy: %v %q %v", name, ok, rule.Name, err)
		}
	}
	if asked {
		t.Error("Slack was asked without a policy")
	}
	a, _ := MustAuthorizer(t, "resolve: []\n")
	if ok, rule, err := a.Allow(t.Context(), "U0CMD", dispatch.Action{Name: dispatch.ActionResolve}); ok || err != nil || len(rule.Who) != 0 {
		t.Errorf("an empty list: %v %+v %v; want everyone refused", ok, rule, err)
	}
}

// A group that cannot be read fails closed, unless the person is named
// directly (no Slack needed) or in another group that can be read.
func TestAuthorizer_UnreadableGroup(t *testing.T) {
	a, calls := MustAuthorizer(t, testPolicy, "S0COMMANDERS")
	resolve := dispatch.Action{Name: dispatch.ActionResolve}
	if ok, _, err := a.Allow(t.Context(), "U0CMD", resolve); ok || err == nil {
		t.Errorf("commander while S0COMMANDERS is unreadable: ok=%v err=%v; want refused with an error", ok, err)
	}
	*calls = 0
	if ok, _, err := a.Allow(t.Context(), "U0DEPUTY", resolve); !ok || err != nil || *calls != 0 {
		t.Errorf("a person named directly: ok=%v err=%v after %d group reads; want allowed without Slack", ok, err, *calls)
	}
	if ok, _, err := a.Allow(t.Context(), "U0RESP", dispatch.Action{Name: dispatch.ActionDeclare}); !ok || err != nil {
		t.Errorf("a responder, S0RESPONDERS readable: ok=%v err=%v", ok, err)
	}
	if ok, _, err := access.New(mustLoad(t, testPolicy), nil).Allow(t.Context(), "U0CMD", resolve); ok || err == nil {
		t.Errorf("no group lookup configured: ok=%v err=%v; want refused with an error", ok, err)
	}
}

// Replace swaps the policy in use (a reload); Summary says what it does.
func TestAuthorizer_ReplaceAndSummary(t *testing.T) {
	a := access.New(nil, nil)
	if got, want := a.Summary(), "no access policy (access.policy in TOCSIN_PLAYBOOKS): everyone in the workspace may declare incidents, change severity, resolve, close and reopen incidents, assign roles, request runbooks and approve runbook runs; only each runbook's approval rules restrict approvals"; got != want {
		t.Errorf("summary without a policy:\n got %s\nwant %s", got, want)
	}
	dir := MustPolicyDir(t, testPolicy)
	p, err := access.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a.Replace(p)
	want := "access policy " + p.Source + ": only the listed may act (declare: S0RESPONDERS, S0COMMANDERS; " +
		"resolve: S0COMMANDERS, U0DEPUTY; assign: S0COMMANDERS; runbook reboot-rds-instance: S0COMMANDERS; " +
		"runbook restart-*: S0RESPONDERS, S0COMMANDERS; any other runbook: nobody; approve: S0APPROVERS); " +
		"not restricted, everyone in the workspace may change severity"
	if got := a.Summary(); got != want {
		t.Errorf("summary:\n got %s\nwant %s", got, want)
	}
	if ok, _, _ := a.Allow(t.Context(), "U0OUTSIDER", dispatch.Action{Name: dispatch.ActionResolve}); ok {
		t.Error("the replaced policy is not in force")
	}
}

func mustLoad(tb testing.TB, policy string) *access.Policy {
	tb.Helper()
	p, err := access.Load(MustPolicyDir(tb, policy))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
