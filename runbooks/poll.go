package runbooks

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Output limits of the SSM API.
const (
	// StdoutLimit: GetCommandInvocation returns the first 24,000 characters.
	StdoutLimit = 24000
	// PluginOutputLimit: ListCommandInvocations returns 2,500 per plugin.
	PluginOutputLimit = 2500
)

// TargetProgress is the state of one instance of a command, or one step
// of an automation.
type TargetProgress struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Detail       string `json:"detail,omitempty"`
	ResponseCode int32  `json:"response_code,omitempty"`
	Stdout       string `json:"stdout,omitempty"`
	Stderr       string `json:"stderr,omitempty"`
	Terminal     bool   `json:"terminal"`
	// Truncated: Stdout reached SSM's limit, so there may be more.
	Truncated bool `json:"truncated,omitempty"`
}

// Progress is what Poll saw.
type Progress struct {
	// Status is SSM's overall status (Pending, InProgress, Success, Failed,
	// TimedOut, Cancelled, ... for automations the execution status).
	Status   string           `json:"status"`
	Terminal bool             `json:"terminal"`
	Success  bool             `json:"success"`
	Targets  []TargetProgress `json:"targets,omitempty"`
	// Truncated: some target's output reached Limit characters.
	Truncated bool `json:"truncated,omitempty"`
	// Limit is the output limit that applied (StdoutLimit or PluginOutputLimit).
	Limit  int    `json:"limit,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Poll reads the state of what s started. A command started on instance
// ids is read per instance with GetCommandInvocation (which returns up to
// 24,000 characters of output; InvocationDoesNotExist right after sending
// means pending); one started on tags with ListCommands and
// ListCommandInvocations; an automation with GetAutomationExecution.
// Call it again after NextPoll(attempt) until Progress.Terminal.
func (e *Executor) Poll(ctx context.Context, s Started) (Progress, error) {
	switch {
	case s.ExecutionID != "":
		return e.pollAutomation(ctx, s.ExecutionID)
	case s.CommandID != "" && len(s.InstanceIDs) > 0:
		return e.pollInstances(ctx, s)
	case s.CommandID != "":
		return e.pollTagged(ctx, s.CommandID)
	}
	return Progress{}, errors.New("poll: nothing was started")
}

func (e *Executor) pollInstances(ctx context.Context, s Started) (Progress, error) {
	p := Progress{Limit: StdoutLimit}
	for _, id := range s.InstanceIDs {
		out, err := e.SSM.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: &s.CommandID, InstanceId: &id})
		var notYet *types.InvocationDoesNotExist
		if errors.As(err, &notYet) {
			p.Targets = append(p.Targets, TargetProgress{ID: id, Status: string(types.CommandInvocationStatusPending)})
			continue
		}
		if err != nil {
			return Progress{}, fmt.Errorf("read command %s on %s: %w", s.CommandID, id, err)
		}
		t := TargetProgress{
			ID: id, Status: string(out.Status), Detail: deref(out.StatusDetails), ResponseCode: out.ResponseCode,
			Stdout: deref(out.StandardOutputContent), Stderr: deref(out.StandardErrorContent),
			Terminal: invocationTerminal(out.Status),
		}
		t.Truncated = len([]rune(t.Stdout)) >= StdoutLimit
		p.Targets = append(p.Targets, t)
	}
	p.sum("")
	return p, nil
}

func (e *Executor) pollTagged(ctx context.Context, commandID string) (Progress, error) {
	p := Progress{Limit: PluginOutputLimit}
	cmds, err := e.SSM.ListCommands(ctx, &ssm.ListCommandsInput{CommandId: &commandID})
	if err != nil {
		return Progress{}, fmt.Errorf("read command %s: %w", commandID, err)
	}
	overall := types.CommandStatusPending
	if len(cmds.Commands) > 0 {
		overall = cmds.Commands[0].Status
	}
	in := &ssm.ListCommandInvocationsInput{CommandId: &commandID, Details: true}
	for range findPages {
		out, err := e.SSM.ListCommandInvocations(ctx, in)
		if err != nil {
			return Progress{}, fmt.Errorf("read invocations of command %s: %w", commandID, err)
		}
		for _, inv := range out.CommandInvocations {
			p.Targets = append(p.Targets, fromInvocation(inv))
		}
		if deref(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	p.sum(string(overall))
	return p, nil
}

func fromInvocation(inv types.CommandInvocation) TargetProgress {
	t := TargetProgress{ID: deref(inv.InstanceId), Status: string(inv.Status), Detail: deref(inv.StatusDetails),
		Terminal: invocationTerminal(inv.Status)}
	for _, pl := range inv.CommandPlugins {
		out := deref(pl.Output)
		t.Stdout += out
		t.ResponseCode = pl.ResponseCode
		t.Truncated = t.Truncated || len([]rune(out)) >= PluginOutputLimit
	}
	return t
}

// sum fills the overall fields from the targets. overall is SSM's own
// command status when known ("" when every target was read separately).
func (p *Progress) sum(overall string) {
	p.Terminal, p.Success = len(p.Targets) > 0, len(p.Targets) > 0
	for _, t := range p.Targets {
		p.Terminal = p.Terminal && t.Terminal
		p.Success = p.Success && t.Status == string(types.CommandInvocationStatusSuccess)
		p.Truncated = p.Truncated || t.Truncated
	}
	if overall != "" {
		p.Status = overall
		p.Terminal = commandTerminal(types.CommandStatus(overall))
		p.Success = overall == string(types.CommandStatusSuccess)
		return
	}
	p.Status = worst(p.Targets, p.Terminal)
}

// worst names the overall status of per-instance results.
func worst(ts []TargetProgress, terminal bool) string {
	if !terminal {
		for _, t := range ts {
			if t.Status != string(types.CommandInvocationStatusPending) {
				return string(types.CommandStatusInProgress)
			}
		}
		return string(types.CommandStatusPending)
	}
	for _, s := range []types.CommandInvocationStatus{types.CommandInvocationStatusFailed,
		types.CommandInvocationStatusTimedOut, types.CommandInvocationStatusCancelled} {
		if slices.ContainsFunc(ts, func(t TargetProgress) bool { return t.Status == string(s) }) {
			return string(s)
		}
	}
	return string(types.CommandStatusSuccess)
}

func (e *Executor) pollAutomation(ctx context.Context, id string) (Progress, error) {
	out, err := e.SSM.GetAutomationExecution(ctx, &ssm.GetAutomationExecutionInput{AutomationExecutionId: &id})
	if err != nil {
		return Progress{}, fmt.Errorf("read automation %s: %w", id, err)
	}
	ax := out.AutomationExecution
	if ax == nil {
		return Progress{Status: string(types.AutomationExecutionStatusPending)}, nil
	}
	st := ax.AutomationExecutionStatus
	p := Progress{Status: string(st), Terminal: automationTerminal(st), Detail: deref(ax.FailureMessage),
		Success: st == types.AutomationExecutionStatusSuccess || st == types.AutomationExecutionStatusCompletedWithSuccess}
	for _, step := range ax.StepExecutions {
		p.Targets = append(p.Targets, TargetProgress{ID: deref(step.StepName), Status: string(step.StepStatus),
			Detail: deref(step.FailureMessage), Terminal: automationTerminal(step.StepStatus)})
	}
	return p, nil
}

func invocationTerminal(s types.CommandInvocationStatus) bool {
	switch s {
	case types.CommandInvocationStatusSuccess, types.CommandInvocationStatusCancelled,
		types.CommandInvocationStatusTimedOut, types.CommandInvocationStatusFailed:
		return true
	}
	return false
}

func commandTerminal(s types.CommandStatus) bool {
	switch s {
	case types.CommandStatusSuccess, types.CommandStatusCancelled, types.CommandStatusFailed, types.CommandStatusTimedOut:
		return true
	}
	return false
}

// automationTerminal is the practical terminal set (PROTOCOLS 5.3); Waiting
// (an aws:approve step) and everything else are still running.
func automationTerminal(s types.AutomationExecutionStatus) bool {
	switch s {
	case types.AutomationExecutionStatusSuccess, types.AutomationExecutionStatusFailed,
		types.AutomationExecutionStatusTimedout, types.AutomationExecutionStatusCancelled,
		types.AutomationExecutionStatusCompletedWithSuccess, types.AutomationExecutionStatusCompletedWithFailure,
		types.AutomationExecutionStatusExited, types.AutomationExecutionStatusRejected,
		types.AutomationExecutionStatusChangeCalendarOverrideRejected:
		return true
	}
	return false
}
