package bot

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/golden"
	"github.com/tocsin-dev/tocsin/incident"
)

// injection is what an attacker might put in an alarm description or title.
const injection = "<!channel> <!here> <@U0EVIL> & <https://evil.example|click>"

// fixedIncident is the incident the header golden file shows.
func fixedIncident() incident.Incident {
	at := func(h, m int) time.Time { return time.Date(2024, 5, 1, h, m, 0, 0, time.UTC) }
	return incident.Incident{
		ID: 42, Title: "API 5xx " + injection, Severity: incident.SEV2, Status: incident.StatusDetected,
		Service: "api", Source: "alarm", Playbook: "api-errors",
		Roles:   map[incident.Role]string{incident.RoleCommander: "U0ALICE", incident.RoleScribe: "<@U0EVIL>"},
		Channel: incident.Channel{ID: "C0INC42", Name: "inc-42-api-5xx", HeaderTS: "1714571000.000100"},
		Alarms: []incident.LinkedAlarm{
			{Name: "api-5xx " + injection, ARN: "arn:aws:cloudwatch:eu-west-1:1:alarm:api-5xx", State: incident.StateAlarm, ChangedAt: at(14, 2), FirstAt: at(14, 2), Alarms: 3, Flaps: 2},
			{Name: "api-latency", ARN: "arn:aws:cloudwatch:eu-west-1:1:alarm:api-latency", State: incident.StateOK, ChangedAt: at(14, 10), FirstAt: at(14, 3), Alarms: 1},
		},
		StartMethod: "alarm StateChangeTime minus evaluation period",
		Extra:       map[string]string{"runbooks": "restart-api, scale-api,bad name"},
		Timestamps:  incident.Timestamps{StartedAt: at(13, 58), DetectedAt: at(14, 2)},
		UpdatedAt:   at(14, 10),
	}
}

func fixedRun() RunView {
	return RunView{
		ID: "run-7", Incident: 42, Runbook: "restart-api", Document: "tocsin-RestartService",
		Targets:     []string{"i-0abc", "i-0def"},
		Params:      map[string]string{"service": "api", "reason": injection, "drain": "30s"},
		RequestedBy: "U0BOB", Expires: time.Date(2024, 5, 1, 14, 40, 0, 0, time.UTC),
	}
}

func TestHeaderBlocks_Golden(t *testing.T) {
	checkGolden(t, "header.golden", HeaderBlocks(fixedIncident()))
}

func TestApprovalBlocks_Golden(t *testing.T) {
	checkGolden(t, "approval.golden", ApprovalBlocks(fixedRun()))
}

func TestDecidedApprovalBlocks_Golden(t *testing.T) {
	checkGolden(t, "approval-decided.golden", DecidedApprovalBlocks(fixedRun(), "approved", "U0CAROL", time.Date(2024, 5, 1, 14, 21, 0, 0, time.UTC)))
}

// TestBlocks_Escaping renders everything with injected mentions and checks
// that no mrkdwn text carries them as markup.
func TestBlocks_Escaping(t *testing.T) {
	inc := fixedIncident()
	ev := incident.Event{Type: incident.EventNote, At: inc.UpdatedAt, Actor: "<!channel>", Text: injection}
	rendered := map[string][]slack.Block{
		"header":    HeaderBlocks(inc),
		"announce":  announcementBlocks(inc, injection),
		"approval":  ApprovalBlocks(fixedRun()),
		"decided":   DecidedApprovalBlocks(fixedRun(), "denied", "<!channel>", inc.UpdatedAt),
		"runstatus": runStatusBlocks(fixedRun(), injection),
		"checklist": ChecklistBlocks(42, []ChecklistItem{{Text: injection}, {Text: "page <!here>", Done: true}}),
		"timeline":  timelineBlocks(42, []incident.Event{ev}),
		"list":      listBlocks([]incident.Incident{inc}),
	}
	for name, blocks := range rendered {
		bads := []string{"<!channel>", "<!here>", "<@U0EVIL>", "<https://evil"}
		if name == "announce" { // dispatch's mrkdwn may mention one person
			bads = bads[:2]
		}
		for _, text := range mrkdwnTexts(t, blocks) {
			for _, bad := range bads {
				if strings.Contains(text, bad) {
					t.Errorf("%s: mrkdwn %q contains %q", name, text, bad)
				}
			}
		}
	}
	if topic := Topic(inc); strings.Contains(topic, "<!") || strings.Contains(topic, "<@U0EVIL") {
		t.Errorf("topic %q carries markup", topic)
	}
}

