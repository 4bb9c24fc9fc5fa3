package runbooks

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// RunStatus is where a run is in its life.
type RunStatus string

// The run statuses. Denied, expired, succeeded, failed, cancelled and
// refused are final.
const (
	RunAwaitingApproval RunStatus = "awaiting_approval"
	RunApproved         RunStatus = "approved" // approved (or pre-approved), not yet started
	RunDenied           RunStatus = "denied"
	RunExpired          RunStatus = "expired"
	RunRunning          RunStatus = "running"
	RunSucceeded        RunStatus = "succeeded"
	RunFailed           RunStatus = "failed"
	RunCancelled        RunStatus = "cancelled"
	RunRefused          RunStatus = "refused" // SSM or tocsin refused to start it
)

// Final reports whether nothing more will happen to a run in status s.
func (s RunStatus) Final() bool {
	switch s {
	case RunDenied, RunExpired, RunSucceeded, RunFailed, RunCancelled, RunRefused:
		return true
	}
	return false
}

// Run is the state of one runbook run: the fold of its EventRunbook events.
type Run struct {
	ID        string
	Runbook   string
	Requester string
	Plan      Plan
	Policy    Policy
	// Approvals are the distinct people who approved, in order.
	Approvals []string
	Status    RunStatus
	// CommandID or ExecutionID: what SSM started.
	CommandID   string
	ExecutionID string
	RequestedAt time.Time
	ExpiresAt   time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	// DeniedBy, CancelledBy: who did it. Reason: why it was denied or refused.
	DeniedBy    string
	CancelledBy string
	Reason      string
	// CancelRequested: someone cancelled while it ran; SSM decides the end.
	CancelRequested bool
	// SSMStatus and Detail are the latest progress; Truncated says SSM cut
	// some output.
	SSMStatus string
	Detail    string
	Truncated bool
}

// Request returns what Policy.Check needs.
func (r *Run) Request() Request {
	return Request{Requester: r.Requester, ExpiresAt: r.ExpiresAt, Approvals: slices.Clone(r.Approvals)}
}

// Approve checks approver against the policy stored with the request and
// returns the event to append. It refuses a run that is not awaiting
// approval (ErrNotAwaiting) and everything Policy.Check refuses.
func (r *Run) Approve(approver string, approverGroups []string, now time.Time) (incident.Event, error) {
	if r.Status != RunAwaitingApproval {
		return incident.Event{}, ErrNotAwaiting
	}
	if err := r.Policy.Check(r.Request(), approver, approverGroups, now); err != nil {
		return incident.Event{}, err
	}
	return ApprovedEvent(r.ID, r.Runbook, approver, now), nil
}

// Started returns what Executor.Poll and Cancel need.
func (r *Run) Started() Started {
	s := Started{Kind: r.Plan.Kind, CommandID: r.CommandID, ExecutionID: r.ExecutionID}
	if r.Plan.Kind == KindCommand {
		s.InstanceIDs = slices.Clone(r.Plan.InstanceIDs)
	}
	return s
}

// Runs folds a timeline's runbook events into runs by run id. Other events
// are skipped. Steps that do not apply to a run's status (an approval after
// a denial, progress after the end) change nothing, so replaying a
// timeline is always safe.
func Runs(events []incident.Event) map[string]*Run {
	runs := map[string]*Run{}
	for _, e := range events {
		if e.Type != incident.EventRunbook || e.Datum(keyRun) == "" {
			continue
		}
		id := e.Datum(keyRun)
		r, ok := runs[id]
		if !ok {
			r = &Run{ID: id, Runbook: e.Datum(keyRunbook)}
			runs[id] = r
		}
		r.apply(e)
	}
	return runs
}

func (r *Run) apply(e incident.Event) {
	switch Step(e.Datum(keyStep)) {
	case StepRequested:
		r.applyRequested(e)
	case StepApproved:
		if r.Status == RunAwaitingApproval {
			if by := e.Datum(keyBy); by != "" && !slices.Contains(r.Approvals, by) {
				r.Approvals = append(r.Approvals, by)
			}
			if r.Policy.Satisfied(r.Approvals) {
				r.Status = RunApproved
			}
		}
	case StepDenied:
		if r.Status == RunAwaitingApproval {
			r.Status, r.DeniedBy, r.Reason = RunDenied, e.Datum(keyBy), e.Datum(keyReason)
		}
	case StepExpired:
		if r.Status == RunAwaitingApproval {
			r.Status = RunExpired
		}
	default:
		r.applyExecution(e)
	}
}

func (r *Run) applyRequested(e incident.Event) {
	if r.Status != "" { // a run is requested once
		return
	}
	r.Requester, r.RequestedAt = e.Datum(keyBy), e.At
	_ = json.Unmarshal([]byte(e.Datum(keyPlan)), &r.Plan)
	// An unreadable policy stays the zero Policy, which nobody can satisfy.
	_ = json.Unmarshal([]byte(e.Datum(keyPolicy)), &r.Policy)
	r.ExpiresAt, _ = time.Parse(time.RFC3339Nano, e.Datum(keyExpiresAt))
	r.Status = RunAwaitingApproval
	if r.Policy.PreApproved {
		r.Status = RunApproved
	}
}

func (r *Run) applyExecution(e incident.Event) {
	if r.Status.Final() {
		return
	}
	switch Step(e.Datum(keyStep)) {
	case StepStarted:
		if r.Status == RunApproved {
			r.Status, r.StartedAt = RunRunning, e.At
			r.CommandID, r.ExecutionID = e.Datum(keyCommandID), e.Datum(keyExecutionID)
		}
	case StepProgress:
		if r.Status == RunRunning {
			r.SSMStatus, r.Detail = e.Datum(keyStatus), e.Datum(keyDetail)
			r.Truncated = r.Truncated || e.Datum(keyTruncated) == "true"
		}
	case StepFinished:
		if r.Status == RunRunning {
			r.Status, r.FinishedAt = RunFailed, e.At
			if e.Datum(keyResult) == resultSucceeded {
				r.Status = RunSucceeded
			}
			r.SSMStatus, r.Detail = e.Datum(keyStatus), e.Datum(keyDetail)
			r.Truncated = r.Truncated || e.Datum(keyTruncated) == "true"
		}
	case StepCancelled:
		r.CancelledBy = e.Datum(keyBy)
		if r.Status == RunRunning {
			r.CancelRequested = true
		} else {
			r.Status, r.FinishedAt = RunCancelled, e.At
		}
	case StepRefused:
		r.Status, r.Reason, r.FinishedAt = RunRefused, e.Datum(keyReason), e.At
	}
}
