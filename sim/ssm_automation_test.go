package sim

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
)

func (f ssmFixture) restart(tb testing.TB, token string, instance string) (string, error) {
	tb.Helper()
	in := &ssm.StartAutomationExecutionInput{DocumentName: aws.String("AWS-RestartEC2Instance"),
		Parameters: map[string][]string{"InstanceId": {instance}}}
	if token != "" {
		in.ClientToken = aws.String(token)
	}
	out, err := f.client.StartAutomationExecution(context.Background(), in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.AutomationExecutionId), nil
}

// steps summarises an execution as "status: step=status ...".
func (f ssmFixture) steps(tb testing.TB, id string) []string {
	tb.Helper()
	out, err := f.client.GetAutomationExecution(context.Background(), &ssm.GetAutomationExecutionInput{
		AutomationExecutionId: aws.String(id)})
	if err != nil {
		tb.Fatalf("GetAutomationExecution: %v", err)
	}
	got := []string{string(out.AutomationExecution.AutomationExecutionStatus)}
	for _, s := range out.AutomationExecution.StepExecutions {
		got = append(got, aws.ToString(s.StepName)+"="+string(s.StepStatus))
	}
	return got
}

func TestSSM_AutomationProgress(t *testing.T) {
	tests := []struct {
		name    string
		outcome SSMOutcome
		want    [][]string // after 0, 0.3s, 0.8s, 1h
	}{
		{"Success", SSMOutcome{}, [][]string{
			{"Pending"},
			{"InProgress", "stopInstances=InProgress"},
			{"InProgress", "stopInstances=Success", "startInstances=InProgress"},
			{"Success", "stopInstances=Success", "startInstances=Success"}}},
		{"Failed", SSMOutcome{Status: "Failed", Stderr: "InvalidInstanceState"}, [][]string{
			{"Pending"},
			{"InProgress", "stopInstances=InProgress"},
			{"InProgress", "stopInstances=Success", "startInstances=InProgress"},
			{"Failed", "stopInstances=Success", "startInstances=Failed"}}},
		{"Stuck", SSMOutcome{Stuck: true}, [][]string{
			{"Pending"},
			{"InProgress", "stopInstances=InProgress"},
			{"InProgress", "stopInstances=InProgress"},
			{"InProgress", "stopInstances=InProgress"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustSSM(t, SSMOptions{})
			f.sim.SetOutcome("AWS-RestartEC2Instance", "i-0aaa", tt.outcome)
			id, err := f.restart(t, "", "i-0aaa")
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, d := range []time.Duration{0, 300 * time.Millisecond, 500 * time.Millisecond, time.Hour} {
				f.clock.Advance(d)
				got = append(got, f.steps(t, id))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("progress (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSSM_AutomationClientToken(t *testing.T) {
	f := mustSSM(t, SSMOptions{})
	const token = "6a1b7f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
	first, err := f.restart(t, token, "i-0aaa")
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.restart(t, token, "i-0aaa")
	if err != nil || again != first {
		t.Errorf("retry with the same token = %q, %v; want %q", again, err, first)
	}
	if _, err := f.restart(t, token, "i-0bbb"); !ssmIs[*types.IdempotentParameterMismatch](err) {
		t.Errorf("same token, other parameters: %v, want IdempotentParameterMismatch", err)
	}
	other, err := f.restart(t, "", "i-0aaa")
	if err != nil || other == first {
		t.Errorf("without token = %q, %v; want a new execution", other, err)
	}
	autos := f.sim.Automations()
	if len(autos) != 2 || autos[0].ClientToken != token || autos[0].Parameters["InstanceId"][0] != "i-0aaa" {
		t.Errorf("Automations() = %+v", autos)
	}
}

func TestSSM_StopAutomation(t *testing.T) {
	f := mustSSM(t, SSMOptions{})
	f.sim.SetOutcome("", "", SSMOutcome{Stuck: true})
	id, err := f.restart(t, "", "i-0aaa")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	stop := &ssm.StopAutomationExecutionInput{AutomationExecutionId: aws.String(id), Type: types.StopTypeCancel}
	if _, err := f.client.StopAutomationExecution(context.Background(), stop); err != nil {
		t.Fatal(err)
	}
	if got := f.steps(t, id); got[0] != "Cancelling" {
		t.Errorf("right after stop: %v, want Cancelling", got)
	}
	f.clock.Advance(time.Second)
	if diff := cmp.Diff([]string{"Cancelled", "stopInstances=Cancelled"}, f.steps(t, id)); diff != "" {
		t.Errorf("after stop (-want +got):\n%s", diff)
	}
	if _, err := f.client.StopAutomationExecution(context.Background(), stop); !ssmIs[*types.InvalidAutomationStatusUpdateException](err) {
		t.Errorf("stopping a stopped execution: %v", err)
	}
	if _, err := f.client.GetAutomationExecution(context.Background(), &ssm.GetAutomationExecutionInput{
		AutomationExecutionId: aws.String(ssmUUID("x"))}); !ssmIs[*types.AutomationExecutionNotFoundException](err) {
		t.Errorf("unknown execution: %v", err)
	}
}

func TestSSM_StartAutomationErrors(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		params map[string][]string
		as     func(error) bool
	}{
		{"UnknownDocument", "AWS-Nope", nil, ssmIs[*types.AutomationDefinitionNotFoundException]},
		{"CommandDocument", "AWS-RunShellScript", map[string][]string{"commands": {"ls"}}, ssmIs[*types.AutomationDefinitionNotFoundException]},
		{"MissingParameter", "AWS-StopEC2Instance", nil, ssmIs[*types.InvalidAutomationExecutionParametersException]},
		{"UnknownParameter", "AWS-StopEC2Instance", map[string][]string{"InstanceId": {"i-0aaa"}, "Force": {"true"}},
			ssmIs[*types.InvalidAutomationExecutionParametersException]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustSSM(t, SSMOptions{})
			_, err := f.client.StartAutomationExecution(context.Background(), &ssm.StartAutomationExecutionInput{
				DocumentName: aws.String(tt.doc), Parameters: tt.params})
			if !tt.as(err) {
				t.Errorf("err = %v (%T)", err, err)
			}
		})
	}
}
