package runbooks

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// fakeSSM is an in-memory SSM for the executor tests. Commands it is sent
// are listed by ListCommands (pageSize per page); invocations and
// automation states are scripted per test and consumed one per call.
type fakeSSM struct {
	mu       sync.Mutex
	pageSize int
	commands []types.Command
	sent     []*ssm.SendCommandInput
	lists    []*ssm.ListCommandsInput
	// invocations: instance id -> results, one per GetCommandInvocation
	// call; the last one repeats.
	invocations map[string][]invocation
	// tagged: pages returned by ListCommandInvocations, in order.
	tagged      []*ssm.ListCommandInvocationsOutput
	taggedCalls int
	// automations: ClientToken -> execution id.
	automations map[string]string
	starts      []*ssm.StartAutomationExecutionInput
	states      []types.AutomationExecution
	cancelled   []*ssm.CancelCommandInput
	stopped     []*ssm.StopAutomationExecutionInput
	errs        map[string]error // operation -> error to return
}

type invocation struct {
	out *ssm.GetCommandInvocationOutput
	err error
}

func newFakeSSM() *fakeSSM {
	return &fakeSSM{pageSize: 50, invocations: map[string][]invocation{}, automations: map[string]string{}, errs: map[string]error{}}
}

var _ SSM = (*fakeSSM)(nil)
var _ SSM = (*ssm.Client)(nil)

func (f *fakeSSM) SendCommand(_ context.Context, in *ssm.SendCommandInput, _ ...func(*ssm.Options)) (*ssm.SendCommandOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.errs["SendCommand"]; err != nil {
		return nil, err
	}
	f.sent = append(f.sent, in)
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", len(f.commands)+1)
	c := types.Command{CommandId: &id, Comment: in.Comment, DocumentName: in.DocumentName, Status: types.CommandStatusPending}
	f.commands = append(f.commands, c)
	return &ssm.SendCommandOutput{Command: &c}, nil
}

func (f *fakeSSM) ListCommands(_ context.Context, in *ssm.ListCommandsInput, _ ...func(*ssm.Options)) (*ssm.ListCommandsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.errs["ListCommands"]; err != nil {
		return nil, err
	}
	f.lists = append(f.lists, in)
	if in.CommandId != nil {
		for _, c := range f.commands {
			if *c.CommandId == *in.CommandId {
				return &ssm.ListCommandsOutput{Commands: []types.Command{c}}, nil
			}
		}
		return &ssm.ListCommandsOutput{}, nil
	}
	start := 0
	if in.NextToken != nil {
		fmt.Sscan(*in.NextToken, &start)
	}
	end := min(start+f.pageSize, len(f.commands))
	out := &ssm.ListCommandsOutput{Commands: f.commands[start:end]}
	if end < len(f.commands) {
		out.NextToken = optional(fmt.Sprint(end))
	}
	return out, nil
}

func (f *fakeSSM) CancelCommand(_ context.Context, in *ssm.CancelCommandInput, _ ...func(*ssm.Options)) (*ssm.CancelCommandOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelled = append(f.cancelled, in)
	return &ssm.CancelCommandOutput{}, f.errs["CancelCommand"]
}

func (f *fakeSSM) GetCommandInvocation(_ context.Context, in *ssm.GetCommandInvocationInput, _ ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := f.invocations[*in.InstanceId]
	if len(seq) == 0 {
		return nil, &types.InvocationDoesNotExist{Message: optional("no invocation")}
	}
	r := seq[0]
	if len(seq) > 1 {
		f.invocations[*in.InstanceId] = seq[1:]
	}
	return r.out, r.err
}

func (f *fakeSSM) ListCommandInvocations(_ context.Context, in *ssm.ListCommandInvocationsInput, _ ...func(*ssm.Options)) (*ssm.ListCommandInvocationsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !in.Details {
		return nil, fmt.Errorf("test expects Details=true")
	}
	if f.taggedCalls >= len(f.tagged) {
		return &ssm.ListCommandInvocationsOutput{}, nil
	}
	out := f.tagged[f.taggedCalls]
	f.taggedCalls++
	return out, nil
}

func (f *fakeSSM) StartAutomationExecution(_ context.Context, in *ssm.StartAutomationExecutionInput, _ ...func(*ssm.Options)) (*ssm.StartAutomationExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.errs["StartAutomationExecution"]; err != nil {
		return nil, err
	}
	f.starts = append(f.starts, in)
	token := strings.ToLower(deref(in.ClientToken))
	id, ok := f.automations[token]
	if !ok || token == "" {
		id = fmt.Sprintf("exec-%d", len(f.automations)+1)
		f.automations[token] = id
	}
	return &ssm.StartAutomationExecutionOutput{AutomationExecutionId: &id}, nil
}

func (f *fakeSSM) GetAutomationExecution(_ context.Context, in *ssm.GetAutomationExecutionInput, _ ...func(*ssm.Options)) (*ssm.GetAutomationExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.states) == 0 {
		return nil, &types.AutomationExecutionNotFoundException{}
	}
	st := f.states[0]
	if len(f.states) > 1 {
		f.states = f.states[1:]
	}
	st.AutomationExecutionId = in.AutomationExecutionId
	return &ssm.GetAutomationExecutionOutput{AutomationExecution: &st}, nil
}

func (f *fakeSSM) StopAutomationExecution(_ context.Context, in *ssm.StopAutomationExecutionInput, _ ...func(*ssm.Options)) (*ssm.StopAutomationExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = append(f.stopped, in)
	return &ssm.StopAutomationExecutionOutput{}, nil
}
