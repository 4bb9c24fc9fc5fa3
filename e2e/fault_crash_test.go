package e2e

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/sim"
)

// crashPoint is a step of the main flow where tocsin is SIGKILLed and
// then restarted on the same store.
type crashPoint struct {
	name string
	// arm installs stand-in hooks that call kill at the step.
	arm func(s *Harness, kill func())
	// intake, if set, delivers the alarm and kills tocsin with it in flight;
	// the flow restarts tocsin and SNS redelivers.
	intake func(t *testing.T, s *Harness, body []byte)
	// afterClick kills tocsin right after the approval click was answered.
	afterClick bool
	// check, if set, asserts what is particular to the step.
	check func(t *testing.T, s *Harness)
}

// sendUnanswered POSTs body to /sns on a raw connection, sending only the
// first n bytes of it, and never reads an answer.
func sendUnanswered(t *testing.T, s *Harness, body []byte, n int) net.Conn {
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /sns HTTP/1.1\r\nHost: tocsin\r\nx-amz-sns-message-type: Notification\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", len(body))
	conn.Write(body[:n])
	return conn
}

// crashPoints are the steps tocsin is killed at, by name.
var crashPoints = map[string]crashPoint{
	"intake/body-in-flight": {intake: func(t *testing.T, s *Harness, body []byte) {
		conn := sendUnanswered(t, s, body, len(body)/2)
		defer conn.Close()
		time.Sleep(50 * time.Millisecond)
		s.Kill() // SNS never got an answer, and tocsin never had the whole message
	}},
	"intake/committed-not-answered": {intake: func(t *testing.T, s *Harness, body []byte) {
		conn := sendUnanswered(t, s, body, len(body))
		defer conn.Close()
		s.WaitFor("the alarm committed", func() bool { return len(s.Incidents()) == 1 })
		s.Kill() // the answer is never read: for SNS it was lost
	}},
	"channel/create": {arm: func(s *Harness, kill func()) {
		s.OnSlack("conversations.create", func(c sim.SlackCall) { kill() })
	}, check: func(t *testing.T, s *Harness) {
		ch, _ := s.ChannelOf(1)
		if !strings.Contains(ch.Purpose, "tocsin:INC-1") || s.Slack.CallCount("conversations.create") != 2 {
			t.Errorf("the channel was not adopted: purpose %q, %d creates", ch.Purpose, s.Slack.CallCount("conversations.create"))
		}
	}},
	"channel/purpose": {arm: func(s *Harness, kill func()) {
		s.OnSlack("conversations.setPurpose", func(c sim.SlackCall) { kill() })
	}},
	"header/post": {arm: func(s *Harness, kill func()) {
		s.OnSlack("chat.postMessage", func(c sim.SlackCall) {
			if strings.Contains(c.Params["blocks"], `"inc:1:header"`) {
				kill()
			}
		})
	}},
	"header/pin": {arm: func(s *Harness, kill func()) {
		s.OnSlack("pins.add", func(c sim.SlackCall) { kill() })
	}},
	"approval/answered-not-committed": {arm: func(s *Harness, kill func()) {
		// The click was answered 200; its command looks up the approver
		// group before its transaction: kill it there.
		s.OnSlack("usergroups.users.list", func(c sim.SlackCall) {
			if c.Params["usergroup"] == faultApprovers {
				kill()
			}
		})
	}, check: func(t *testing.T, s *Harness) {
		if n := len(s.Events(1, runStep("approved"))); n != 1 {
			t.Errorf("approved events = %d, want 1 (the click, run again from the inbox after the restart)", n)
		}
	}},
	"approval/right-after-200": {afterClick: true},
	"post/approved-message": {arm: func(s *Harness, kill func()) {
		s.OnSlack("chat.postMessage", func(c sim.SlackCall) {
			if strings.Contains(c.Params["text"], "approved fault-restart") {
				kill() // Slack has the message; tocsin never heard
			}
		})
	}},
	"runstatus/post": {arm: func(s *Harness, kill func()) {
		s.OnSlack("chat.postMessage", func(c sim.SlackCall) {
			if strings.Contains(c.Params["blocks"], `"inc:1:runstatus:`) {
				kill()
			}
		})
	}},
	"pagerduty/trigger-sent": {arm: func(s *Harness, kill func()) {
		s.PD.OnEvent("trigger", func(sim.PagerDutyEvent) { kill() }) // PagerDuty has it; tocsin never heard
	}, check: func(t *testing.T, s *Harness) {
		incs := s.PD.Incidents()
		if len(incs) != 1 || s.PD.EventCount("trigger") != 2 || len(incs[0].Actions) != 2 {
			t.Errorf("PagerDuty incidents %+v after %d triggers; want one, triggered again by the retry with the same dedup key",
				incs, s.PD.EventCount("trigger"))
		}
	}},
	"ssm/send-command": {arm: func(s *Harness, kill func()) {
		s.AWS.SSM.OnCall("SendCommand", func(c sim.SSMCall) { kill() })
	}, check: func(t *testing.T, s *Harness) {
		started := s.Events(1, runStep("started"))
		if sends, _ := ssmCalls(s, "SendCommand"); sends != 1 || len(started) != 1 || started[0].Datum("reused") != "true" {
			t.Errorf("SendCommand calls = %d, started %+v; want 1, found again by its marker (reused)", sends, started)
		}
	}},
	"ssm/poll": {arm: func(s *Harness, kill func()) {
		s.AWS.SSM.OnCall("GetCommandInvocation", func(c sim.SSMCall) {
			if c.Error == "" {
				kill()
			}
		})
	}},
}

// crashRuns are the runs of the flow: each kills tocsin at every one of its
// points, in the flow's order, restarting it after each. Points that could
// hide one another (a kill at create leaves the purpose to the adoption)
// are in different runs.
var crashRuns = map[string][]string{
	"intake":  {"intake/body-in-flight", "intake/committed-not-answered"},
	"steps-a": {"channel/create", "header/post", "approval/answered-not-committed", "ssm/send-command", "runstatus/post"},
	"steps-b": {"channel/purpose", "header/pin", "pagerduty/trigger-sent", "approval/right-after-200", "post/approved-message", "ssm/poll"},
}

// TestFault_CrashMatrix runs the main flow — an alarm opens an incident, its
// channel is created and marked, the header posted and pinned, PagerDuty
// paged by hand (/incident page), a runbook
// requested, approved with a button, sent to SSM and followed to its end —
// once without a crash and then with tocsin SIGKILLed at each crash point and
// restarted on the same store; every run must end in the same state. It
// runs on each store backend.
func TestFault_CrashMatrix(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		var baseline flowState
		t.Run("none", func(t *testing.T) { baseline = runCrashFlow(t, db(t), nil) })
		if t.Failed() {
			return
		}
		for _, run := range slices.Sorted(maps.Keys(crashRuns)) {
			t.Run(run, func(t *testing.T) {
				t.Parallel()
				if diff := cmp.Diff(baseline, runCrashFlow(t, db(t), crashRuns[run])); diff != "" {
					t.Errorf("final state differs from the run without a crash (-want +got):\n%s", diff)
				}
			})
		}
	})
}
