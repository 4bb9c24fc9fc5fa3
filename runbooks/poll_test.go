package runbooks

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
)

func got(status types.CommandInvocationStatus, stdout string, code int32) invocation {
	return invocation{out: &ssm.GetCommandInvocationOutput{Status: status, StatusDetails: optional(string(status)),
		StandardOutputContent: optional(stdout), ResponseCode: code}}
}

func TestExecutor_Poll_Instances(t *testing.T) {
	const a, b = "i-0123456789abcdef0", "i-0fedcba9876543210"
	f := newFakeSSM()
	f.invocations[a] = []invocation{
		{err: &types.InvocationDoesNotExist{}}, // right after SendCommand
		got(types.CommandInvocationStatusInProgress, "", -1),
		got(types.CommandInvocationStatusSuccess, " 10:00:00 up 3 days\n", 0),
	}
	f.invocations[b] = []invocation{
		got(types.CommandInvocationStatusPending, "", -1),
		got(types.CommandInvocationStatusPending, "", -1),
		got(types.CommandInvocationStatusFailed, "", 1),
	}
	e := newExecutor(f)
	s := Started{Kind: KindCommand, CommandID: "c-1", InstanceIDs: []string{a, b}}
	type step struct {
		Status            string
		Terminal, Success bool
		Targets           []string
	}
	var steps []step
	for range 3 {
		p, err := e.Poll(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		st := step{Status: p.Status, Terminal: p.Terminal, Success: p.Success}
		for _, tp := range p.Targets {
			st.Targets = append(st.Targets, tp.ID+"="+tp.Status)
		}
		steps = append(steps, st)
	}
	want := []step{
		{Status: "Pending", Targets: []string{a + "=Pending", b + "=Pending"}},
		{Status: "InProgress", Targets: []string{a + "=InProgress", b + "=Pending"}},
		{Status: "Failed", Terminal: true, Targets: []string{a + "=Success", b + "=Failed"}},
	}
	if diff := cmp.Diff(want, steps); diff != "" {
		t.Errorf("progression (-want +got):\n%s", diff)
	}
}

func TestExecutor_Poll_Truncated(t *testing.T) {
	const a = "i-0123456789abcdef0"
	f := newFakeSSM()
	f.invocations[a] = []invocation{got(types.CommandInvocationStatusSuccess, strings.Repeat("x", StdoutLimit), 0)}
	p, err := newExecutor(f).Poll(context.Background(), Started{Kind: KindCommand, CommandID: "c-1", InstanceIDs: []string{a}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Terminal || !p.Success || !p.Truncated || !p.Targets[0].Truncated {
		t.Errorf("progress %+v", p)
	}
	text := p.Text()
	if !strings.Contains(text, "SSM truncates output at 24,000 characters") {
		t.Errorf("text does not say the output was cut:\n%s", text[len(text)-300:])
	}
	if strings.Count(text, "x") > textOutputLimit+10 {
		t.Errorf("text shows %d characters of output", strings.Count(text, "x"))
	}

	f.invocations[a] = []invocation{got(types.CommandInvocationStatusSuccess, strings.Repeat("x", StdoutLimit-1), 0)}
	p, _ = newExecutor(f).Poll(context.Background(), Started{Kind: KindCommand, CommandID: "c-1", InstanceIDs: []string{a}})
	if p.Truncated || strings.Contains(p.Text(), "truncates") {
		t.Error("output under the limit marked truncated")
	}
}

func TestExecutor_Poll_Tagged(t *testing.T) {
	f := newFakeSSM()
	e := newExecutor(f)
	s, err := e.Start(context.Background(), "9", Plan{Runbook: "t", Kind: KindCommand, Document: "AWS-RunShellScript",
		Targets: []Target{{Key: "tag:Role", Values: []string{"api"}}}, Parameters: map[string][]string{"commands": {"uptime"}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Poll(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if p.Terminal || p.Status != "Pending" {
		t.Errorf("just sent: %+v", p)
	}
	f.commands[0].Status = types.CommandStatusSuccess
	inv := func(id string, out string) types.CommandInvocation {
		return types.CommandInvocation{InstanceId: optional(id), Status: types.CommandInvocationStatusSuccess,
			CommandPlugins: []types.CommandPlugin{{Name: optional("aws:runShellScript"), Output: optional(out)}}}
	}
	f.tagged = []*ssm.ListCommandInvocationsOutput{
		{CommandInvocations: []types.CommandInvocation{inv("i-1", "ok")}, NextToken: optional("2")},
		{CommandInvocations: []types.CommandInvocation{inv("i-2", strings.Repeat("y", PluginOutputLimit))}}}
	p, err = e.Poll(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Terminal || !p.Success || len(p.Targets) != 2 || !p.Truncated {
		t.Errorf("finished: %+v", p)
	}
	if !strings.Contains(p.Text(), "2,500 characters") {
		t.Errorf("text does not name the 2,500 limit")
	}
}

func TestExecutor_Poll_Automation(t *testing.T) {
	f := newFakeSSM()
	step := func(name string, st types.AutomationExecutionStatus) types.StepExecution {
		return types.StepExecution{StepName: optional(name), StepStatus: st}
	}
	f.states = []types.AutomationExecution{
		{AutomationExecutionStatus: types.AutomationExecutionStatusPending},
		{AutomationExecutionStatus: types.AutomationExecutionStatusInprogress,
			StepExecutions: []types.StepExecution{step("stopInstances", types.AutomationExecutionStatusInprogress)}},
		{AutomationExecutionStatus: types.AutomationExecutionStatusWaiting},
		{AutomationExecutionStatus: types.AutomationExecutionStatusFailed, FailureMessage: optional("Step fails when it is starting instances."),
			StepExecutions: []types.StepExecution{step("stopInstances", types.AutomationExecutionStatusSuccess), step("startInstances", types.AutomationExecutionStatusFailed)}},
	}
	e := newExecutor(f)
	var seen []string
	for range 4 {
		p, err := e.Poll(context.Background(), Started{Kind: KindAutomation, ExecutionID: "x-1"})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, p.Status+map[bool]string{true: " terminal", false: ""}[p.Terminal])
		if p.Terminal && !strings.Contains(p.Text(), "Step fails when it is starting instances.") {
			t.Errorf("failure message missing:\n%s", p.Text())
		}
	}
	want := []string{"Pending", "InProgress", "Waiting", "Failed terminal"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("progression (-want +got):\n%s", diff)
	}
}

func TestAutomationTerminal(t *testing.T) {
	for _, s := range types.AutomationExecutionStatus("").Values() {
		want := map[types.AutomationExecutionStatus]bool{"Success": true, "Failed": true, "TimedOut": true, "Cancelled": true,
			"CompletedWithSuccess": true, "CompletedWithFailure": true, "Exited": true, "Rejected": true,
			"ChangeCalendarOverrideRejected": true}[s]
		if automationTerminal(s) != want {
			t.Errorf("automationTerminal(%s) = %v", s, !want)
		}
	}
}
