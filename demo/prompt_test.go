package demo

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/e2e"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestDemo_Prompt drives the interactive prompt as a newcomer would: help,
// switching user and channel, declaring an incident, listing and clicking
// its buttons, firing an alarm, a typo, and finally Ctrl-C.
func TestDemo_Prompt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tocsin and the stand-ins")
	}
	tmp := t.TempDir()
	env := map[string]string{"TOCSIN_ADDR": e2e.FreeAddr(t), "TMPDIR": tmp, "TOCSIN_LOG_LEVEL": "debug"}
	stdin, typed := io.Pipe()
	defer typed.Close()
	out, logs := &e2e.SyncBuffer{}, &e2e.SyncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- playDemo(ctx, demoOptions{getenv: func(k string) string { return env[k] }, stdout: out, stderr: logs,
			stdin: stdin, interactive: true})
	}()
	from := 0
	expect := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			if i := strings.Index(out.String()[from:], want); i >= 0 {
				from += i + len(want)
				return
			}
			select {
			case err := <-done:
				t.Fatalf("the demo ended (%v) before saying %q:\n%s", err, want, out.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("the demo did not say %q after what it said before:\n%s", want, out.String()[from:])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var logged int // tocsin's log when the prompt began
	for _, step := range []struct{ line, want string }{
		{"", "`logs` shows it"},
		{"", "alice in #incidents> "},
		{"help", "click N              click button N of the last listing"},
		{"as bob", "bob in #incidents> "},
		{"/incident declare Payments are slow sev2", "#inc-1-payments-are-slow: pinned the header"},
		{"channel INC-1", "bob in #inc-1-payments-are-slow> "},
		{"buttons", " 1. [Acknowledge]"},
		{"click 1", "tocsin     INC-1 acknowledged by @bob"},
		{"/incident help", "role <commander|comms|scribe> <@person>"}, // the help's blocks, not only its first line
		{"as @alice", "alice in #inc-1-payments-are-slow> "},
		{"/incident role comms @bob", "@bob is now comms of INC-1"},
		{"/incident timeline", "Timeline of INC-1"},
		{"", "acknowledged by @bob"}, // a line of the timeline's blocks
		{"", "role by @alice"},
		{"fire search-cpu-high", "tocsin     INC-2 opened by alarm search-cpu-high: SEV2, service search, playbook demo-search-cpu"},
		{"click 99", "click a number from the last `buttons` listing"},
		{"flurb", `unknown command "flurb"; type help`},
		{"buttons", "[Add note]"},
		{"click <Add note>", "tocsin opened the form “Note on INC-1” asking for note"},
		{"submit checked the deploy log", "INC-1 note by @alice: checked the deploy log"},
		{"", "Added to the timeline of INC-1"},
		{"logs", `{"time":`},
	} {
		if step.line == "click <Add note>" {
			step.line = "click " + addNote(out.String()[:from])
		}
		if step.line != "" {
			if _, err := io.WriteString(typed, step.line+"\n"); err != nil {
				t.Fatalf("type %q: %v", step.line, err)
			}
		}
		expect(step.want)
		if step.want == "`logs` shows it" { // the prompt holds tocsin's log from here on
			logged = len(logs.String())
		}
	}
	if n := len(logs.String()); n != logged {
		t.Errorf("tocsin's log was written while the prompt ran:\n%s", logs.String()[logged:])
	}
	cancel() // Ctrl-C
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Ctrl-C: the demo returned %v, want a clean stop", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop after Ctrl-C")
	}
	expect("Interrupted: tocsin and the stand-ins are shut down")
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the demo left %d entries in its TMPDIR", len(entries))
	}
}

// addNote finds the number the prompt gave the Add note button in its last
// `buttons` listing.
func addNote(out string) string {
	i := strings.LastIndex(out, ". [Add note]")
	if i < 0 {
		return "0"
	}
	start := strings.LastIndex(out[:i], "\n") + 1
	return strings.TrimSpace(out[start:i])
}

// TestDemo_Buttons: the prompt finds the buttons and checkboxes in the
// blocks tocsin renders, with what a click must send back.
func TestDemo_Buttons(t *testing.T) {
	inc := incident.Incident{ID: 7, Title: "api 5xx", Status: incident.StatusDetected, Severity: incident.SEV2,
		Extra: map[string]string{"runbooks": "run-diagnostics"}}
	run := bot.RunView{ID: "7-4", Incident: 7, Runbook: "restart-ec2-instance", Document: "AWS-RestartEC2Instance"}
	for _, c := range []struct {
		name   string
		blocks []slack.Block
		want   []demoButton
	}{
		{"header", bot.HeaderBlocks(inc), []demoButton{
			{Kind: "button", ActionID: bot.ActionAck, BlockID: "inc:7", Value: "inc:7", Label: "Acknowledge"},
			{Kind: "button", ActionID: bot.ActionMitigated, BlockID: "inc:7", Value: "inc:7", Label: "Mitigated"},
			{Kind: "button", ActionID: bot.ActionResolve, BlockID: "inc:7", Value: "inc:7:SEV2", Label: "Resolve"},
			{Kind: "button", ActionID: bot.ActionRunbook + ":0", BlockID: "inc:7", Value: "run-diagnostics", Label: "Run run-diagnostics"},
			{Kind: "button", ActionID: bot.ActionNote, BlockID: "inc:7", Value: "inc:7", Label: "Add note"},
		}},
		{"approval", bot.ApprovalBlocks(run), []demoButton{
			{Kind: "button", ActionID: bot.ActionApprove, BlockID: "inc:7:run", Value: "7-4", Label: "Approve"},
			{Kind: "button", ActionID: bot.ActionDeny, BlockID: "inc:7:run", Value: "7-4", Label: "Deny"},
		}},
		{"checklist", bot.ChecklistBlocks(7, []bot.ChecklistItem{{Text: "Check the graph"}, {Text: "Roll back", Done: true}}), []demoButton{
			{Kind: "checkboxes", ActionID: bot.ActionCheck, BlockID: "inc:7:item:0", Value: "0", Label: "☐ Check the graph"},
			{Kind: "checkboxes", ActionID: bot.ActionCheck, BlockID: "inc:7:item:1", Value: "1", Label: "☑ Roll back", Checked: true},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, err := json.Marshal(c.blocks)
			if err != nil {
				t.Fatal(err)
			}
			for i := range c.want {
				c.want[i].Channel, c.want[i].TS = "C1", "1.000001"
			}
			got := buttons("C1", sim.SlackMessage{TS: "1.000001", Blocks: raw})
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("buttons (-want +got):\n%s", diff)
			}
		})
	}
}
