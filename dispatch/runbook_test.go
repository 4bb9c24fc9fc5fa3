package dispatch_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

func declare(h *harness) incident.ID {
	res := h.do(dispatch.Command{Kind: dispatch.Declare, Actor: "U0REQUESTER", Text: "api is down", Severity: incident.SEV2})
	h.drain()
	return res.Incident.ID
}

// requestRun has U0REQUESTER ask for runbook (with unit=api) on incident
// id, and returns the id of the run the request recorded.
func (h *harness) requestRun(id incident.ID, runbook string) string {
	h.t.Helper()
	h.do(dispatch.Command{Kind: dispatch.RunbookReq, Incident: id, Actor: "U0REQUESTER", Runbook: runbook, Args: map[string]string{"unit": "api"}})
	evs := h.timeline(id)
	return evs[len(evs)-1].Data["run"]
}

func TestRunbook_ApprovedAndRun(t *testing.T) {
	h := newHarness(t)
	id := declare(h)
	res := h.do(dispatch.Command{Kind: dispatch.RunbookReq, Incident: id, Actor: "U0REQUESTER", Runbook: "restart-api", Args: map[string]string{"unit": "api"}})
	if !strings.Contains(res.Message, "Asked for approval") {
		t.Fatalf("request: %q", res.Message)
	}
	runID := res.Incident.ID.String()
	evs := h.timeline(id)
	runID = evs[len(evs)-1].Data["run"]
	h.drain()
	for _, who := range []string{"U0REQUESTER", "U0STRANGER"} { // self-approval is off; a stranger is no approver
		r := h.do(dispatch.Command{Kind: dispatch.Approve, Incident: id, Actor: who, RunID: runID})
		if !strings.Contains(r.Message, "not counted") {
			t.Errorf("approval by %s: %q; want it refused", who, r.Message)
		}
	}
	if n := len(h.ssm.Commands()); n != 0 {
		t.Fatalf("SSM got %d commands before a valid approval", n)
	}
	h.do(dispatch.Command{Kind: dispatch.Approve, Incident: id, Actor: "U0APPROVER", RunID: runID})
	h.drain() // ssm.start -> SendCommand
	for i := 0; i < 10; i++ {
		h.clock.Advance(5 * time.Second)
		h.drain()
	}
	cmds := h.ssm.Commands()
	if len(cmds) != 1 {
		t.Fatalf("SSM commands = %d, want exactly 1", len(cmds))
	}
	want := map[string][]string{"commands": {"systemctl restart api"}}
	if diff := cmp.Diff(want, cmds[0].Parameters); diff != "" || cmds[0].Document != "AWS-RunShellScript" {
		t.Errorf("sent %s with parameters (-want +got):\n%s", cmds[0].Document, diff)
	}
	got := steps(h.timeline(id))
	wantSteps := []string{"requested", "approval-refused", "approval-refused", "approved", "started", "finished"}
	if diff := cmp.Diff(wantSteps, got); diff != "" {
		t.Errorf("timeline steps (-want +got):\n%s", diff)
	}
	if !contains(h.slack.texts, "finished") {
		t.Errorf("no finished message posted: %q", h.slack.texts)
	}
}

func TestRunbook_Refused(t *testing.T) {
	for name, args := range map[string]map[string]string{
		"command substitution": {"unit": "$(reboot)"},
		"chained command":      {"unit": "api; rm -rf /"},
		"newline":              {"unit": "api\nreboot"},
		"over-long":            {"unit": strings.Repeat("a", 5000)},
		"unknown input":        {"unit": "api", "extra": "x"},
		"missing input":        {},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			id := declare(h)
			res := h.do(dispatch.Command{Kind: dispatch.RunbookReq, Incident: id, Actor: "U0REQUESTER", Runbook: "restart-api", Args: args})
			if !strings.HasPrefix(res.Message, "Not run:") || !strings.Contains(res.Message, "unit") && !strings.Contains(res.Message, "extra") {
				t.Errorf("message %q; want a refusal naming the input", res.Message)
			}
			h.drain()
			if len(h.ssm.Calls()) != 0 {
				t.Errorf("SSM was called")
			}
			if got := steps(h.timeline(id)); len(got) != 1 || got[0] != "refused" {
				t.Errorf("timeline steps %v; want the refusal recorded", got)
			}
		})
	}
	h := newHarness(t)
	id := declare(h)
	res := h.do(dispatch.Command{Kind: dispatch.RunbookReq, Incident: id, Actor: "U1", Runbook: "format-disk"})
	if !strings.Contains(res.Message, "no runbook named") {
		t.Errorf("unknown runbook: %q", res.Message)
	}
}

func TestRunbook_Expired(t *testing.T) {
	h := newHarness(t)
	id := declare(h)
	runID := h.requestRun(id, "restart-api")
	h.clock.Advance(16 * time.Minute)
	h.drain()
	r := h.do(dispatch.Command{Kind: dispatch.Approve, Incident: id, Actor: "U0APPROVER", RunID: runID})
	if !strings.Contains(r.Message, "expired") {
		t.Errorf("late approval: %q", r.Message)
	}
	h.drain()
	if len(h.ssm.Calls()) != 0 {
		t.Error("an expired request reached SSM")
	}
}

func TestRunbook_CrashAfterSendCommand(t *testing.T) {
	h := newHarness(t)
	id := declare(h)
	runID := h.requestRun(id, "restart-api")
	h.do(dispatch.Command{Kind: dispatch.Approve, Incident: id, Actor: "U0APPROVER", RunID: runID})
	// SendCommand succeeds but the process dies before the result is stored:
	// run the start twice, as a restarted worker would.
	due, _ := h.db.Due(h.clock.Now(), 100)
	var start incident.Effect
	for _, e := range due {
		if e.Kind == dispatch.EffSSMStart {
			start = e
		}
	}
	runs := h.worker.Executors[dispatch.EffSSMStart]
	inc, _ := h.db.Incident(t.Context(), id)
	if _, err := runs.Execute(t.Context(), start, inc); err != nil { // the attempt whose result was lost
		t.Fatal(err)
	}
	h.drain() // the restarted worker performs the same effect again
	for i := 0; i < 10; i++ {
		h.clock.Advance(5 * time.Second)
		h.drain()
	}
	if n := len(h.ssm.Commands()); n != 1 {
		t.Fatalf("SSM commands = %d; a retry after a crash must not send again", n)
	}
	if got := steps(h.timeline(id)); !cmp.Equal(got, []string{"requested", "approved", "started", "finished"}) {
		t.Errorf("steps %v", got)
	}
}
