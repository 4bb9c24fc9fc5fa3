package demo

import (
	"bytes"
	"image/png"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/runbooks"
	"github.com/tocsin-dev/tocsin/sim"
)

// The checks of TestDemo_Scenario, one per kind of outcome.

func botMessages(s *demoSnapshot, channel string) []sim.SlackMessage {
	var out []sim.SlackMessage
	for _, m := range s.messages[channel] {
		if m.User == sim.SlackBotUserID && !m.Deleted {
			out = append(out, m)
		}
	}
	return out
}

func blocksText(m sim.SlackMessage) string { return strings.Join(sim.SlackBlocksText(m.Blocks), "\n") }

// only returns the one bot message of a channel whose text contains text.
func only(t *testing.T, s *demoSnapshot, channel, text string) sim.SlackMessage {
	t.Helper()
	var found []sim.SlackMessage
	for _, m := range botMessages(s, channel) {
		if strings.Contains(m.Text, text) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Errorf("#%s: %d messages contain %q, want 1", channel, len(found), text)
		return sim.SlackMessage{}
	}
	return found[0]
}

func file(t *testing.T, s *demoSnapshot, channel, name string) sim.SlackFile {
	t.Helper()
	for _, ch := range s.channels {
		for _, f := range s.files {
			if ch.Name == channel && f.Channel == ch.ID && f.Name == name {
				return f
			}
		}
	}
	t.Errorf("#%s: no file %s", channel, name)
	return sim.SlackFile{}
}

func checkPNG(t *testing.T, f sim.SlackFile) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(f.Data))
	if err != nil {
		t.Errorf("%s is not a PNG: %v", f.Name, err)
		return
	}
	if b := img.Bounds(); b.Dx() != 800 || b.Dy() != 400 {
		t.Errorf("%s is %dx%d, want 800x400", f.Name, b.Dx(), b.Dy())
	}
}

func checkDemoMessages(t *testing.T, s *demoSnapshot) {
	const one, two = "inc-1-search-cpu-high", "inc-2-checkout-alb-target-5xx"
	for ch, head := range map[string]string{one: "INC-1 · SEV2 · search-cpu-high", two: "INC-2 · SEV1 · checkout-alb-target-5xx"} {
		var pinned []sim.SlackMessage
		for _, m := range botMessages(s, ch) {
			if m.Pinned {
				pinned = append(pinned, m)
			}
		}
		if len(pinned) != 1 || !strings.HasPrefix(blocksText(pinned[0]), head) || !strings.Contains(blocksText(pinned[0]), ":large_green_circle: *Resolved*") {
			t.Errorf("#%s: pinned headers %+v; want one, %q, showing resolved", ch, pinned, head)
		}
		id := strings.ToUpper(strings.Join(strings.SplitN(ch, "-", 3)[:2], "-"))
		list := only(t, s, ch, "Checklist for "+id)
		if boxes := buttons(ch, list); len(boxes) != 4 || boxes[0].Kind != "checkboxes" {
			t.Errorf("#%s: checklist has %d items (%+v), want the playbook's 4 as checkboxes", ch, len(boxes), boxes)
		}
		only(t, s, ch, id+" is still not acknowledged after 15s. <!subteam^S0DEMOONCALL> please take a look.")
	}
	if diag := only(t, s, one, "run-diagnostics (run 1-2) finished: Success"); !strings.Contains(blocksText(diag), "search-indexer.jar") {
		t.Errorf("the diagnostics' output is not posted: %q", blocksText(diag))
	}
	// The approval request, once approved, says so and has no buttons left.
	approval := only(t, s, one, "Run 1-11 of restart-ec2-instance for INC-1: approved")
	for _, want := range []string{"*Approved*: run *restart-ec2-instance* for INC-1, requested by <@U0BOB>", "Document: AWS-RestartEC2Instance",
		"Run: 1-11", "Parameters (1):", "InstanceId = " + demoInstance, "Approved by <@U0ALICE>"} {
		if !strings.Contains(blocksText(approval), want) {
			t.Errorf("the approval request does not say %q:\n%s", want, blocksText(approval))
		}
	}
	if b := buttons(one, approval); len(b) != 0 {
		t.Errorf("the approved request still has buttons %+v", b)
	}
	if done := only(t, s, one, "restart-ec2-instance (run 1-11) finished: Success"); !strings.Contains(blocksText(done), "stopInstances: Success\nstartInstances: Success") {
		t.Errorf("the restart's steps are not posted: %q", blocksText(done))
	}
	only(t, s, one, "approved restart-ec2-instance (run 1-11). Starting it.")
	only(t, s, two, "All alarms of INC-2 are OK again.")
	checkPNG(t, file(t, s, one, "search-cpu-high.png"))
	// INC-2's graph is of its newest alarm when the upload runs: any of the four.
	var graphs []string
	for _, f := range s.files {
		if strings.HasSuffix(f.Name, ".png") && f.Name != "search-cpu-high.png" {
			graphs = append(graphs, f.Name)
			checkPNG(t, file(t, s, two, f.Name))
		}
	}
	if len(graphs) != 1 || !strings.HasPrefix(graphs[0], "checkout-alb-") {
		t.Errorf("graphs of INC-2: %q; want one, of one of its alarms", graphs)
	}
	if md := file(t, s, one, "inc-1-review.md"); !strings.HasPrefix(string(md.Data), "# Post-incident review: INC-1") {
		t.Errorf("the review file starts %.60q", md.Data)
	}
	var announced []string // in the order the two channels were ready
	for _, m := range botMessages(s, demoAnnounce) {
		announced = append(announced, m.Text)
	}
	slices.Sort(announced)
	if len(announced) != 2 || announced[0] != "INC-1 · SEV2 · search-cpu-high" || !strings.HasPrefix(announced[1], "INC-2 · SEV") {
		t.Errorf("announcements in #%s: %q; want one of each incident", demoAnnounce, announced)
	}
}

