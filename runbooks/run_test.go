package runbooks

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/incident"
)

func TestRuns(t *testing.T) {
	rb := MustParse(t, `
name: two-approvals
kind: automation
document: AWS-RestartEC2Instance
targets: {instance_ids: [i-0123456789abcdef0]}
approval: {approvers: [U02, U03, U04], required: 2, expires: 10m}
`)
	p, err := rb.Plan(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	started := Started{Kind: KindAutomation, ExecutionID: "exec-1"}
	done := Progress{Status: "Success", Terminal: true, Success: true}
	tests := []struct {
		name   string
		events []incident.Event
		want   Run
	}{
		{"Requested", []incident.Event{RequestedEvent("r1", rb, p, "U01", at(0))},
			Run{Status: RunAwaitingApproval}},
		{"OneOfTwo", []incident.Event{RequestedEvent("r1", rb, p, "U01", at(0)), ApprovedEvent("r1", rb.Name, "U02", at(1))},
			Run{Status: RunAwaitingApproval, Approvals: []string{"U02"}}},
		{"DuplicateApproval", []incident.Event{RequestedEvent("r1", rb, p, "U01", at(0)),
			ApprovedEvent("r1", rb.Name, "U02", at(1)), ApprovedEvent("r1", rb.Name, "U02", at(2))},
			Run{Status: RunAwaitingApproval, Approvals: []string{"U02"}}},
		{"Approved", []incident.Event{RequestedEvent("r1", rb, p, "U01", at(0)),
			ApprovedEvent("r1", rb.Name, "U02", at(1)), ApprovedEvent("r1", rb.Name, "U03", at(2))},
			Run{Status: RunApproved, Approvals: []string{"U02", "U03"}}},
		{"Denied", []incident.Event{RequestedEvent("r1", rb, p, "U01", at(0)),
			DeniedEvent("r1", rb.Name, "U02", "not during peak", at(1)), ApprovedEvent("r1", rb.Name, "U03", at(2))},
			Run{Status: RunDenied, DeniedBy: "U02", Reason: "not during peak"}},
		{"Expired", []incident.Event{RequestedEvent("r1", rb, p, "U01", at(0)), ExpiredEvent("r1", rb.Name, at(10)),
			ApprovedEvent("r1", rb.Name, "U02", at(11)), ApprovedEvent("r1", rb.Name, "U03", at(11))},
			Run{Status: RunExpired}},
		{"StartedBeforeApprovalIgnored", []incident.Event{RequestedEvent("r1", rb, p, "U01", at(0)), StartedEvent("r1", rb.Name, started, at(1))},
			Run{Status: RunAwaitingApproval}},
		{"Succeeded", append(approved(rb, p), StartedEvent("r1", rb.Name, started, at(3)),
			progressEvent("r1", rb.Name, Progress{Status: "InProgress"}, at(4)), FinishedEvent("r1", rb.Name, done, at(5)),
			FinishedEvent("r1", rb.Name, Progress{Status: "Failed", Terminal: true}, at(6))),
			Run{Status: RunSucceeded, Approvals: []string{"U02", "U03"}, ExecutionID: "exec-1", StartedAt: at(3), FinishedAt: at(5),
				SSMStatus: "Success", Detail: "Success: 0 of 0 steps done"}},
		{"CancelWhileRunningWaitsForSSM", append(approved(rb, p), StartedEvent("r1", rb.Name, started, at(3)),
			CancelledEvent("r1", rb.Name, "U04", at(4))),
			Run{Status: RunRunning, Approvals: []string{"U02", "U03"}, ExecutionID: "exec-1", StartedAt: at(3), CancelRequested: true, CancelledBy: "U04"}},
		{"CancelBeforeStart", []incident.Event{RequestedEvent("r1", rb, p, "U01", at(0)), CancelledEvent("r1", rb.Name, "U01", at(1))},
			Run{Status: RunCancelled, CancelledBy: "U01", FinishedAt: at(1)}},
		{"Refused", append(approved(rb, p), RefusedEvent("r1", rb.Name, "No instance matches the runbook's targets.", at(3))),
			Run{Status: RunRefused, Approvals: []string{"U02", "U03"}, Reason: "No instance matches the runbook's targets.", FinishedAt: at(3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := append([]incident.Event{{Type: incident.EventNote, Text: "unrelated"}}, tt.events...)
			runs := Runs(events)
			if len(runs) != 1 {
				t.Fatalf("got %d runs", len(runs))
			}
			want := tt.want
			want.ID, want.Runbook, want.Requester, want.Plan, want.Policy = "r1", rb.Name, "U01", p, rb.Approval
			want.RequestedAt, want.ExpiresAt = at(0), at(10)
			if diff := cmp.Diff(want, *runs["r1"], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("run (-want +got):\n%s", diff)
			}
		})
	}
}

func approved(rb *Runbook, p Plan) []incident.Event {
	return []incident.Event{RequestedEvent("r1", rb, p, "U01", t0),
		ApprovedEvent("r1", rb.Name, "U02", t0.Add(time.Minute)), ApprovedEvent("r1", rb.Name, "U03", t0.Add(2*time.Minute))}
}

func TestRuns_PreApproved(t *testing.T) {
	rb := MustBuiltin(t, "run-diagnostics")
	p, err := rb.Plan(nil, alarmWith(incident.Dimension{Name: "InstanceId", Value: "i-0123456789abcdef0"}))
	if err != nil {
		t.Fatal(err)
	}
	s := Started{Kind: KindCommand, CommandID: "cmd-1", InstanceIDs: p.InstanceIDs}
	runs := Runs([]incident.Event{RequestedEvent("7", rb, p, "tocsin", t0), StartedEvent("7", rb.Name, s, t0)})
	r := runs["7"]
	if r.Status != RunRunning || !r.ExpiresAt.IsZero() {
		t.Fatalf("status %s, expires %v", r.Status, r.ExpiresAt)
	}
	if diff := cmp.Diff(s, r.Started()); diff != "" {
		t.Errorf("Started (-want +got):\n%s", diff)
	}
}

func TestRuns_UnreadablePolicyFailsClosed(t *testing.T) {
	rb := MustBuiltin(t, "restart-ec2-instance")
	e := RequestedEvent("9", rb, Plan{}, "U01", t0)
	e.Data["policy"] = "{not json"
	runs := Runs([]incident.Event{e, ApprovedEvent("9", rb.Name, "U02", t0)})
	if got := runs["9"].Status; got != RunAwaitingApproval {
		t.Errorf("status %s, want awaiting_approval", got)
	}
}

func TestRun_Approve(t *testing.T) {
	rb := MustBuiltin(t, "restart-ec2-instance")
	p, err := rb.Plan(nil, alarmWith(incident.Dimension{Name: "InstanceId", Value: "i-0123456789abcdef0"}))
	if err != nil {
		t.Fatal(err)
	}
	events := []incident.Event{RequestedEvent("3", rb, p, "U01", t0)}
	r := Runs(events)["3"]
	if _, err := r.Approve("U02", nil, t0); !errors.Is(err, ErrNotApprover) {
		t.Errorf("non-commander: %v", err)
	}
	if _, err := r.Approve("U01", []string{"role:commander"}, t0); !errors.Is(err, ErrSelfApproval) {
		t.Errorf("requester: %v", err)
	}
	e, err := r.Approve("U02", []string{"role:commander"}, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	r = Runs(append(events, e))["3"]
	if r.Status != RunApproved {
		t.Fatalf("status %s", r.Status)
	}
	if _, err := r.Approve("U03", []string{"role:commander"}, t0); !errors.Is(err, ErrNotAwaiting) {
		t.Errorf("approval after approval: %v", err)
	}
}
