package sim

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
)

type ssmFixture struct {
	sim    *SSM
	client *ssm.Client
	clock  *Clock
	url    string
}

// mustSSM starts the stand-in behind an httptest.Server with a manual
// clock, instances i-0aaa and i-0bbb, and a real SSM client without retries.
func mustSSM(tb testing.TB, opts SSMOptions) ssmFixture {
	tb.Helper()
	clock := NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	opts.Now = clock.Now
	if opts.Instances == nil {
		opts.Instances = []string{"i-0aaa", "i-0bbb"}
	}
	s := NewSSM(opts)
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	return ssmFixture{sim: s, client: ssmTestClient(srv.URL, 1), clock: clock, url: srv.URL}
}

func ssmTestClient(url string, attempts int, optFns ...func(*ssm.Options)) *ssm.Client {
	return ssm.New(ssm.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: attempts,
	}, optFns...)
}

// send runs AWS-RunShellScript on instance and returns the command id.
func (f ssmFixture) send(tb testing.TB, instance, comment string) string {
	tb.Helper()
	out, err := f.client.SendCommand(context.Background(), &ssm.SendCommandInput{
		DocumentName: aws.String("AWS-RunShellScript"),
		InstanceIds:  []string{instance},
		Parameters:   map[string][]string{"commands": {"uptime"}},
		Comment:      aws.String(comment),
	})
	if err != nil {
		tb.Fatalf("SendCommand: %v", err)
	}
	return aws.ToString(out.Command.CommandId)
}

func (f ssmFixture) invocation(tb testing.TB, id, instance string) *ssm.GetCommandInvocationOutput {
	tb.Helper()
	out, err := f.client.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{
		CommandId: aws.String(id), InstanceId: aws.String(instance)})
	if err != nil {
		tb.Fatalf("GetCommandInvocation: %v", err)
	}
	return out
}

func TestSSM_CommandLifecycle(t *testing.T) {
	f := mustSSM(t, SSMOptions{InvisibleFor: 100 * time.Millisecond})
	out, err := f.client.SendCommand(context.Background(), &ssm.SendCommandInput{
		DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{"i-0aaa"},
		Parameters: map[string][]string{"commands": {"uptime"}}, Comment: aws.String("tocsin #7")})
	if err != nil {
		t.Fatal(err)
	}
	cmd := out.Command
	if id := aws.ToString(cmd.CommandId); len(id) != 36 || cmd.Status != types.CommandStatusPending || cmd.TargetCount != 1 {
		t.Fatalf("SendCommand returned id %q status %s targets %d", id, cmd.Status, cmd.TargetCount)
	}
	if !cmd.RequestedDateTime.Equal(f.clock.Now()) {
		t.Errorf("RequestedDateTime = %v, want %v", cmd.RequestedDateTime, f.clock.Now())
	}
	_, err = f.client.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{
		CommandId: cmd.CommandId, InstanceId: aws.String("i-0aaa")})
	if e := (*types.InvocationDoesNotExist)(nil); !errors.As(err, &e) {
		t.Fatalf("while invisible: err = %v, want InvocationDoesNotExist", err)
	}
	steps := []struct {
		advance time.Duration
		status  types.CommandInvocationStatus
		details string
		code    int32
		stdout  string
	}{
		{100 * time.Millisecond, types.CommandInvocationStatusPending, "Pending", -1, ""},
		{200 * time.Millisecond, types.CommandInvocationStatusInProgress, "In Progress", -1, ""},
		{time.Second, types.CommandInvocationStatusSuccess, "Success", 0, "AWS-RunShellScript on i-0aaa: commands=[\"uptime\"]\n"},
	}
	for _, step := range steps {
		f.clock.Advance(step.advance)
		got := f.invocation(t, aws.ToString(cmd.CommandId), "i-0aaa")
		if got.Status != step.status || aws.ToString(got.StatusDetails) != step.details ||
			got.ResponseCode != step.code || aws.ToString(got.StandardOutputContent) != step.stdout {
			t.Errorf("after %v: status %s (%s) code %d stdout %q, want %s (%s) %d %q", step.advance, got.Status,
				aws.ToString(got.StatusDetails), got.ResponseCode, aws.ToString(got.StandardOutputContent),
				step.status, step.details, step.code, step.stdout)
		}
	}
	got := f.invocation(t, aws.ToString(cmd.CommandId), "i-0aaa")
	want := []string{"2026-03-01T12:00:00.200Z", "2026-03-01T12:00:01.200Z", "PT1.000S", "aws:runShellScript", "tocsin #7"}
	if diff := cmp.Diff(want, []string{aws.ToString(got.ExecutionStartDateTime), aws.ToString(got.ExecutionEndDateTime),
		aws.ToString(got.ExecutionElapsedTime), aws.ToString(got.PluginName), aws.ToString(got.Comment)}); diff != "" {
		t.Errorf("invocation fields (-want +got):\n%s", diff)
	}
}

