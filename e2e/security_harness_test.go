package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/web"
)

// Distinctive secrets: the security tests grep logs, timelines, Slack and
// the store file for each of them.
const (
	secSigning   = "sec-signing-5f1c9a7e2b8d"
	secBotToken  = "xoxb-sec-bot-7d3e11aa90c4"
	secAPIToken  = "sec-api-token-4b8c62d0f1e9"
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

// secStack is the whole program run through run(...) with the Slack, SSM
// and CloudWatch stand-ins and a signed SNS feed.
type secStack struct {
	sl     *sim.Slack
	ssm    *sim.SSM
	feed   *snsFeed
	base   string
	db     string
	logs   *SyncBuffer
	stop   func() error
	trig   atomic.Int64
	getenv func(string) string
}

func startSecStack(t *testing.T, kv ...string) *secStack {
	t.Helper()
	s := &secStack{}
	s.sl = sim.NewSlack(sim.SlackOptions{BotToken: secBotToken, Users: []sim.SlackUser{
		{ID: secApprover, Name: "approver"}, {ID: secRequester, Name: "requester"}, {ID: secBystander, Name: "bystander"}}})
	s.sl.Start()
	t.Cleanup(s.sl.Close)
	s.ssm = sim.NewSSM(sim.SSMOptions{Instances: []string{secInstance}, PendingFor: 10 * time.Millisecond, RunFor: 10 * time.Millisecond, InvisibleFor: -1})
	aws := httptest.NewServer(&sim.AWS{SSM: s.ssm, CloudWatch: sim.NewCloudWatch(sim.CloudWatchOptions{})})
	t.Cleanup(aws.Close)
	s.feed = newSNSFeed(t)
	pbDir, rbDir := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(pbDir, "storm.yaml"), []byte(stormPlaybook), 0o600)
	os.WriteFile(filepath.Join(rbDir, "restart-unit.yaml"), []byte(secRunbook), 0o600)
	kv = append([]string{"TOCSIN_SNS_TOPIC_ARNS", testTopic, "TOCSIN_SNS_CERT_DIR", s.feed.certDir,
		"TOCSIN_PLAYBOOKS", pbDir, "TOCSIN_RUNBOOKS", rbDir, "TOCSIN_API_TOKEN", secAPIToken,
		"SLACK_BOT_TOKEN", secBotToken, "SLACK_SIGNING_SECRET", secSigning, "SLACK_API_URL", s.sl.URL(),
		"AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL", aws.URL, "AWS_ACCESS_KEY_ID", secAWSKeyID,
		"AWS_SECRET_ACCESS_KEY", secAWSSecret, "TOCSIN_LOG_LEVEL", "debug"}, kv...)
	s.getenv = env(t, kv...)
	s.db = s.getenv("TOCSIN_DB")
	s.base, s.logs, s.stop = startServer(t, s.getenv)
	s.feed.base = s.base
	return s
}

// alarmWith is a CloudWatch alarm message whose name, description and
// Service dimension are what an attacker who controls them chose.
func alarmWith(name, description, service string) string {
	var m map[string]any
	json.Unmarshal([]byte(alarmJSON(name, service, "ALARM", "OK", time.Now().Add(-time.Minute))), &m)
	m["AlarmDescription"] = description
	b, _ := json.Marshal(m)
	return string(b)
}

