package runbooks

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Why an approval is refused. Callers branch on these with errors.Is; the
// messages are sentences a responder can read.
var (
	// ErrSelfApproval: the requester may not approve their own run.
	ErrSelfApproval = errors.New("you requested this run, and this runbook does not allow approving your own request")
	// ErrNotApprover: the person is neither a named approver nor in a named group or role.
	ErrNotApprover = errors.New("you are not one of this runbook's approvers")
	// ErrExpired: the request is past its expiry.
	ErrExpired = errors.New("this request has expired; ask again")
	// ErrAlreadyApproved: the person has approved this run already.
	ErrAlreadyApproved = errors.New("you have already approved this run")
	// ErrNoApprovers: the policy names nobody, so nobody may approve.
	ErrNoApprovers = errors.New("this runbook names no approvers, so nobody can approve it")
	// ErrNotAwaiting: the run is not waiting for approval (any more).
	ErrNotAwaiting = errors.New("this run is not waiting for approval")
	// ErrPreApproved: the runbook needs no approval.
	ErrPreApproved = errors.New("this runbook is pre-approved and needs no approval")
)

// Policy says who may approve a run and how many must.
//
// Approvers are Slack user ids (U…, W…), Slack user group ids (S…) and
// incident roles written role:commander, role:comms or role:scribe. A
// person qualifies if their id is listed or if one of the groups the caller
// says they are in is listed; ApproverGroups computes those groups.
type Policy struct {
	// PreApproved is `approval: none`: the run needs no approval.
	PreApproved bool     `json:"pre_approved,omitempty"`
	Approvers   []string `json:"approvers,omitempty"`
	// Required is how many different people must approve (at least 1).
	Required int `json:"required,omitempty"`
	// AllowSelf lets the requester approve their own run.
	AllowSelf bool `json:"allow_self,omitempty"`
	// Expires is how long a request waits for approval.
	Expires time.Duration `json:"expires,omitempty"`
}

// Request is the state of a run request that an approval is checked against.
type Request struct {
	Requester string
	ExpiresAt time.Time
	// Approvals are the people who have approved so far.
	Approvals []string
}

// Check decides whether approver may approve req now. approverGroups are
// the Slack user groups and role:… names the approver belongs to. A nil
// error means the approval counts; the caller then appends ApprovedEvent.
func (p Policy) Check(req Request, approver string, approverGroups []string, now time.Time) error {
	switch {
	case p.PreApproved:
		return ErrPreApproved
	case len(p.Approvers) == 0:
		return ErrNoApprovers
	case !req.ExpiresAt.IsZero() && !now.Before(req.ExpiresAt):
		return ErrExpired
	case approver == "":
		return ErrNotApprover
	case approver == req.Requester && !p.AllowSelf:
		return ErrSelfApproval
	case slices.Contains(req.Approvals, approver):
		return ErrAlreadyApproved
	case !p.names(approver, approverGroups):
		return ErrNotApprover
	}
	return nil
}

func (p Policy) names(approver string, groups []string) bool {
	if slices.Contains(p.Approvers, approver) {
		return true
	}
	for _, g := range groups {
		if g != "" && slices.Contains(p.Approvers, g) {
			return true
		}
	}
	return false
}

// Satisfied reports whether approvals (counting each person once) meet the
// policy. A pre-approved policy is always satisfied; one naming nobody never.
func (p Policy) Satisfied(approvals []string) bool {
	if p.PreApproved {
		return true
	}
	if len(p.Approvers) == 0 {
		return false
	}
	return len(distinct(approvals)) >= max(p.Required, 1)
}

// String describes the policy for people: "1 of role:commander, S02".
func (p Policy) String() string {
	if p.PreApproved {
		return "pre-approved"
	}
	if len(p.Approvers) == 0 {
		return "nobody may approve"
	}
	s := fmt.Sprintf("%d of %s", max(p.Required, 1), strings.Join(p.Approvers, ", "))
	if p.AllowSelf {
		s += " (the requester may approve)"
	}
	return s
}

// ApproverGroups returns the groups user belongs to for Policy.Check: the
// Slack user groups the caller looked up, plus role:<role> for every
// incident role the user holds in inc.
func ApproverGroups(inc *incident.Incident, user string, slackGroups []string) []string {
	out := slices.Clone(slackGroups)
	if inc == nil || user == "" {
		return out
	}
	for _, r := range inc.SortedRoles() {
		if inc.Roles[r] == user {
			out = append(out, "role:"+string(r))
		}
	}
	return out
}

func distinct(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
