package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// Distinctive secrets: the security tests grep logs, timelines, Slack and
// the store file for each of them.
const (
	secSigning   = "sec-signing-5f1c9a7e2b8d"
	secBotToken  = "xoxb-sec-bot-7d3e11aa90c4"
	secAPIToken  = "sec-api-token-4b8c62d0f1e9a7c3d5e6f701"
	secAWSKeyID  = "AKIASECTESTKEYID0001"
	secAWSSecret = "sec-aws-secret-9e2f7c4a1d6b"
	secInstance  = "i-0123456789abcdef0"

	secApprover  = "U0APPROVER"
	secRequester = "U0REQUESTER"
	secBystander = "U0BYSTANDER"
)

// secRunbook is a command runbook with an allow-listed input that reaches a
// shell, approved by one named person.
const secRunbook = `name: restart-unit
description: Restart one allow-listed systemd unit.
kind: command
document: AWS-RunShellScript
targets:
  instance_ids: [` + secInstance + `]
parameters:
  commands: ["systemctl restart {{input.unit}}"]
inputs:
  - name: unit
    description: which unit
    type: string
    allowed: [nginx.service, app.service]
approval:
  approvers: [` + secApprover + `]
  required: 1
  expires: 15m
`

// securityOptions is the security suite's tocsin: the Slack, SSM and
// CloudWatch stand-ins, the distinctive secrets, a runbook that reaches a
// shell, debug logs; kv are more settings, as pairs.
func securityOptions(kv ...string) Options {
	env := map[string]string{"TOCSIN_API_TOKEN": secAPIToken, "SLACK_SIGNING_SECRET": secSigning,
		"AWS_ACCESS_KEY_ID": secAWSKeyID, "AWS_SECRET_ACCESS_KEY": secAWSSecret, "TOCSIN_LOG_LEVEL": "debug"}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return Options{
		Env: env,
		Slack: &sim.SlackOptions{BotToken: secBotToken, Users: []sim.SlackUser{
			{ID: secApprover, Name: "approver"}, {ID: secRequester, Name: "requester"}, {ID: secBystander, Name: "bystander"}}},
		AWS: &sim.AWS{CloudWatch: sim.NewCloudWatch(sim.CloudWatchOptions{}), SSM: sim.NewSSM(sim.SSMOptions{
			Instances: []string{secInstance}, PendingFor: 10 * time.Millisecond, RunFor: 10 * time.Millisecond, InvisibleFor: -1})},
		Runbooks: map[string]string{"restart-unit.yaml": secRunbook},
	}
}

// alarmWith is a CloudWatch alarm message whose name, description and
// Service dimension are what an attacker who controls them chose.
func alarmWith(name, description, service string) string {
	var m map[string]any
	json.Unmarshal([]byte(AlarmMessage(name, service, "ALARM", "OK", time.Now().Add(-time.Minute))), &m)
	m["AlarmDescription"] = description
	b, _ := json.Marshal(m)
	return string(b)
}

// openIncident sends a signed alarm and waits for its channel and pinned
// header; it returns the channel id.
func openIncident(t *testing.T, h *Harness, msgID, name, description, service string) string {
	t.Helper()
	if code := h.PostSNS(h.Notification(msgID, alarmWith(name, description, service))); code != 200 {
		t.Fatalf("sns status %d\n%s", code, h.Logs)
	}
	var ch string
	h.WaitFor("the incident channel and its pinned header", func() bool {
		for _, c := range h.Slack.Channels() {
			for _, m := range h.Slack.Messages(c.ID) {
				if m.Pinned {
					ch = c.ID
					return true
				}
			}
		}
		return false
	})
	return ch
}

// signedPost POSTs body to path signed with secret at the given time, and
// returns the status, the answer and the headers it was sent with (to
// replay them).
func signedPost(h *Harness, path, body, secret string, at time.Time) (int, string, http.Header) {
	h.t.Helper()
	header := sim.SlackRequestHeader(secret, at, body)
	code, answer := h.Do("POST", path, header, body)
	return code, answer, header
}

// claimedClick is user clicking actionID on a block, in a payload whose
// message text and user name claim the approver did: only the signed
// user.id may count.
func claimedClick(h *Harness, user, channel, actionID, blockID, value, reply string) string {
	return sim.SlackClick{UserID: user, UserName: "approver", ChannelID: channel, MessageTS: "1714571000.000100",
		MessageText: "Approved by <@" + secApprover + ">", MessageUser: secApprover, ResponseURL: h.Slack.ResponseURL(reply),
		Action: sim.SlackAction{ActionID: actionID, BlockID: blockID, Value: value}}.Form()
}

// timeline returns INC-1's events for which keep is true, read through the
// API with the token (the test fails if it does not answer).
func timeline(h *Harness, keep func(incident.Event) bool) []incident.Event {
	h.t.Helper()
	var out []incident.Event
	for _, e := range h.Incident(1).Timeline {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// ssmSends counts SendCommand and StartAutomationExecution calls.
func ssmSends(h *Harness) int {
	n := 0
	for _, c := range h.AWS.SSM.Calls() {
		if c.Op == "SendCommand" || c.Op == "StartAutomationExecution" {
			n++
		}
	}
	return n
}

// signedSNS signs an envelope with the feed's key after letting edit change
// its fields (topic, cert URL…), so only the named property is wrong.
func signedSNS(h *Harness, msgID string, edit func(map[string]string)) []byte {
	h.t.Helper()
	fields := map[string]string{"Type": "Notification", "MessageId": msgID, "TopicArn": Topic, "Subject": "ALARM",
		"Message":   AlarmMessage("probe-5xx", "probe", "ALARM", "OK", time.Now().Add(-time.Minute)),
		"Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
	if edit != nil {
		edit(fields)
	}
	signed, err := h.SNS.Sign("2", fields)
	if err != nil {
		h.t.Fatal(err)
	}
	signed["SigningCertURL"] = h.SNS.CertURL()
	if u, ok := fields["SigningCertURL"]; ok {
		signed["SigningCertURL"] = u
	}
	b, _ := json.Marshal(signed)
	return b
}

// approvalButton waits for the approval request in the channel and returns
// the run id and block id of its Approve button.
func approvalButton(h *Harness, ch string) (runID, blockID string) {
	h.t.Helper()
	h.WaitFor("the approval request", func() bool {
		for _, m := range h.Slack.Messages(ch) {
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
