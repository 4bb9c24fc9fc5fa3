package bot

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// ignoreCommandInternals skips dispatch's own unexported Command fields.
var ignoreCommandInternals = cmpopts.IgnoreUnexported(dispatch.Command{})

var parseNow = time.Date(2024, 5, 1, 14, 30, 0, 0, time.UTC)

func TestParseCommand(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		text string
		want dispatch.Command
	}{
		{"", dispatch.Command{Kind: dispatch.Help}},
		{"help", dispatch.Command{Kind: dispatch.Help}},
		{"declare API 5xx", dispatch.Command{Kind: dispatch.Declare, Text: "API 5xx"}},
		{"declare  API   5xx on checkout sev2 service=api", dispatch.Command{Kind: dispatch.Declare, Text: "API 5xx on checkout", Severity: incident.SEV2, Service: "api"}},
		{"DECLARE SEV1 Payments down", dispatch.Command{Kind: dispatch.Declare, Text: "Payments down", Severity: incident.SEV1}},
		{"declare a &lt;b&gt; &amp; <!channel>", dispatch.Command{Kind: dispatch.Declare, Text: "a <b> & @channel"}},
		{"ack", dispatch.Command{Kind: dispatch.Ack}},
		{"INC-42 ack", dispatch.Command{Kind: dispatch.Ack, Incident: 42}},
		{"inc-7 resolve", dispatch.Command{Kind: dispatch.Resolve, Incident: 7}},
		{"#9 close", dispatch.Command{Kind: dispatch.Close, Incident: 9}},
		{"status", dispatch.Command{Kind: dispatch.StatusUpdate}}, // shows the current status
		{"status Rolling back deploy 1234", dispatch.Command{Kind: dispatch.StatusUpdate, Text: "Rolling back deploy 1234"}},
		{"status --broadcast Rolled back", dispatch.Command{Kind: dispatch.StatusUpdate, Text: "Rolled back", Broadcast: true}},
		{"status Rolled back --broadcast", dispatch.Command{Kind: dispatch.StatusUpdate, Text: "Rolled back", Broadcast: true}},
		{"sev 1", dispatch.Command{Kind: dispatch.SetSeverity, Severity: incident.SEV1}},
		{"sev SEV3", dispatch.Command{Kind: dispatch.SetSeverity, Severity: incident.SEV3}},
		{"role commander <@U123ABC|alice>", dispatch.Command{Kind: dispatch.AssignRole, Role: incident.RoleCommander, User: "U123ABC"}},
		{"role scribe <@W0BOB>", dispatch.Command{Kind: dispatch.AssignRole, Role: incident.RoleScribe, User: "W0BOB"}},
		{"role comms <@U9ZZ|Jane Doe>", dispatch.Command{Kind: dispatch.AssignRole, Role: incident.RoleComms, User: "U9ZZ"}},
		{"role IC U777", dispatch.Command{Kind: dispatch.AssignRole, Role: incident.RoleCommander, User: "U777"}},
		{"note restarted by <@U1AA|bob>, see <https://x.example/a|runbook>", dispatch.Command{Kind: dispatch.Note, Text: "restarted by @bob, see runbook (https://x.example/a)"}},
		{"started 2024-05-01T13:05:00Z", dispatch.Command{Kind: dispatch.Started, At: time.Date(2024, 5, 1, 13, 5, 0, 0, time.UTC)}},
		{"started 2024-05-01T15:05:00+02:00", dispatch.Command{Kind: dispatch.Started, At: time.Date(2024, 5, 1, 13, 5, 0, 0, time.UTC)}},
		{"started 14:05", dispatch.Command{Kind: dispatch.Started, At: time.Date(2024, 5, 1, 14, 5, 0, 0, time.UTC)}},
		{"started -15m", dispatch.Command{Kind: dispatch.Started, At: parseNow.Add(-15 * time.Minute)}},
		{"started -1h30m", dispatch.Command{Kind: dispatch.Started, At: parseNow.Add(-90 * time.Minute)}},
		{"mitigated", dispatch.Command{Kind: dispatch.Mitigated}},
		{"resolve", dispatch.Command{Kind: dispatch.Resolve}},
		{"resolve bad config rolled back", dispatch.Command{Kind: dispatch.Resolve, Text: "bad config rolled back"}},
		{"close", dispatch.Command{Kind: dispatch.Close}},
		{"reopen", dispatch.Command{Kind: dispatch.Reopen}},
		{"reopen errors are back", dispatch.Command{Kind: dispatch.Reopen, Text: "errors are back"}},
		{"timeline", dispatch.Command{Kind: dispatch.Timeline}},
		{"runbook restart-api", dispatch.Command{Kind: dispatch.RunbookReq, Runbook: "restart-api"}},
		{"runbook restart-api service=checkout count=2", dispatch.Command{Kind: dispatch.RunbookReq, Runbook: "restart-api", Args: map[string]string{"service": "checkout", "count": "2"}}},
		{`runbook scale reason="too slow now"`, dispatch.Command{Kind: dispatch.RunbookReq, Runbook: "scale", Args: map[string]string{"reason": "too slow now"}}},
		{"runbook cancel run-17", dispatch.Command{Kind: dispatch.RunbookCancel, RunID: "run-17"}},
		{"followup add a canary for config pushes", dispatch.Command{Kind: dispatch.Followup, Text: "add a canary for config pushes"}},
		{"review", dispatch.Command{Kind: dispatch.Review}},
		{"list", dispatch.Command{Kind: dispatch.List}},
		{"metrics", dispatch.Command{Kind: dispatch.Metrics, Window: 30 * day}},
		{"metrics 7d", dispatch.Command{Kind: dispatch.Metrics, Window: 7 * day}},
		{"metrics 90D", dispatch.Command{Kind: dispatch.Metrics, Window: 90 * day}},
		{"graph", dispatch.Command{Kind: dispatch.Graph}},
		{"page", dispatch.Command{Kind: dispatch.Page}},
		{"page the db is on fire", dispatch.Command{Kind: dispatch.Page, Text: "the db is on fire"}},
		{"INC-3 page pagerduty:PD_DB_KEY db down", dispatch.Command{Kind: dispatch.Page, Incident: 3, Target: "pagerduty:PD_DB_KEY", Text: "db down"}},
		{"page PagerDuty", dispatch.Command{Kind: dispatch.Page, Target: "pagerduty"}},
		{"page PAGERDUTY:PD_Key", dispatch.Command{Kind: dispatch.Page, Target: "pagerduty:PD_Key"}},
		{"page rotation:primary", dispatch.Command{Kind: dispatch.Page, Target: "rotation:primary"}},
		{"page <@U0BOB|bob> need help", dispatch.Command{Kind: dispatch.Page, User: "U0BOB", Text: "need help", Data: map[string]string{"user_name": "bob"}}},
		{"page <@U0BOB>", dispatch.Command{Kind: dispatch.Page, User: "U0BOB"}},
		{"page checkout-api 5xx everywhere", dispatch.Command{Kind: dispatch.Page, Text: "checkout-api 5xx everywhere"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := parseCommand(tt.text, parseNow)
			if err != nil {
				t.Fatalf("ParseCommand(%q): %v", tt.text, err)
			}
			if diff := cmp.Diff(tt.want, got, ignoreCommandInternals); diff != "" {
				t.Errorf("ParseCommand(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestParseCommand_Errors(t *testing.T) {
	tests := []struct {
		text    string
		problem string // part of what was wrong
		usage   string // part of the usage line shown
	}{
		{"dance", `unknown subcommand "dance"`, "/incident declare"},
		{"INC-x ack", "not an incident id", "/incident ack"},
		{"INC-0 ack", "not an incident id", "/incident ack"},
		{"declare", "title: the text is missing", "declare <title>"},
		{"declare sev2", "title: the text is missing", "declare <title>"},
		{"declare outage sev5", `severity "sev5"`, "declare <title>"},
		{"declare outage sev1 sev2", "severity once", "declare <title>"},
		{"declare outage service=a/b", `service "a/b"`, "declare <title>"},
		{"declare " + strings.Repeat("x", 151), "longer than 150", "declare <title>"},
		{"INC-4 declare outage", "leave out the incident id", "declare <title>"},
		{"page <@bob>", "is not a person", "page [pagerduty"},
		{"ack now", "ack takes no arguments", "/incident ack"},
		{"status --broadcast", "the text is missing", "status [<text> [--broadcast]]"},
		{"sev", "exactly one severity", "sev <1-4"},
		{"sev 5", `severity "5"`, "sev <1-4"},
		{"sev 1 2", "exactly one severity", "sev <1-4"},
		{"role", "a role and a person", "role <commander"},
		{"role king <@U1AA>", `role "king"`, "role <commander"},
		{"role scribe alice", `"alice" is not a person`, "role <commander"},
		{"role scribe <#C123|ops>", `"#ops" is not a person`, "role <commander"},
		{"note", "the text is missing", "note <text>"},
		{"note " + strings.Repeat("y", 3001), "longer than 3000", "note <text>"},
		{"started", "give one time", "started <"},
		{"started yesterday", `"yesterday" is not a time`, "started <"},
		{"started 25:00", `"25:00" is not a time`, "started <"},
		{"started 15:00", "is in the future", "started <"},
		{"started +15m", `"+15m" is not a time`, "started <"},
		{"started -0m", `"-0m" is not a time`, "started <"},
		{"started 2030-01-01T00:00:00Z", "is in the future", "started <"},
		{"mitigated now", "takes no arguments", "/incident mitigated"},
		{"close it", "takes no arguments", "/incident close"},
		{"timeline all", "takes no arguments", "/incident timeline"},
		{"runbook", "name the runbook", "runbook <name>"},
		{"runbook rm;-rf", `runbook name "rm;-rf"`, "runbook <name>"},
		{"runbook restart oops", `"oops" is not key=value`, "runbook <name>"},
		{"runbook restart =x", `"" is not a valid argument name`, "runbook <name>"},
		{"runbook restart a=1 a=2", `"a" is given twice`, "runbook <name>"},
		{"runbook restart" + strings.Repeat(" k=v", 21), "at most 20", "runbook <name>"},
		{"runbook cancel", "id of the run to cancel", "runbook cancel <run-id>"},
		{"runbook cancel a b", "id of the run to cancel", "runbook cancel <run-id>"},
		{"followup", "the text is missing", "followup <text>"},
		{"review now", "takes no arguments", "/incident review"},
		{"list all", "takes no arguments", "/incident list"},
		{"metrics 1y", `window "1y"`, "metrics [7d|30d|90d]"},
		{"metrics 7d 30d", "at most one window", "metrics [7d|30d|90d]"},
		{"graph cpu", "takes no arguments", "/incident graph"},
		{"help me", "takes no arguments", "/incident help"},
	}
	for _, tt := range tests {
		t.Run(truncate(tt.text, 40), func(t *testing.T) {
			_, err := parseCommand(tt.text, parseNow)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseCommand(%q) = %v, want a *UsageError", tt.text, err)
			}
			if !errors.Is(err, incident.ErrInvalid) {
				t.Errorf("error does not wrap incident.ErrInvalid")
			}
			if !strings.Contains(ue.Problem, tt.problem) {
				t.Errorf("problem %q does not say %q", ue.Problem, tt.problem)
			}
			if !strings.Contains(ue.Usage, tt.usage) || !strings.Contains(err.Error(), "Usage: ") {
				t.Errorf("error %q does not show usage %q", err, tt.usage)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	u := Usage()
	for _, sc := range subcommands {
		if !strings.Contains(u, "/incident "+sc.usage) {
			t.Errorf("help does not list %s", sc.name)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := map[string]string{
		"plain":                         "plain",
		"a &amp;lt; b":                  "a &lt; b",
		"<@U1|bob> and <@U2>":           "@bob and @U2",
		"<#C1|ops> <#C2>":               "#ops #C2",
		"<!here> <!channel>":            "@here @channel",
		"<!subteam^S1|@sre>":            "@sre",
		"<https://a.example>":           "https://a.example",
		"<https://a.example|a.example>": "a.example (https://a.example)",
		"unclosed <tag":                 "unclosed <tag",
		"<mailto:a@b.c|a@b.c>":          "a@b.c (mailto:a@b.c)",
	}
	for in, want := range tests {
		if got := plainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseCommand checks that no text panics the parser, that every error
// is a UsageError that shows usage, and that accepted text gives a command
// whose fields are sane. Seeds are in testdata/fuzz/FuzzParseCommand.
func FuzzParseCommand(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		cmd, err := parseCommand(text, parseNow)
		if err != nil {
			var ue *usageError
			if !errors.As(err, &ue) || ue.Usage == "" || ue.Problem == "" {
				t.Fatalf("ParseCommand(%q) error %v is not a complete UsageError", text, err)
			}
			return
		}
		checkParsed(t, text, cmd)
	})
}

func checkParsed(t *testing.T, text string, cmd dispatch.Command) {
	t.Helper()
	if _, ok := lookupSubcommand(string(cmd.Kind)); !ok && cmd.Kind != dispatch.RunbookCancel && cmd.Kind != dispatch.OnCallOverride {
		t.Fatalf("ParseCommand(%q) gave unknown kind %q", text, cmd.Kind)
	}
	if cmd.Severity != 0 && !cmd.Severity.Valid() {
		t.Fatalf("ParseCommand(%q) gave severity %d", text, cmd.Severity)
	}
	if cmd.Kind == dispatch.Declare && strings.TrimSpace(cmd.Text) == "" {
		t.Fatalf("ParseCommand(%q) declared an incident with no title", text)
	}
	if cmd.Kind == dispatch.Started && cmd.At.After(parseNow) {
		t.Fatalf("ParseCommand(%q) gave a start in the future", text)
	}
	if !utf8.ValidString(cmd.Text) || cmd.Actor != "" || cmd.Key != "" {
		t.Fatalf("ParseCommand(%q) gave text %q, actor %q, key %q", text, cmd.Text, cmd.Actor, cmd.Key)
	}
}
