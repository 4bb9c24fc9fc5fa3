package runbooks

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Step is the step of an EventRunbook event (its Data "step").
type Step string

// The steps, in the order a run usually meets them.
const (
	StepRequested Step = "requested"
	StepApproved  Step = "approved"
	StepDenied    Step = "denied"
	StepExpired   Step = "expired"
	StepStarted   Step = "started"
	StepProgress  Step = "progress"
	StepFinished  Step = "finished"
	StepCancelled Step = "cancelled"
	StepRefused   Step = "refused"
)

// Data keys of EventRunbook events. Every event has run, runbook and step.
//
//	requested: by (requester), plan (Plan JSON), policy (Policy JSON), expires_at (RFC 3339)
//	approved:  by                      denied: by, reason
//	started:   command_id or execution_id, reused ("true" if an earlier attempt had started it)
//	progress:  status, detail, truncated
//	finished:  status, result (succeeded|failed), detail, truncated
//	cancelled: by                      refused: reason
const (
	keyRun         = "run"
	keyRunbook     = "runbook"
	keyStep        = "step"
	keyBy          = "by"
	keyPlan        = "plan"
	keyPolicy      = "policy"
	keyExpiresAt   = "expires_at"
	keyReason      = "reason"
	keyCommandID   = "command_id"
	keyExecutionID = "execution_id"
	keyReused      = "reused"
	keyStatus      = "status"
	keyDetail      = "detail"
	keyResult      = "result"
	keyTruncated   = "truncated"

	resultSucceeded = "succeeded"
	resultFailed    = "failed"
	// systemActor is the Actor of events tocsin itself causes.
	systemActor = "tocsin"
)

func event(run, runbook string, step Step, actor, text string, now time.Time, kv ...string) incident.Event {
	data := map[string]string{keyRun: run, keyRunbook: runbook, keyStep: string(step)}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			data[kv[i]] = kv[i+1]
		}
	}
	return incident.Event{Type: incident.EventRunbook, At: now, Actor: actor, Text: text, Data: data}
}

// RequestedEvent records that requester asked to run rb with plan p. It
// stores the plan and the policy, so the run is approved and executed as
// requested even if the definition changes meanwhile. A pre-approved
// runbook is approved by this event alone.
func RequestedEvent(runID string, rb *Runbook, p Plan, requester string, now time.Time) incident.Event {
	plan, _ := json.Marshal(p) // a Plan holds only strings, maps and slices
	policy, _ := json.Marshal(rb.Approval)
	expires := ""
	if !rb.Approval.PreApproved && rb.Approval.Expires > 0 {
		expires = now.Add(rb.Approval.Expires).UTC().Format(time.RFC3339Nano)
	}
	text := fmt.Sprintf("%s asked to run %s (approval: %s)", requester, rb.Name, rb.Approval)
	return event(runID, rb.Name, StepRequested, requester, text, now,
		keyBy, requester, keyPlan, string(plan), keyPolicy, string(policy), keyExpiresAt, expires)
}

// ApprovedEvent records one approval; check it with Policy.Check first.
func ApprovedEvent(runID, runbook, approver string, now time.Time) incident.Event {
	return event(runID, runbook, StepApproved, approver, approver+" approved running "+runbook, now, keyBy, approver)
}

// DeniedEvent records that by denied the run.
func DeniedEvent(runID, runbook, by, reason string, now time.Time) incident.Event {
	text := by + " denied running " + runbook
	if reason != "" {
		text += ": " + reason
	}
	return event(runID, runbook, StepDenied, by, text, now, keyBy, by, keyReason, reason)
}

// ExpiredEvent records that the request timed out waiting for approval.
func ExpiredEvent(runID, runbook string, now time.Time) incident.Event {
	return event(runID, runbook, StepExpired, systemActor, "the request to run "+runbook+" expired without enough approvals", now)
}

// StartedEvent records what SSM started.
func StartedEvent(runID, runbook string, s Started, now time.Time) incident.Event {
	id := s.CommandID + s.ExecutionID
	reused := ""
	if s.Reused {
		reused = "true"
	}
	return event(runID, runbook, StepStarted, systemActor, "started "+runbook+" in Systems Manager ("+id+")", now,
		keyCommandID, s.CommandID, keyExecutionID, s.ExecutionID, keyReused, reused)
}

// progressEvent records an intermediate poll result worth keeping.
func progressEvent(runID, runbook string, p Progress, now time.Time) incident.Event {
	return event(runID, runbook, StepProgress, systemActor, runbook+": "+p.Summary(), now,
		keyStatus, p.Status, keyDetail, p.Summary(), keyTruncated, boolString(p.Truncated))
}

// FinishedEvent records a terminal poll result.
func FinishedEvent(runID, runbook string, p Progress, now time.Time) incident.Event {
	result := resultFailed
	if p.Success {
		result = resultSucceeded
	}
	detail := p.Summary()
	if p.Detail != "" {
		detail += "; " + strings.TrimSpace(p.Detail)
	}
	return event(runID, runbook, StepFinished, systemActor, runbook+" "+result+": "+p.Summary(), now,
		keyStatus, p.Status, keyResult, result, keyDetail, detail, keyTruncated, boolString(p.Truncated))
}

// CancelledEvent records that by cancelled the run.
func CancelledEvent(runID, runbook, by string, now time.Time) incident.Event {
	return event(runID, runbook, StepCancelled, by, by+" cancelled "+runbook, now, keyBy, by)
}

// RefusedEvent records that the run could not start or continue; reason is
// a sentence for people, such as Explain's.
func RefusedEvent(runID, runbook, reason string, now time.Time) incident.Event {
	return event(runID, runbook, StepRefused, systemActor, runbook+" was refused: "+reason, now, keyReason, reason)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return ""
}
