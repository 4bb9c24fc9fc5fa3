package runbooks

import (
	"errors"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func TestPolicy_Check(t *testing.T) {
	twoOfThree := Policy{Approvers: []string{"U01", "U02", "S02"}, Required: 2, Expires: 15 * time.Minute}
	req := Request{Requester: "U01", ExpiresAt: t0.Add(15 * time.Minute)}
	tests := []struct {
		name     string
		policy   Policy
		req      Request
		approver string
		groups   []string
		now      time.Time
		want     error
	}{
		{"NamedUser", twoOfThree, req, "U02", nil, t0, nil},
		{"SelfApprovalOff", twoOfThree, req, "U01", nil, t0, ErrSelfApproval},
		{"SelfApprovalOn", withSelf(twoOfThree), req, "U01", nil, t0, nil},
		{"NonApprover", twoOfThree, req, "U09", nil, t0, ErrNotApprover},
		{"NonApproverInOtherGroup", twoOfThree, req, "U09", []string{"S99"}, t0, ErrNotApprover},
		{"GroupMember", twoOfThree, req, "U09", []string{"S99", "S02"}, t0, nil},
		{"RoleHolder", Policy{Approvers: []string{"role:commander"}, Required: 1}, req, "U07", []string{"role:commander"}, t0, nil},
		{"Expired", twoOfThree, req, "U02", nil, t0.Add(15 * time.Minute), ErrExpired},
		{"JustBeforeExpiry", twoOfThree, req, "U02", nil, t0.Add(15*time.Minute - time.Nanosecond), nil},
		{"Duplicate", twoOfThree, Request{Requester: "U01", ExpiresAt: req.ExpiresAt, Approvals: []string{"U02"}}, "U02", nil, t0, ErrAlreadyApproved},
		{"NobodyNamed", Policy{Required: 1}, req, "U02", []string{"S02"}, t0, ErrNoApprovers},
		{"PreApproved", Policy{PreApproved: true}, req, "U02", nil, t0, ErrPreApproved},
		{"EmptyApprover", twoOfThree, req, "", []string{"S02"}, t0, ErrNotApprover},
		{"EmptyGroupNeverMatches", Policy{Approvers: []string{"U05"}, Required: 1}, req, "U09", []string{""}, t0, ErrNotApprover},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(tt.req, tt.approver, tt.groups, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Check = %v, want %v", err, tt.want)
			}
		})
	}
}

func withSelf(p Policy) Policy { p.AllowSelf = true; return p }

func TestPolicy_Satisfied(t *testing.T) {
	p := Policy{Approvers: []string{"U01", "U02", "U03"}, Required: 2}
	tests := []struct {
		name      string
		policy    Policy
		approvals []string
		want      bool
	}{
		{"None", p, nil, false},
		{"OneOfTwo", p, []string{"U02"}, false},
		{"DuplicateCountsOnce", p, []string{"U02", "U02"}, false},
		{"TwoOfThree", p, []string{"U02", "U03"}, true},
		{"PreApproved", Policy{PreApproved: true}, nil, true},
		{"NobodyNamedNeverSatisfied", Policy{Required: 1}, []string{"U01"}, false},
		{"ZeroRequiredMeansOne", Policy{Approvers: []string{"U01"}}, []string{"U01"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Satisfied(tt.approvals); got != tt.want {
				t.Errorf("Satisfied(%v) = %v", tt.approvals, got)
			}
		})
	}
}

func TestApproverGroups(t *testing.T) {
	inc := &incident.Incident{Roles: map[incident.Role]string{incident.RoleCommander: "U07", incident.RoleScribe: "U07", incident.RoleComms: "U08"}}
	got := ApproverGroups(inc, "U07", []string{"S02"})
	want := []string{"S02", "role:commander", "role:scribe"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}
