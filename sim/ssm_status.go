package sim

import (
	"slices"
	"time"
)

// ssmInvState is an invocation's status at one instant, derived from the
// clock: Pending for pendingFor, InProgress for runFor, then the outcome.
type ssmInvState struct {
	status, details string
	start, end      time.Time // zero until started / finished
}

func (st ssmInvState) terminal() bool {
	switch st.status {
	case "Success", "Failed", "TimedOut", "Cancelled":
		return true
	}
	return false
}

func (s *SSM) invocationState(c *ssmCommand, inv *ssmInvocation, now time.Time) ssmInvState {
	return s.progress(c.sentAt, inv.cancelAt, inv.outcome, now)
}

// progress computes the state of work sent at sentAt that was cancelled
// at cancelAt (zero if never) and ends with outcome o.
func (s *SSM) progress(sentAt, cancelAt time.Time, o SSMOutcome, now time.Time) ssmInvState {
	start := sentAt.Add(s.pendingFor)
	end := start.Add(s.runFor)
	if !cancelAt.IsZero() && !now.Before(cancelAt) {
		st := ssmInvState{status: "Cancelling", details: "Cancelling"}
		if !cancelAt.Before(start) {
			st.start = start
		}
		if done := cancelAt.Add(s.pendingFor); !now.Before(done) {
			st.status, st.details, st.end = "Cancelled", "Cancelled", done
		}
		return st
	}
	switch {
	case now.Before(start):
		return ssmInvState{status: "Pending", details: "Pending"}
	case o.Stuck || now.Before(end):
		return ssmInvState{status: "InProgress", details: "In Progress", start: start}
	}
	st := ssmInvState{status: o.Status, details: o.Status, start: start, end: end}
	if st.status == "TimedOut" {
		st.details = "Execution Timed Out"
	}
	return st
}

// responseCode is -1 until the invocation finished, as in SSM.
func (st ssmInvState) responseCode(o SSMOutcome) int {
	if !st.terminal() || st.status == "Cancelled" {
		return -1
	}
	return o.ResponseCode
}

type ssmCommandState struct {
	status, details   string
	completed, errors int
}

// commandState aggregates the invocations' states into the command's.
func (s *SSM) commandState(c *ssmCommand, now time.Time) ssmCommandState {
	var statuses []string
	cs := ssmCommandState{}
	for _, inv := range c.invocations {
		st := s.invocationState(c, inv, now)
		statuses = append(statuses, st.status)
		if st.terminal() {
			cs.completed++
		}
		if st.status == "Failed" || st.status == "TimedOut" {
			cs.errors++
		}
	}
	has := func(status string) bool { return slices.Contains(statuses, status) }
	all := func(status string) bool {
		return !slices.ContainsFunc(statuses, func(v string) bool { return v != status })
	}
	switch {
	case cs.completed < len(statuses) && all("Pending"):
		cs.status, cs.details = "Pending", "Pending"
	case cs.completed < len(statuses) && has("Cancelling") && !has("InProgress"):
		cs.status, cs.details = "Cancelling", "Cancelling"
	case cs.completed < len(statuses):
		cs.status, cs.details = "InProgress", "In Progress"
	case all("Success"):
		cs.status, cs.details = "Success", "Success"
	case has("Cancelled"):
		cs.status, cs.details = "Cancelled", "Cancelled"
	case has("TimedOut") && !has("Failed"):
		cs.status, cs.details = "TimedOut", "Execution Timed Out"
	default:
		cs.status, cs.details = "Failed", "Failed"
	}
	return cs
}

type ssmWireCommand struct {
	CommandId, DocumentName, DocumentVersion, Comment string
	RequestedDateTime, ExpiresAfter                   float64
	InstanceIds                                       []string
	Targets                                           []ssmTarget
	Parameters                                        map[string][]string
	Status, StatusDetails                             string
	TargetCount, CompletedCount, ErrorCount           int
	DeliveryTimedOutCount                             int
	MaxConcurrency, MaxErrors                         string
	TimeoutSeconds                                    int32
	OutputS3BucketName                                string `json:",omitempty"`
	OutputS3KeyPrefix                                 string `json:",omitempty"`
}

// wireCommand renders c as SSM's Command structure.
func (s *SSM) wireCommand(c *ssmCommand, now time.Time) ssmWireCommand {
	st := s.commandState(c, now)
	w := ssmWireCommand{CommandId: c.id, DocumentName: c.document, DocumentVersion: c.version, Comment: c.comment,
		RequestedDateTime: ssmEpoch(c.sentAt), ExpiresAfter: ssmEpoch(c.sentAt.Add(time.Duration(c.timeout) * time.Second)),
		InstanceIds: c.instanceIDs, Targets: c.targets, Parameters: c.params,
		Status: st.status, StatusDetails: st.details, TargetCount: len(c.invocations),
		CompletedCount: st.completed, ErrorCount: st.errors, MaxConcurrency: c.maxConcurrency, MaxErrors: c.maxErrors,
		TimeoutSeconds: c.timeout, OutputS3BucketName: c.bucket, OutputS3KeyPrefix: c.prefix}
	if w.DocumentVersion == "" {
		w.DocumentVersion = "$DEFAULT"
	}
	if w.InstanceIds == nil {
		w.InstanceIds = []string{}
	}
	if w.Targets == nil {
		w.Targets = []ssmTarget{}
	}
	if w.Parameters == nil {
		w.Parameters = map[string][]string{}
	}
	if w.MaxConcurrency == "" {
		w.MaxConcurrency = "50"
	}
	if w.MaxErrors == "" {
		w.MaxErrors = "0"
	}
	return w
}
