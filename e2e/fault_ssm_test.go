package e2e

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// runbookIn opens INC-1 and asks for runbook name in its channel.
func (s *faultStack) runbookIn(name string) sim.SlackChannel {
	s.t.Helper()
	s.mustAlarm("ssm-"+name, "api")
	ch := s.waitHeader(1)
	s.slash(faultRequester, ch.ID, "runbook "+name)
	return ch
}

// ssmCalls counts the stand-in's calls of op, and those that failed.
func (s *faultStack) ssmCalls(op string) (all, failed int) {
	for _, c := range s.ssm.Calls() {
		if c.Op == op {
			all++
			if c.Error != "" {
				failed++
			}
		}
	}
	return all, failed
}

// channelSays reports whether some message in ch contains text.
func (s *faultStack) channelSays(ch, text string) bool {
	for _, m := range s.sl.Messages(ch) {
		if strings.Contains(m.Text+string(m.Blocks), text) {
			return true
		}
	}
	return false
}

// TestFault_SSMThrottling: ThrottlingException on SendCommand and on
// GetCommandInvocation is retried with backoff; the command is sent once
// and followed to its end.
func TestFault_SSMThrottling(t *testing.T) {
	t.Parallel()
	s := newFaultStack(t, faultOpts{})
	s.ssm.FailNext("SendCommand", 1, "ThrottlingException", 400)
	s.ssm.FailNext("GetCommandInvocation", 1, "ThrottlingException", 400)
	s.runbookIn("fault-diag")
	s.waitFor("the run's end", func() bool { return len(s.events(1, runStep("finished"))) == 1 })
	if fin := s.events(1, runStep("finished"))[0]; fin.Datum("result") != "succeeded" {
		t.Errorf("run finished %q: %s", fin.Datum("result"), fin.Text)
	}
	if n := len(s.events(1, runStep("started"))); n != 1 {
		t.Errorf("started events = %d, want 1", n)
	}
	if _, failed := s.ssmCalls("SendCommand"); failed != 1 {
		t.Errorf("throttled SendCommand calls = %d, want 1", failed)
	}
	if _, failed := s.ssmCalls("GetCommandInvocation"); failed != 1 {
		t.Errorf("throttled GetCommandInvocation calls = %d, want 1", failed)
	}
	if n := len(s.ssm.Commands()); n != 1 {
		t.Errorf("commands sent = %d, want 1", n)
	}
	if got := s.events(1, couldNot); len(got) != 0 {
		t.Errorf("effects given up: %+v", got)
	}
	s.checkNoDuplicates("ssm-fault-diag")
}

// TestFault_SSMInvalidInstance: SSM refuses the target instance. The run is
// refused, with a plain sentence in the channel and on the timeline, and is
// not retried.
func TestFault_SSMInvalidInstance(t *testing.T) {
	t.Parallel()
	s := newFaultStack(t, faultOpts{})
	ch := s.runbookIn("fault-ghost")
	const why = "The target instance is not managed by Systems Manager"
	s.waitFor("the refusal in the channel", func() bool { return s.channelSays(ch.ID, why) })
	refused := s.events(1, runStep("refused"))
	if len(refused) != 1 || !strings.HasPrefix(refused[0].Datum("reason"), why) {
		t.Fatalf("refused events: %+v", refused)
	}
	for _, m := range s.sl.Messages(ch.ID) {
		if strings.Contains(m.Text, "InvalidInstanceId") || strings.Contains(m.Text, "arn:aws") {
			t.Errorf("the channel shows AWS internals: %q", m.Text)
		}
	}
	if all, failed := s.ssmCalls("SendCommand"); all != 1 || failed != 1 {
		t.Errorf("SendCommand calls = %d (%d failed); want one, refused, never retried", all, failed)
	}
	if n := len(s.ssm.Commands()); n != 0 {
		t.Errorf("commands = %d, want 0", n)
	}
	if got := s.events(1, func(e incident.Event) bool { return couldNot(e) }); len(got) != 0 {
		t.Errorf("effects given up: %+v", got)
	}
	s.checkNoDuplicates("ssm-fault-ghost")
}

// TestFault_SSMStuck: a command that stays InProgress past its execution
// timeout (1 s here) plus the grace (5 s at least) is given up: recorded as failed
// with the reason, cancelled in SSM once, and the channel is told; polling
// stops.
func TestFault_SSMStuck(t *testing.T) {
	t.Parallel()
	s := newFaultStack(t, faultOpts{})
	s.ssm.SetOutcome("", faultInstance, sim.SSMOutcome{Stuck: true})
	ch := s.runbookIn("fault-diag")
	s.waitFor("the stuck run given up", func() bool { return len(s.events(1, runStep("finished"))) == 1 })
	fin := s.events(1, runStep("finished"))[0]
	if fin.Datum("result") != "failed" || !strings.Contains(fin.Datum("detail"), "tocsin stopped waiting") {
		t.Errorf("finished event: %+v", fin.Data)
	}
	s.waitFor("the cancellation", func() bool { all, _ := s.ssmCalls("CancelCommand"); return all == 1 })
	s.waitFor("the channel told", func() bool { return s.channelSays(ch.ID, "did not finish within its timeout") })
	polls, _ := s.ssmCalls("GetCommandInvocation")
	s.waitFor("the cancelled command", func() bool { return s.ssm.Commands()[0].Status == "Cancelled" })
	if after, _ := s.ssmCalls("GetCommandInvocation"); after != polls {
		t.Errorf("still polling after giving up: %d polls, then %d", polls, after)
	}
	if n := len(s.ssm.Commands()); n != 1 {
		t.Errorf("commands = %d, want 1", n)
	}
	s.checkNoDuplicates("ssm-fault-diag")
}
