package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func TestSSM_SendCommandErrors(t *testing.T) {
	shell := func(params map[string][]string) *ssm.SendCommandInput {
		return &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"),
			InstanceIds: []string{"i-0aaa"}, Parameters: params}
	}
	uptime := map[string][]string{"commands": {"uptime"}}
	tests := []struct {
		name  string
		input *ssm.SendCommandInput
		as    func(error) bool
	}{
		{"InvalidInstanceId", &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"),
			InstanceIds: []string{"i-0zzz"}, Parameters: uptime}, ssmIs[*types.InvalidInstanceId]},
		{"UnknownDocument", &ssm.SendCommandInput{DocumentName: aws.String("AWS-Nope"),
			InstanceIds: []string{"i-0aaa"}}, ssmIs[*types.InvalidDocument]},
		{"AutomationDocument", &ssm.SendCommandInput{DocumentName: aws.String("AWS-RestartEC2Instance"),
			InstanceIds: []string{"i-0aaa"}}, ssmIs[*types.InvalidDocument]},
		{"MissingParameter", shell(map[string][]string{"workingDirectory": {"/tmp"}}), ssmIs[*types.InvalidParameters]},
		{"UnknownParameter", shell(map[string][]string{"commands": {"ls"}, "command": {"ls"}}), ssmIs[*types.InvalidParameters]},
		{"PatternMismatch", shell(map[string][]string{"commands": {"ls"}, "executionTimeout": {"999999"}}), ssmIs[*types.InvalidParameters]},
		{"ListForString", shell(map[string][]string{"commands": {"ls"}, "workingDirectory": {"/a", "/b"}}), ssmIs[*types.InvalidParameters]},
		{"LongComment", &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{"i-0aaa"},
			Parameters: uptime, Comment: aws.String(strings.Repeat("c", 101))}, ssmIs[*types.ValidationException]},
		{"NoTargets", &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), Parameters: uptime},
			ssmIs[*types.ValidationException]},
		{"BadTargetKey", &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), Parameters: uptime,
			Targets: []types.Target{{Key: aws.String("resource-groups:Name"), Values: []string{"web"}}}}, ssmIs[*types.InvalidTarget]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustSSM(t, SSMOptions{})
			_, err := f.client.SendCommand(context.Background(), tt.input)
			if !tt.as(err) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if len(f.sim.Commands()) != 0 {
				t.Error("a rejected command was recorded")
			}
			if calls := f.sim.Calls(); len(calls) != 1 || calls[0].Error == "" {
				t.Errorf("Calls() = %+v, want one failed call", calls)
			}
		})
	}
}

func ssmIs[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func TestSSM_FailNext(t *testing.T) {
	f := mustSSM(t, SSMOptions{})
	f.sim.FailNext("SendCommand", 2, "ThrottlingException", 400)
	retrying := ssmTestClient(f.url, 3, func(o *ssm.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.RateLimiter = ratelimit.None
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
	out, err := retrying.SendCommand(context.Background(), &ssm.SendCommandInput{
		DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{"i-0aaa"},
		Parameters: map[string][]string{"commands": {"uptime"}}})
	if err != nil {
		t.Fatalf("SendCommand with retries: %v", err)
	}
	var got []string
	for _, c := range f.sim.Calls() {
		got = append(got, c.Op+":"+c.Error)
	}
	want := []string{"SendCommand:ThrottlingException", "SendCommand:ThrottlingException", "SendCommand:"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if cmds := f.sim.Commands(); len(cmds) != 1 || cmds[0].ID != aws.ToString(out.Command.CommandId) {
		t.Errorf("Commands() = %+v", cmds)
	}

	f.sim.FailNext("ListCommands", 1, "InternalServerError", 500)
	_, err = f.client.ListCommands(context.Background(), &ssm.ListCommandsInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InternalServerError" || !ssmIs[*types.InternalServerError](err) {
		t.Errorf("without retries: err = %v, want InternalServerError", err)
	}
}

func TestSSM_UnknownOperation(t *testing.T) {
	f := mustSSM(t, SSMOptions{})
	_, err := f.client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/x")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownOperationException" {
		t.Errorf("GetParameter: err = %v, want UnknownOperationException", err)
	}
	if calls := f.sim.Calls(); len(calls) != 1 || calls[0].Op != "GetParameter" || calls[0].Input["Name"] != "/x" {
		t.Errorf("Calls() = %+v", calls)
	}
}