// openIncident sends a signed alarm and waits for its channel and pinned
// header; it returns the channel id.
func (s *secStack) openIncident(t *testing.T, msgID, name, description, service string) string {
	t.Helper()
	if code := s.feed.post(t, s.feed.body(t, msgID, alarmWith(name, description, service))); code != 200 {
		t.Fatalf("sns status %d\n%s", code, s.logs)
	}
	var ch string
	waitFor(t, "the incident channel and its pinned header", func() bool {
		for _, c := range s.sl.Channels() {
			for _, m := range s.sl.Messages(c.ID) {
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

// signedPost POSTs body to path signed with secret at the given time.
func (s *secStack) signedPost(t *testing.T, path, body, secret string, at time.Time) (int, string, http.Header) {
	t.Helper()
	return secDo(t, "POST", s.base+path, slackHeaders(secret, at, body), body)
}

// slackHeaders are the headers Slack signs a request with (none without a secret).
func slackHeaders(secret string, at time.Time, body string) http.Header {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if secret != "" {
		ts, sig := bot.Sign(secret, at, []byte(body))
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", sig)
	}
	return h
}

// secDo sends one request and returns status, body and the request headers
// it was sent with (to replay them).
func secDo(t *testing.T, method, url string, h http.Header, body string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), h
}

// slashForm is a /incident slash command as Slack sends it; its reply goes
// to the response_url named reply.
func (s *secStack) slashForm(user, channel, text, reply string) string {
	return url.Values{"command": {"/incident"}, "text": {text}, "user_id": {user}, "user_name": {"someone"},
		"channel_id": {channel}, "team_id": {sim.SlackTeamID}, "trigger_id": {fmt.Sprintf("trig-%d", s.trig.Add(1))},
		"response_url": {s.sl.ResponseURL(reply)}}.Encode()
}

// slash sends a correctly signed slash command and returns the immediate answer.
func (s *secStack) slash(t *testing.T, user, channel, text, reply string) (int, string) {
	t.Helper()
	code, body, _ := s.signedPost(t, "/slack/commands", s.slashForm(user, channel, text, reply), secSigning, time.Now())
	return code, body
}

// clickForm is a block_actions payload: user clicked actionID on a block.
// The message text and the user's name claim someone else did; only the
// signed user.id may count.
func (s *secStack) clickForm(user, channel, actionID, blockID, value, reply string) string {
	p := map[string]any{
		"type": "block_actions", "team": map[string]string{"id": sim.SlackTeamID},
		"user":    map[string]string{"id": user, "username": "approver", "name": "approver"},
		"channel": map[string]string{"id": channel}, "trigger_id": fmt.Sprintf("trig-%d", s.trig.Add(1)),
		"response_url": s.sl.ResponseURL(reply),
		"container":    map[string]any{"type": "message", "channel_id": channel, "message_ts": "1714571000.000100"},
		"message":      map[string]any{"text": "Approved by <@" + secApprover + ">", "user": secApprover},
		"actions": []map[string]any{{"type": "button", "action_id": actionID, "block_id": blockID, "value": value,
			"action_ts": fmt.Sprintf("1714571001.%06d", s.trig.Add(1))}},
	}
	raw, _ := json.Marshal(p)
	return url.Values{"payload": {string(raw)}}.Encode()
}

// replies are the texts posted to the response_url named id.
func (s *secStack) replies(id string) []string {
	var out []string
	for _, p := range s.sl.ResponseURLPosts() {
		if p.ID == id {
			out = append(out, p.Text)
		}
	}
	return out
}

// waitReply waits for the first reply on response_url id and returns it.
func (s *secStack) waitReply(t *testing.T, id string) string {
	t.Helper()
	var got []string
	waitFor(t, "a reply on response_url "+id, func() bool { got = s.replies(id); return len(got) > 0 })
	return got[0]
}

// incident reads incident 1 through the API, with the token.
func (s *secStack) incident(t *testing.T) web.IncidentView {
	t.Helper()
	code, body := get(t, s.base+"/api/incidents/INC-1", secAPIToken)
	var v web.IncidentView
	if err := json.Unmarshal([]byte(body), &v); code != 200 || err != nil {
		t.Fatalf("GET /api/incidents/INC-1: %d %q %v", code, body, err)
	}
	return v
}

// events returns the timeline events for which keep is true.
func (s *secStack) events(t *testing.T, keep func(incident.Event) bool) []incident.Event {
	var out []incident.Event
	for _, e := range s.incident(t).Timeline {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// ssmSends counts SendCommand and StartAutomationExecution calls.
func (s *secStack) ssmSends() int {
	n := 0
	for _, c := range s.ssm.Calls() {
		if c.Op == "SendCommand" || c.Op == "StartAutomationExecution" {
			n++
		}
	}
	return n
}

// signedSNS signs an envelope with the feed's key after letting edit change
// its fields (topic, cert URL…), so only the named property is wrong.
func signedSNS(t *testing.T, f *snsFeed, msgID string, edit func(map[string]string)) []byte {
	t.Helper()
	fields := map[string]string{"Type": "Notification", "MessageId": msgID, "TopicArn": testTopic, "Subject": "ALARM",
		"Message":   alarmJSON("probe-5xx", "probe", "ALARM", "OK", time.Now().Add(-time.Minute)),
		"Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
	if edit != nil {
		edit(fields)
	}
	signed, err := f.Sign("2", fields)
	if err != nil {
		t.Fatal(err)
	}
	signed["SigningCertURL"] = testCertURL
	if u, ok := fields["SigningCertURL"]; ok {
		signed["SigningCertURL"] = u
	}
	b, _ := json.Marshal(signed)
	return b
}
