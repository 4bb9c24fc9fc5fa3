package e2e

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/sim"
)

// runbookIn opens INC-1 and asks for runbook name in its channel.
func runbookIn(t *testing.T, s *Harness, name string) sim.SlackChannel {
	t.Helper()
	s.MustAlarm("ssm-"+name, "api")
	ch := s.WaitHeader(1)
	s.Slash(faultRequester, ch.ID, "runbook "+name)
	return ch
}

// ssmCalls counts the stand-in's calls of op, and those that failed.
func ssmCalls(s *Harness, op string) (all, failed int) {
	for _, c := range s.AWS.SSM.Calls() {
		if c.Op == op {
			all++
			if c.Error != "" {
				failed++
			}
		}
	}
	return all, failed
}

// TestFault_SSMThrottling: ThrottlingException on SendCommand and on
// GetCommandInvocation is retried with backoff; the command is sent once
// and followed to its end.
func TestFault_SSMThrottling(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := Start(t, faultOptions(faultOpts{db: db(t)}))
		s.AWS.SSM.FailNext("SendCommand", 1, "ThrottlingException", 400)
		s.AWS.SSM.FailNext("GetCommandInvocation", 1, "ThrottlingException", 400)
		runbookIn(t, s, "fault-diag")
		s.WaitFor("the run's end", func() bool { return len(s.Events(1, runStep("finished"))) == 1 })
		if fin := s.Events(1, runStep("finished"))[0]; fin.Datum("result") != "succeeded" {
			t.Errorf("run finished %q: %s", fin.Datum("result"), fin.Text)
		}
		if n := len(s.Events(1, runStep("started"))); n != 1 {
			t.Errorf("started events = %d, want 1", n)
		}
		if _, failed := ssmCalls(s, "SendCommand"); failed != 1 {
			t.Errorf("throttled SendCommand calls = %d, want 1", failed)
		}
		if _, failed := ssmCalls(s, "GetCommandInvocation"); failed != 1 {
			t.Errorf("throttled GetCommandInvocation calls = %d, want 1", failed)
		}
		if n := len(s.AWS.SSM.Commands()); n != 1 {
			t.Errorf("commands sent = %d, want 1", n)
		}
		checkNoneGivenUp(t, s, 1)
		checkNoDuplicates(t, s, "ssm-fault-diag")
	})
}

// TestFault_SSMInvalidInstance: SSM refuses the target instance. The run is
// refused, with a plain sentence in the channel and on the timeline, and is
// not retried.
func TestFault_SSMInvalidInstance(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := Start(t, faultOptions(faultOpts{db: db(t)}))
		ch := runbookIn(t, s, "fault-ghost")
		const why = "The target instance is not managed by Systems Manager"
		s.WaitFor("the refusal in the channel", func() bool { return s.ChannelSays(ch.ID, why) })
		refused := s.Events(1, runStep("refused"))
		if len(refused) != 1 || !strings.HasPrefix(refused[0].Datum("reason"), why) {
			t.Fatalf("refused events: %+v", refused)
		}
		for _, m := range s.Slack.Messages(ch.ID) {
			if strings.Contains(m.Text, "InvalidInstanceId") || strings.Contains(m.Text, "arn:aws") {
				t.Errorf("the channel shows AWS internals: %q", m.Text)
			}
		}
		if all, failed := ssmCalls(s, "SendCommand"); all != 1 || failed != 1 {
			t.Errorf("SendCommand calls = %d (%d failed); want one, refused, never retried", all, failed)
		}
		if n := len(s.AWS.SSM.Commands()); n != 0 {
			t.Errorf("commands = %d, want 0", n)
		}
		checkNoneGivenUp(t, s, 1)
		checkNoDuplicates(t, s, "ssm-fault-ghost")
	})
}

// TestFault_SSMStuck: a command that stays InProgress past its execution
// timeout (1 s here) plus the grace (5 s at least) is given up: recorded as failed
// with the reason, cancelled in SSM once, and the channel is told; polling
// stops.
func TestFault_SSMStuck(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := Start(t, faultOptions(faultOpts{db: db(t)}))
		s.AWS.SSM.SetOutcome("", faultInstance, sim.SSMOutcome{Stuck: true})
		ch := runbookIn(t, s, "fault-diag")
		s.WaitFor("the stuck run given up", func() bool { return len(s.Events(1, runStep("finished"))) == 1 })
		fin := s.Events(1, runStep("finished"))[0]
		if fin.Datum("result") != "failed" || !strings.Contains(fin.Datum("detail"), "tocsin stopped waiting") {
			t.Errorf("finished event: %+v", fin.Data)
		}
		s.WaitFor("the cancellation", func() bool { all, _ := ssmCalls(s, "CancelCommand"); return all == 1 })
		s.WaitFor("the channel told", func() bool { return s.ChannelSays(ch.ID, "did not finish within its timeout") })
		polls, _ := ssmCalls(s, "GetCommandInvocation")
		s.WaitFor("the cancelled command", func() bool { return s.AWS.SSM.Commands()[0].Status == "Cancelled" })
		if after, _ := ssmCalls(s, "GetCommandInvocation"); after != polls {
			t.Errorf("still polling after giving up: %d polls, then %d", polls, after)
		}
		if n := len(s.AWS.SSM.Commands()); n != 1 {
			t.Errorf("commands = %d, want 1", n)
		}
		checkNoDuplicates(t, s, "ssm-fault-diag")
	})
}
