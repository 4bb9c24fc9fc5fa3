package sim

import (
	"time"
)

// ssmExecutedBy is the principal every automation reports as its starter.
const ssmExecutedBy = "arn:aws:sts::123456789012:assumed-role/tocsin/tocsin"

func (s *SSM) automationState(a *ssmAutomation, now time.Time) ssmInvState {
	return s.progress(a.startedAt, a.stopAt, a.outcome, now)
}

type ssmWireStep struct {
	StepName, Action, StepStatus, StepExecutionId string
	ExecutionStartTime                            *float64 `json:",omitempty"`
	ExecutionEndTime                              *float64 `json:",omitempty"`
	Inputs                                        map[string]string
	Outputs                                       map[string][]string
	FailureMessage                                string `json:",omitempty"`
	OnFailure                                     string
	MaxAttempts                                   int
}

type ssmWireAutomation struct {
	AutomationExecutionId, DocumentName, DocumentVersion string
	AutomationExecutionStatus, Mode, ExecutedBy          string
	CurrentStepName, CurrentAction                       string `json:",omitempty"`
	FailureMessage                                       string `json:",omitempty"`
	ExecutionStartTime                                   float64
	ExecutionEndTime                                     *float64 `json:",omitempty"`
	Parameters, Outputs                                  map[string][]string
	StepExecutions                                       []ssmWireStep
	StepExecutionsTruncated                              bool
}

func ssmEpochPtr(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	v := ssmEpoch(t)
	return &v
}

func (s *SSM) wireAutomation(a *ssmAutomation, now time.Time) ssmWireAutomation {
	st := s.automationState(a, now)
	w := ssmWireAutomation{AutomationExecutionId: a.id, DocumentName: a.document, DocumentVersion: a.version,
		AutomationExecutionStatus: st.status, Mode: a.mode, ExecutedBy: ssmExecutedBy,
		ExecutionStartTime: ssmEpoch(a.startedAt), ExecutionEndTime: ssmEpochPtr(st.end),
		Parameters: a.params, Outputs: map[string][]string{}, StepExecutions: s.wireSteps(a, st, now)}
	if w.DocumentVersion == "" {
		w.DocumentVersion = "1"
	}
	if w.Parameters == nil {
		w.Parameters = map[string][]string{}
	}
	if n := len(w.StepExecutions); n > 0 {
		last := w.StepExecutions[n-1]
		w.CurrentStepName, w.CurrentAction = last.StepName, last.Action
		w.FailureMessage = last.FailureMessage
		if st.status == "Success" && a.outcome.Stdout != "" {
			w.Outputs[last.StepName+".Output"] = []string{a.outcome.Stdout}
		}
	}
	return w
}

// wireSteps lists the steps started so far. RunFor is split evenly between
// the steps; the last step carries the outcome, and a stuck automation
// never leaves its first step.
func (s *SSM) wireSteps(a *ssmAutomation, st ssmInvState, now time.Time) []ssmWireStep {
	steps := []ssmWireStep{}
	if st.start.IsZero() {
		return steps
	}
	slot := s.runFor / time.Duration(len(a.steps))
	at := now
	if !a.stopAt.IsZero() && a.stopAt.Before(at) {
		at = a.stopAt
	}
	for i, step := range a.steps {
		begin := st.start.Add(time.Duration(i) * slot)
		end := begin.Add(slot)
		if at.Before(begin) || (a.outcome.Stuck && i > 0) {
			break
		}
		w := ssmWireStep{StepName: step.Name, Action: step.Action, StepStatus: "Success",
			StepExecutionId: ssmUUID(a.id + "/" + step.Name), ExecutionStartTime: ssmEpochPtr(begin),
			Inputs: map[string]string{}, Outputs: map[string][]string{}, OnFailure: "Abort", MaxAttempts: 1}
		switch {
		case st.terminal() && st.status != "Cancelled" && i == len(a.steps)-1:
			w.StepStatus, end = st.status, st.end
			if st.status == "Failed" {
				w.FailureMessage = "Step " + step.Name + " failed: " + a.outcome.Stderr
			}
		case (a.outcome.Stuck || at.Before(end)) && st.status == "Cancelled":
			w.StepStatus, end = "Cancelled", st.end
		case a.outcome.Stuck || at.Before(end):
			w.StepStatus, end = "InProgress", time.Time{}
		}
		w.ExecutionEndTime = ssmEpochPtr(end)
		steps = append(steps, w)
	}
	return steps
}