func TestApprovalBlocks_ShowsEveryValue(t *testing.T) {
	run := fixedRun()
	var texts []string
	walkTexts(t, ApprovalBlocks(run), func(typ, text string) { texts = append(texts, text) })
	all := strings.Join(texts, "\n")
	want := []string{run.Document, "i-0abc", "i-0def", "service = api", "drain = 30s", "reason = " + injection}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("approval does not show %q", w)
		}
	}
}

func TestRunViewFromData(t *testing.T) {
	got, err := runViewFromData(42, map[string]string{
		"run": "run-7", "runbook": "restart-api", "document": "tocsin-RestartService",
		"targets": "i-0abc, i-0def", "params": `{"service":"api"}`, "requested_by": "U0BOB",
		"expires": "2024-05-01T14:40:00Z",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := fixedRun()
	want.Params = map[string]string{"service": "api"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunViewFromData mismatch (-want +got):\n%s", diff)
	}
	t.Run("RequestedEvent", func(t *testing.T) {
		got, err := runViewFromData(42, map[string]string{
			"run": "run-7", "runbook": "restart-api", "step": "requested", "by": "U0BOB",
			"plan": `{"runbook":"restart-api","kind":"command","document":"tocsin-RestartService","instance_ids":["i-0abc","i-0def"],` +
				`"targets":[{"key":"tag:Service","values":["api","web"]}],"parameters":{"service":["api"],"drain":["30s","60s"]}}`,
			"expires_at": "2024-05-01T14:40:00Z",
		})
		if err != nil {
			t.Fatal(err)
		}
		want := fixedRun()
		want.Targets = append(want.Targets, "tag:Service=api,web")
		want.Params = map[string]string{"service": "api", "drain": `["30s","60s"]`}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	if _, err := runViewFromData(42, map[string]string{"runbook": "x"}); err == nil {
		t.Error("a run without an id was accepted")
	}
}

func TestParseChecklist(t *testing.T) {
	for _, in := range []string{`["a","b"]`, `[{"text":"a"},{"text":"b","done":true}]`, "a\n b \n\n"} {
		items, err := parseChecklist(in)
		if err != nil || len(items) != 2 || items[1].Text != "b" {
			t.Errorf("ParseChecklist(%s) = %v, %v", in, items, err)
		}
	}
	for _, bad := range []string{`[{"a":1`, " \n "} {
		if _, err := parseChecklist(bad); err == nil {
			t.Errorf("ParseChecklist(%q) accepted", bad)
		}
	}
}

func mrkdwnTexts(t *testing.T, blocks []slack.Block) []string {
	var out []string
	walkTexts(t, blocks, func(typ, text string) {
		if typ == slack.MarkdownType {
			out = append(out, text)
		}
	})
	return out
}

// walkTexts calls fn with the type and text of every text object.
func walkTexts(t *testing.T, blocks []slack.Block, fn func(typ, text string)) {
	t.Helper()
	raw, err := json.Marshal(slack.Blocks{BlockSet: blocks})
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if typ, ok := x["type"].(string); ok {
				if text, ok := x["text"].(string); ok {
					fn(typ, text)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
}

func checkGolden(t *testing.T, name string, blocks []slack.Block) {
	t.Helper()
	got, err := json.MarshalIndent(slack.Blocks{BlockSet: blocks}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", name), string(got)+"\n")
}

func TestApprovalBlocks_ManyTargets(t *testing.T) {
	run := fixedRun()
	run.Targets = nil
	for i := range 500 {
		run.Targets = append(run.Targets, fmt.Sprintf("i-%017d", i))
	}
	blocks := ApprovalBlocks(run)
	if len(blocks) > 50 {
		t.Fatalf("%d blocks, Slack allows 50", len(blocks))
	}
	var all strings.Builder
	walkTexts(t, blocks, func(_, text string) { all.WriteString(text + "\n") })
	for _, target := range run.Targets {
		if !strings.Contains(all.String(), target+"\n") {
			t.Fatalf("target %s is not shown", target)
		}
	}
}

func TestSafeMrkdwn(t *testing.T) {
	tests := map[string]string{
		"<@U0ALICE> acked *INC-1*":                                               "<@U0ALICE> acked *INC-1*",
		"paging <!subteam^S0SRE> in <#C01>":                                      "paging <!subteam^S0SRE> in <#C01>",
		"<!channel> <!here|here> <!everyone>":                                    "&lt;!channel&gt; &lt;!here|here&gt; &lt;!everyone&gt;",
		"<https://evil.example|docs>":                                            "&lt;https://evil.example|docs&gt;",
		"<@U0ALICE|alice> a < b > c":                                             "&lt;@U0ALICE|alice&gt; a &lt; b &gt; c",
		"<<@U0ALICE>> &amp; <":                                                   "&lt;<@U0ALICE>&gt; &amp; &lt;",
		"<person:U0ALICE> paged <group:S0ONCALL>":                                "<@U0ALICE> paged <!subteam^S0ONCALL>",
		"<person:everyone> <group:!here>":                                        "&lt;person:everyone&gt; &lt;group:!here&gt;",
		"at <time:1772989200>":                                                   "at <!date^1772989200^{date_short_pretty} {time}|Sun 8 Mar 2026 17:00 UTC>",
		"<!date^1772989200^{date_short_pretty} {time}|Sun 8 Mar 2026 17:00 UTC>": "<!date^1772989200^{date_short_pretty} {time}|Sun 8 Mar 2026 17:00 UTC>",
		"<time:x1> <time:> <time:1234567890123>":                                 "&lt;time:x1&gt; &lt;time:&gt; &lt;time:1234567890123&gt;",
		"<time:1|<!channel>>":                                                    "&lt;time:1|&lt;!channel&gt;&gt;",
		"<!date^1^{time}|evil> <!date^0^{date_short_pretty} {time}|now>":         "&lt;!date^1^{time}|evil&gt; &lt;!date^0^{date_short_pretty} {time}|now&gt;",
		"see <link:https://tocsin.example.com/incidents/42>":                     "see <https://tocsin.example.com/incidents/42|INC-42>",
		"<link:https://t.example/metrics-view?since=30d> <link:https://t.example/?since=7d>": "<https://t.example/metrics-view?since=30d|the metrics view> " +
			"<https://t.example/?since=7d|the incident list>",
		"<link:javascript:alert(1)> <link:https://t.example/admin> <link:https://a@t.example/>": "&lt;link:javascript:alert(1)&gt; " +
			"&lt;link:https://t.example/admin&gt; &lt;link:https://a@t.example/&gt;",
		"<https://t.example/incidents/42|INC-42> <https://t.example/incidents/42|INC-43>": "<https://t.example/incidents/42|INC-42> " +
			"&lt;https://t.example/incidents/42|INC-43&gt;",
	}
	for in, want := range tests {
		if got := SafeMrkdwn(in); got != want {
			t.Errorf("SafeMrkdwn(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeMrkdwn checks that whatever goes in, every '<' that comes out
// opens a mention of one user, group or channel.
func FuzzSafeMrkdwn(f *testing.F) {
	f.Add("<@U0ALICE> <!channel> <https://x|y> <<@U1>>")
	f.Add("<person:U0ALICE> <group:S01> <person:<@U1>>")
	f.Add("<time:1772989200> <!date^1^{date_short_pretty} {time}|Thu 1 Jan 1970 00:00 UTC> <time:1|x>")
	f.Add("<link:https://t.example/incidents/1> <https://t.example/incidents/1|INC-1> <link:https://t.example/?q=<x>>")
	f.Fuzz(func(t *testing.T, in string) {
		out := SafeMrkdwn(in)
		for i := strings.IndexByte(out, '<'); i >= 0; i = strings.IndexByte(out, '<') {
			j := strings.IndexByte(out[i:], '>')
			if j < 0 {
				t.Fatalf("SafeMrkdwn(%q) = %q leaves an unclosed '<'", in, out)
			}
			if m, ok := safeMarkup(out[i+1 : i+j]); !ok || m != out[i:i+j+1] {
				t.Fatalf("SafeMrkdwn(%q) = %q lets through %q", in, out, out[i:])
			}
			out = out[i+j+1:]
		}
	})
}

// An automation takes its targets as a parameter: the approval must not say
// it runs on no target.
func TestApprovalBlocks_AutomationTargets(t *testing.T) {
	run := RunView{ID: "1-5", Incident: 1, Runbook: "restart-ec2-instance", Document: "AWS-RestartEC2Instance",
		Params: map[string]string{"InstanceId": "i-0abc123def4567890"}}
	b, _ := json.Marshal(ApprovalBlocks(run))
	if s := string(b); strings.Contains(s, "Targets: none") || strings.Contains(s, "0 target(s)") || !strings.Contains(s, "given by the parameters below") {
		t.Errorf("approval blocks: %s", s)
	}
}
