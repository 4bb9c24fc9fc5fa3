package runbooks

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/incident"
)

func diagnosticsPlan(t *testing.T) Plan {
	t.Helper()
	p, err := MustBuiltin(t, "run-diagnostics").Plan(nil, alarmWith(incident.Dimension{Name: "InstanceId", Value: "i-0123456789abcdef0"}))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newExecutor(f *fakeSSM) *Executor {
	return &Executor{SSM: f, Now: func() time.Time { return t0 }}
}

func TestExecutor_Start_Command(t *testing.T) {
	f := newFakeSSM()
	e := newExecutor(f)
	p := diagnosticsPlan(t)
	s, err := e.Start(context.Background(), "42", p)
	if err != nil {
		t.Fatal(err)
	}
	want := Started{Kind: KindCommand, CommandID: "00000000-0000-4000-8000-000000000001", InstanceIDs: []string{"i-0123456789abcdef0"}}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("Started (-want +got):\n%s", diff)
	}
	wantIn := &ssm.SendCommandInput{
		DocumentName: optional("AWS-RunShellScript"), InstanceIds: []string{"i-0123456789abcdef0"},
		Parameters: p.Parameters, Comment: optional("tocsin:42 run-diagnostics"), TimeoutSeconds: optionalInt(120),
	}
	if diff := cmp.Diff(wantIn, f.sent[0], cmpopts.IgnoreUnexported(ssm.SendCommandInput{})); diff != "" {
		t.Errorf("SendCommand input (-want +got):\n%s", diff)
	}
	filters := f.lists[0].Filters
	if len(filters) != 2 || deref(filters[0].Value) != "2025-03-03T10:00:00Z" || deref(filters[1].Value) != "AWS-RunShellScript" {
		t.Errorf("ListCommands filters: %+v", filters)
	}
}

func TestExecutor_Start_Idempotent(t *testing.T) {
	f := newFakeSSM()
	f.pageSize = 2
	e := newExecutor(f)
	p := diagnosticsPlan(t)
	for _, id := range []string{"4", "420", "43"} { // earlier runs, one with a marker that shares a prefix
		if _, err := e.Start(context.Background(), id, p); err != nil {
			t.Fatal(err)
		}
	}
	first, err := e.Start(context.Background(), "42", p) // on the second page
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.Start(context.Background(), "42", p)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 4 {
		t.Errorf("SendCommand called %d times, want 4 (once per run)", len(f.sent))
	}
	if again.CommandID != first.CommandID || !again.Reused || first.Reused {
		t.Errorf("first %+v, again %+v", first, again)
	}
}

func TestExecutor_Start_Automation(t *testing.T) {
	f := newFakeSSM()
	e := newExecutor(f)
	p, err := MustBuiltin(t, "scale-ecs-service").Plan(map[string]string{"cluster": "prod", "service": "api", "count": "3"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Start(context.Background(), "outbox-17", p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Start(context.Background(), "outbox-17", p)
	if err != nil {
		t.Fatal(err)
	}
	if a.ExecutionID == "" || a.ExecutionID != b.ExecutionID {
		t.Errorf("a retried start got a new execution: %q then %q", a.ExecutionID, b.ExecutionID)
	}
	want := &ssm.StartAutomationExecutionInput{DocumentName: optional("Tocsin-ScaleECSService"),
		ClientToken: optional(ClientToken("outbox-17")),
		Parameters:  map[string][]string{"ClusterName": {"prod"}, "ServiceName": {"api"}, "DesiredCount": {"3"}}}
	if diff := cmp.Diff(want, f.starts[0], cmpopts.IgnoreUnexported(ssm.StartAutomationExecutionInput{})); diff != "" {
		t.Errorf("StartAutomationExecution input (-want +got):\n%s", diff)
	}
}

func TestClientToken(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := ClientToken("17"), ClientToken("17")
	if a != b {
		t.Errorf("not stable: %s, %s", a, b)
	}
	if !uuid.MatchString(a) || len(a) != 36 {
		t.Errorf("%s is not UUID-shaped", a)
	}
	if ClientToken("18") == a || ClientToken("1") == ClientToken("17") {
		t.Error("different runs share a token")
	}
}

func TestExecutor_Start_Refuses(t *testing.T) {
	e := newExecutor(newFakeSSM())
	p := diagnosticsPlan(t)
	for _, id := range []string{"", "a b", strings.Repeat("x", 94)} {
		if _, err := e.Start(context.Background(), id, p); !errors.Is(err, incident.ErrInvalid) {
			t.Errorf("run id %q: got %v", id, err)
		}
	}
	if _, err := e.Start(context.Background(), "1", Plan{Kind: "shell"}); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("unknown kind: got %v", err)
	}
}

func TestExecutor_Start_SendError(t *testing.T) {
	f := newFakeSSM()
	f.errs["SendCommand"] = &types.InvalidInstanceId{Message: optional("Instances [[i-0123456789abcdef0]] not in a valid state for account 123456789012")}
	_, err := newExecutor(f).Start(context.Background(), "5", diagnosticsPlan(t))
	if Classify(err) != ClassInvalid {
		t.Errorf("Classify(%v) = %v", err, Classify(err))
	}
	if strings.Contains(Explain(err), "123456789012") {
		t.Errorf("Explain leaks the account: %s", Explain(err))
	}
}

func TestExecutor_Cancel(t *testing.T) {
	f := newFakeSSM()
	e := newExecutor(f)
	if err := e.Cancel(context.Background(), Started{Kind: KindCommand, CommandID: "c-1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Cancel(context.Background(), Started{Kind: KindAutomation, ExecutionID: "x-1"}); err != nil {
		t.Fatal(err)
	}
	if len(f.cancelled) != 1 || *f.cancelled[0].CommandId != "c-1" {
		t.Errorf("CancelCommand calls: %+v", f.cancelled)
	}
	if len(f.stopped) != 1 || *f.stopped[0].AutomationExecutionId != "x-1" || f.stopped[0].Type != types.StopTypeCancel {
		t.Errorf("StopAutomationExecution calls: %+v", f.stopped)
	}
	if err := e.Cancel(context.Background(), Started{}); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("cancel of nothing: %v", err)
	}
}