func checkDemoSSM(t *testing.T, s *demoSnapshot) {
	var sent []map[string]any
	for _, c := range s.ssmCalls {
		if c.Error != "" {
			t.Errorf("SSM %s failed: %s", c.Op, c.Error)
		}
		if c.Op == "SendCommand" || c.Op == "StartAutomationExecution" {
			sent = append(sent, map[string]any{"Op": c.Op, "Input": c.Input})
		}
	}
	want := []map[string]any{
		{"Op": "SendCommand", "Input": map[string]any{
			"DocumentName": "AWS-RunShellScript", "InstanceIds": []any{demoInstance}, "TimeoutSeconds": float64(120),
			"Comment":    "tocsin:1-2 run-diagnostics",
			"Parameters": map[string]any{"commands": []any{"uptime", "df -h", "free -m", "top -b -n1 | head -20"}, "executionTimeout": []any{"60"}},
		}},
		{"Op": "StartAutomationExecution", "Input": map[string]any{
			"DocumentName": "AWS-RestartEC2Instance", "ClientToken": runbooks.ClientToken("1-11"),
			"Parameters": map[string]any{"InstanceId": []any{demoInstance}},
		}},
	}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("SSM runs (-want +got); exactly one call per run:\n%s", diff)
	}
	if len(s.commands) != 1 || s.commands[0].Status != "Success" || len(s.automations) != 1 || s.automations[0].Status != "Success" {
		t.Errorf("commands %+v, automations %+v; want one of each, both Success", s.commands, s.automations)
	}
}

// eventKey names an event for comparing timelines: its type and what
// distinguishes it from its neighbours.
func eventKey(e incident.Event) string {
	d := e.Data
	switch e.Type {
	case incident.EventOpened:
		return "opened " + d["alarm_name"]
	case incident.EventAlarm:
		return "alarm " + d["alarm_name"] + " " + d["state"]
	case incident.EventSeverity:
		return "severity " + d["severity"]
	case incident.EventEscalated:
		return "escalated step " + d["step"]
	case incident.EventRole:
		return "role " + d["role"] + " " + d["user"]
	case incident.EventRunbook:
		return strings.Join(slices.DeleteFunc([]string{"runbook", d["run"], d["runbook"], d["step"], d["status"], e.Actor},
			func(s string) bool { return s == "" }), " ")
	case incident.EventAcknowledged, incident.EventMitigated, incident.EventResolved:
		return string(e.Type) + " " + e.Actor
	case incident.EventPaged:
		return "paged " + d["action"] + " " + d["target"]
	}
	return string(e.Type)
}

// The events the outbox records as it creates the channel, posts the
// header and announces the incident: they interleave with the alarms of the storm and the first run,
// so they are checked apart, for their own order and their place before
// the escalation.
var asyncEvents = []incident.EventType{incident.EventChannel, incident.EventHeader, incident.EventAnnounced}

