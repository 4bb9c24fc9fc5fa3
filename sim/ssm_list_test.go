package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
)

// ssmThreeCommands sends three commands a second apart, so the first two
// have finished and the last is InProgress.
func ssmThreeCommands(t *testing.T) (ssmFixture, []string) {
	t.Helper()
	f := mustSSM(t, SSMOptions{})
	var ids []string
	for _, c := range []string{"tocsin incident=1", "tocsin incident=2", "tocsin incident=3"} {
		ids = append(ids, f.send(t, "i-0aaa", c))
		f.clock.Advance(time.Second)
	}
	return f, ids
}

func TestSSM_ListCommands(t *testing.T) {
	f, ids := ssmThreeCommands(t)
	t.Run("NewestFirstPaged", func(t *testing.T) {
		var comments []string
		p := ssm.NewListCommandsPaginator(f.client, &ssm.ListCommandsInput{MaxResults: aws.Int32(2)})
		for pages := 0; p.HasMorePages(); pages++ {
			out, err := p.NextPage(context.Background())
			if err != nil || pages > 2 {
				t.Fatalf("page %d: %v", pages, err)
			}
			for _, c := range out.Commands {
				comments = append(comments, aws.ToString(c.Comment))
			}
		}
		want := []string{"tocsin incident=3", "tocsin incident=2", "tocsin incident=1"}
		if diff := cmp.Diff(want, comments); diff != "" {
			t.Errorf("comments (-want +got):\n%s", diff)
		}
	})
	t.Run("FindByComment", func(t *testing.T) {
		out, err := f.client.ListCommands(context.Background(), &ssm.ListCommandsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var found string
		for _, c := range out.Commands {
			if strings.Contains(aws.ToString(c.Comment), "incident=2") {
				found = aws.ToString(c.CommandId)
			}
		}
		if found != ids[1] {
			t.Errorf("found %q, want %q", found, ids[1])
		}
	})
}

func TestSSM_ListCommandsFilters(t *testing.T) {
	f, ids := ssmThreeCommands(t)
	t.Run("ByCommandId", func(t *testing.T) {
		out, err := f.client.ListCommands(context.Background(), &ssm.ListCommandsInput{CommandId: aws.String(ids[0])})
		if err != nil || len(out.Commands) != 1 || out.Commands[0].Status != types.CommandStatusSuccess {
			t.Fatalf("ListCommands(%s) = %+v, %v", ids[0], out, err)
		}
		c := out.Commands[0]
		if diff := cmp.Diff(map[string][]string{"commands": {"uptime"}}, c.Parameters); diff != "" || c.CompletedCount != 1 {
			t.Errorf("Parameters (-want +got):\n%s completed %d", diff, c.CompletedCount)
		}
	})
	t.Run("StatusFilter", func(t *testing.T) {
		out, err := f.client.ListCommands(context.Background(), &ssm.ListCommandsInput{
			Filters: []types.CommandFilter{{Key: types.CommandFilterKeyStatus, Value: aws.String("InProgress")}}})
		if err != nil || len(out.Commands) != 1 || aws.ToString(out.Commands[0].CommandId) != ids[2] {
			t.Errorf("running commands = %+v, %v; want only the last one", out, err)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		_, err := f.client.ListCommands(context.Background(), &ssm.ListCommandsInput{CommandId: aws.String(ssmUUID("x"))})
		if !ssmIs[*types.InvalidCommandId](err) {
			t.Errorf("unknown id: %v", err)
		}
		_, err = f.client.ListCommands(context.Background(), &ssm.ListCommandsInput{NextToken: aws.String("bogus")})
		if !ssmIs[*types.InvalidNextToken](err) {
			t.Errorf("bad token: %v", err)
		}
	})
}

func TestSSM_Targets(t *testing.T) {
	f := mustSSM(t, SSMOptions{Instances: []string{}})
	f.sim.TagInstance("i-0web1", "Role", "web")
	f.sim.TagInstance("i-0web2", "Role", "web")
	f.sim.TagInstance("i-0db1", "Role", "db")
	f.sim.SetOutcome("", "i-0web2", SSMOutcome{Status: "Failed", Stderr: "disk full"})
	out, err := f.client.SendCommand(context.Background(), &ssm.SendCommandInput{
		DocumentName: aws.String("AWS-RunShellScript"),
		Targets:      []types.Target{{Key: aws.String("tag:Role"), Values: []string{"web"}}},
		Parameters:   map[string][]string{"commands": {"df -h"}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Command.TargetCount != 2 || len(out.Command.InstanceIds) != 0 {
		t.Errorf("TargetCount %d InstanceIds %v, want 2 and none", out.Command.TargetCount, out.Command.InstanceIds)
	}
	if diff := cmp.Diff([]string{"i-0web1", "i-0web2"}, f.sim.Commands()[0].InstanceIDs); diff != "" {
		t.Errorf("resolved instances (-want +got):\n%s", diff)
	}
	f.clock.Advance(time.Hour)
	list, err := f.client.ListCommands(context.Background(), &ssm.ListCommandsInput{})
	if err != nil || list.Commands[0].Status != types.CommandStatusFailed || list.Commands[0].ErrorCount != 1 {
		t.Errorf("command = %+v, %v; want Failed with one error", list.Commands, err)
	}
}

func TestSSM_ListCommandInvocations(t *testing.T) {
	f := mustSSM(t, SSMOptions{})
	f.sim.SetOutcome("", "i-0aaa", SSMOutcome{Stdout: strings.Repeat("o", 3000), Stderr: "warn"})
	f.sim.SetOutcome("", "i-0bbb", SSMOutcome{Stdout: "ok", Stderr: "warn"})
	id := f.send(t, "i-0aaa", "")
	f.send(t, "i-0bbb", "")
	f.clock.Advance(time.Hour)
	out, err := f.client.ListCommandInvocations(context.Background(), &ssm.ListCommandInvocationsInput{Details: true})
	if err != nil || len(out.CommandInvocations) != 2 {
		t.Fatalf("ListCommandInvocations = %+v, %v", out, err)
	}
	got := out.CommandInvocations[0]
	if aws.ToString(got.InstanceId) != "i-0bbb" || len(got.CommandPlugins) != 1 {
		t.Fatalf("newest invocation = %+v", got)
	}
	if p := got.CommandPlugins[0]; aws.ToString(p.Output) != "ok\n----------ERROR-------\nwarn" || aws.ToString(p.Name) != "aws:runShellScript" {
		t.Errorf("plugin = %q output %q", aws.ToString(p.Name), aws.ToString(p.Output))
	}
	one, err := f.client.ListCommandInvocations(context.Background(), &ssm.ListCommandInvocationsInput{
		CommandId: aws.String(id), Details: true})
	if err != nil || len(one.CommandInvocations) != 1 {
		t.Fatalf("by command id: %+v, %v", one, err)
	}
	if n := len(aws.ToString(one.CommandInvocations[0].CommandPlugins[0].Output)); n != 2500 {
		t.Errorf("plugin output is %d chars, want 2500", n)
	}
	if _, err := f.client.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{
		CommandId: aws.String(id), InstanceId: aws.String("i-0bbb")}); !errors.As(err, new(*types.InvocationDoesNotExist)) {
		t.Errorf("wrong instance: %v, want InvocationDoesNotExist", err)
	}
}