func TestSSM_Outcomes(t *testing.T) {
	long := strings.Repeat("x", 30000)
	tests := []struct {
		name    string
		outcome SSMOutcome
		status  types.CommandInvocationStatus
		details string
		code    int32
		stdout  string
		stderr  string
	}{
		{"Failed", SSMOutcome{Status: "Failed", Stdout: "partial", Stderr: "boom", ResponseCode: 2},
			types.CommandInvocationStatusFailed, "Failed", 2, "partial", "boom"},
		{"FailedDefaultsCode", SSMOutcome{Status: "Failed"}, types.CommandInvocationStatusFailed, "Failed", 1, "", ""},
		{"TimedOut", SSMOutcome{Status: "TimedOut", Stdout: "slow"},
			types.CommandInvocationStatusTimedOut, "Execution Timed Out", 0, "slow", ""},
		{"Truncated", SSMOutcome{Stdout: long, Stderr: long},
			types.CommandInvocationStatusSuccess, "Success", 0, long[:24000], long[:8000]},
		{"Stuck", SSMOutcome{Stuck: true}, types.CommandInvocationStatusInProgress, "In Progress", -1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustSSM(t, SSMOptions{})
			f.sim.SetOutcome("AWS-RunShellScript", "i-0aaa", tt.outcome)
			id := f.send(t, "i-0aaa", "")
			f.clock.Advance(time.Hour)
			got := f.invocation(t, id, "i-0aaa")
			if got.Status != tt.status || aws.ToString(got.StatusDetails) != tt.details || got.ResponseCode != tt.code {
				t.Errorf("status %s (%s) code %d, want %s (%s) %d", got.Status, aws.ToString(got.StatusDetails),
					got.ResponseCode, tt.status, tt.details, tt.code)
			}
			if aws.ToString(got.StandardOutputContent) != tt.stdout || aws.ToString(got.StandardErrorContent) != tt.stderr {
				t.Errorf("stdout %d chars, stderr %d chars, want %d and %d", len(aws.ToString(got.StandardOutputContent)),
					len(aws.ToString(got.StandardErrorContent)), len(tt.stdout), len(tt.stderr))
			}
		})
	}
}

func TestSSM_CancelCommand(t *testing.T) {
	f := mustSSM(t, SSMOptions{})
	f.sim.SetOutcome("", "", SSMOutcome{Stuck: true})
	id := f.send(t, "i-0aaa", "")
	f.clock.Advance(time.Second)
	if _, err := f.client.CancelCommand(context.Background(), &ssm.CancelCommandInput{CommandId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if got := f.invocation(t, id, "i-0aaa"); got.Status != types.CommandInvocationStatusCancelling {
		t.Errorf("right after CancelCommand: %s, want Cancelling", got.Status)
	}
	f.clock.Advance(time.Second)
	got := f.invocation(t, id, "i-0aaa")
	if got.Status != types.CommandInvocationStatusCancelled || got.ResponseCode != -1 {
		t.Errorf("later: %s code %d, want Cancelled -1", got.Status, got.ResponseCode)
	}
	if cmds := f.sim.Commands(); len(cmds) != 1 || cmds[0].Status != "Cancelled" {
		t.Errorf("Commands() = %+v, want one Cancelled", cmds)
	}
	_, err := f.client.CancelCommand(context.Background(), &ssm.CancelCommandInput{CommandId: aws.String(ssmUUID("nope"))})
	if e := (*types.InvalidCommandId)(nil); !errors.As(err, &e) {
		t.Errorf("cancel unknown command: %v, want InvalidCommandId", err)
	}
}