func checkDemoTimelines(t *testing.T, s *demoSnapshot) {
	want := map[incident.ID][]string{
		1: {"opened search-cpu-high",
			"runbook 1-2 run-diagnostics requested tocsin", "runbook 1-2 run-diagnostics started tocsin",
			"runbook 1-2 run-diagnostics finished Success tocsin",
			"escalated step 1", "acknowledged U0ALICE", "role commander U0ALICE",
			"runbook 1-11 restart-ec2-instance requested U0BOB", "runbook 1-11 restart-ec2-instance approved U0ALICE",
			"runbook 1-11 restart-ec2-instance started tocsin", "runbook 1-11 restart-ec2-instance finished Success tocsin",
			"alarm search-cpu-high OK", "recovered", "mitigated U0ALICE", "resolved U0ALICE"},
		2: {"opened checkout-alb-target-5xx",
			"alarm checkout-alb-elb-5xx ALARM", "alarm checkout-alb-latency-high ALARM", "severity SEV1",
			"alarm checkout-alb-unhealthy-hosts ALARM",
			"escalated step 1", "paged trigger pagerduty", "acknowledged U0BOB", "role commander U0BOB", "paged acknowledge pagerduty",
			"alarm checkout-alb-target-5xx OK", "alarm checkout-alb-elb-5xx OK", "alarm checkout-alb-latency-high OK",
			"alarm checkout-alb-unhealthy-hosts OK", "recovered", "resolved U0BOB", "paged resolve pagerduty"},
	}
	for id, wantKeys := range want {
		var got []string
		async := map[incident.EventType]int{}
		escalated := -1
		for i, e := range s.timelines[id] {
			if slices.Contains(asyncEvents, e.Type) {
				if _, dup := async[e.Type]; dup {
					t.Errorf("%s: a second %s event", id, e.Type)
				}
				async[e.Type] = i
				continue
			}
			if e.Type == incident.EventEscalated {
				escalated = i
			}
			got = append(got, eventKey(e))
		}
		if diff := cmp.Diff(wantKeys, got); diff != "" {
			t.Errorf("%s timeline (-want +got):\n%s", id, diff)
		}
		ch, okc := async[incident.EventChannel]
		hd, okh := async[incident.EventHeader]
		if !okc || !okh || ch > hd || hd > escalated {
			t.Errorf("%s: channel event at %d, header at %d, escalation at %d; want channel < header < escalation", id, ch, hd, escalated)
		}
	}
}

func checkDemoMetrics(t *testing.T, s *demoSnapshot) {
	for _, inc := range s.incidents {
		ts := inc.Timestamps
		d := map[string]time.Duration{
			incident.MTTD: ts.DetectedAt.Sub(ts.StartedAt), incident.MTTA: ts.AcknowledgedAt.Sub(ts.DetectedAt),
			incident.MTTM: ts.MitigatedAt.Sub(ts.StartedAt), incident.MTTR: ts.ResolvedAt.Sub(ts.StartedAt),
		}
		for _, m := range incident.MetricNames() {
			got, ok := inc.Duration(m)
			wantOK := m != incident.MTTM || inc.ID == 1 // only INC-1 was marked mitigated
			if ok != wantOK || (ok && got != d[m]) || (ok && got <= 0) {
				t.Errorf("%s %s = %s, %v; want %s from the timestamps, present %v, above zero", inc.ID, m, got, ok, d[m], wantOK)
			}
		}
		// The alarms breached since three whole minutes before the minute
		// they fired in; the impact start is the first breaching datapoint.
		if !ts.StartedAt.Equal(ts.StartedAt.Truncate(time.Minute)) || d[incident.MTTD] < 3*time.Minute || d[incident.MTTD] >= 4*time.Minute+10*time.Second {
			t.Errorf("%s: started %s, detected %s; want the first breaching minute, 3 to 4 minutes before", inc.ID, ts.StartedAt, ts.DetectedAt)
		}
		if d[incident.MTTA] < 15*time.Second || d[incident.MTTA] > time.Minute {
			t.Errorf("%s: MTTA %s; the escalation at 15s comes first, the acknowledgement right after", inc.ID, d[incident.MTTA])
		}
		if inc.StartMethod != "breaching datapoints in the state reason" {
			t.Errorf("%s: start method %q", inc.ID, inc.StartMethod)
		}
	}
	var reply string
	for _, p := range s.replies {
		if strings.Contains(p.Text, "MTTR") {
			reply = p.Text
		}
	}
	// Two lines and a link: how many incidents, each metric's median (MTTM
	// measured for the one incident mitigated), and the metrics view.
	brief := regexp.MustCompile(`^\*The last 30 days\* \([^)]+\): 2 incidents\.\nMedians: MTTD \S+ · MTTA \S+ · MTTM \S+ · MTTR \S+\n` +
		`Details: <http://127\.0\.0\.1:\d+/metrics-view\?since=30d\|the metrics view>$`)
	if !brief.MatchString(reply) || strings.Contains(reply, "missing") {
		t.Errorf("/incident metrics answers:\n%s\nwant two lines with every median and a link", reply)
	}
}
