package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/sim"
)

// Identities of the fault suite's workspace and runbooks.
const (
	faultBotToken  = "xoxb-fault-bot-0123"
	faultSigning   = "fault-signing-secret-0123"
	faultAPIToken  = "test-token-0123"
	faultInstance  = "i-0fa017000000000a1"
	faultRequester = "U0FREQUEST"
	faultApprover  = "U0FAPPROVE"
	faultOnCall    = "U0FONCALL"
	faultApprovers = "S0FAPPROVE"
)

// faultPlaybook groups alarms by their Service dimension; its owner group
// has one member, who is invited.
const faultPlaybook = `name: fault
owner: S00ONCALL
match: {namespace: Test/Storm}
service: "{{dimension:Service}}"
group_by: service
severity: {default: sev2}
`

// faultRunbooks: restart needs one approval from a Slack user group;
// diag is pre-approved and should end within a second; ghost targets an
// instance Systems Manager does not manage.
var faultRunbooks = map[string]string{
	"fault-restart.yaml": `name: fault-restart
description: Restart the app on the fault instance.
kind: command
document: AWS-RunShellScript
targets:
  instance_ids: [` + faultInstance + `]
parameters:
  commands: ["systemctl restart app.service"]
approval:
  approvers: [` + faultApprovers + `]
  required: 1
  expires: 15m
`,
	"fault-diag.yaml": `name: fault-diag
description: Uptime on the fault instance.
kind: command
document: AWS-RunShellScript
targets:
  instance_ids: [` + faultInstance + `]
parameters:
  commands: ["uptime"]
  executionTimeout: "1"
timeout: 30s
approval: none
`,
	"fault-ghost.yaml": `name: fault-ghost
description: Uptime on an instance that is not managed.
kind: command
document: AWS-RunShellScript
targets:
  instance_ids: [i-0ffffffffffffffff]
parameters:
  commands: ["uptime"]
approval: none
`,
}

// faultStack is the stand-ins and one tocsin child wired to them.
type faultStack struct {
	t    *testing.T
	sl   *sim.Slack
	ssm  *sim.SSM
	feed *snsFeed
	*tocsinProc
	trig atomic.Int64

	hookMu     sync.Mutex
	slackHooks map[string][]func(sim.SlackCall)
}

type faultOpts struct {
	slack sim.SlackOptions // BotToken, Users and UserGroups are filled in
	ssm   sim.SSMOptions   // Instances is filled in
	env   []string         // more child settings, as pairs
	// noStart leaves the child stopped (the test starts it).
	noStart bool
}

func newFaultStack(t *testing.T, o faultOpts) *faultStack {
	t.Helper()
	s := &faultStack{t: t}
	o.slack.BotToken = faultBotToken
	o.slack.Users = append(o.slack.Users, sim.SlackUser{ID: faultRequester, Name: "requester"},
		sim.SlackUser{ID: faultApprover, Name: "approver"}, sim.SlackUser{ID: faultOnCall, Name: "oncall"})
	o.slack.UserGroups = map[string][]string{"S00ONCALL": {faultOnCall}, faultApprovers: {faultApprover}}
	s.sl = sim.NewSlack(o.slack)
	s.sl.Start()
	t.Cleanup(s.sl.Close)
	o.ssm.Instances = append(o.ssm.Instances, faultInstance)
	if o.ssm.PendingFor == 0 {
		o.ssm.PendingFor = 50 * time.Millisecond
	}
	if o.ssm.RunFor == 0 {
		o.ssm.RunFor = 300 * time.Millisecond
	}
	s.ssm = sim.NewSSM(o.ssm)
	aws := httptest.NewServer(&sim.AWS{SSM: s.ssm, CloudWatch: sim.NewCloudWatch(sim.CloudWatchOptions{})})
	t.Cleanup(aws.Close)
	s.feed = newSNSFeed(t)
	pbDir, rbDir := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(pbDir, "fault.yaml"), []byte(faultPlaybook), 0o600)
	for name, y := range faultRunbooks {
		os.WriteFile(filepath.Join(rbDir, name), []byte(y), 0o600)
	}
	settings := map[string]string{
		"TOCSIN_API_TOKEN": faultAPIToken, "TOCSIN_SNS_TOPIC_ARNS": testTopic, "TOCSIN_SNS_CERT_DIR": s.feed.certDir,
		"TOCSIN_PLAYBOOKS": pbDir, "TOCSIN_RUNBOOKS": rbDir, "TOCSIN_LOG_LEVEL": "debug",
		"SLACK_BOT_TOKEN": faultBotToken, "SLACK_SIGNING_SECRET": faultSigning, "SLACK_API_URL": s.sl.URL(),
		"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": aws.URL, "AWS_ACCESS_KEY_ID": "AKIAFAULTTEST0000001",
		"AWS_SECRET_ACCESS_KEY": "fault-secret", "AWS_EC2_METADATA_DISABLED": "true",
	}
	for i := 0; i+1 < len(o.env); i += 2 {
		settings[o.env[i]] = o.env[i+1]
	}
	s.tocsinProc = newProc(t, settings)
	s.feed.base = s.base
	if !o.noStart {
		s.start()
	}
	return s
}

// onSlack adds fn to the hooks run after each call of method (see
// sim.Slack.OnCall, which holds one hook a method).
func (s *faultStack) onSlack(method string, fn func(sim.SlackCall)) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	if s.slackHooks == nil {
		s.slackHooks = map[string][]func(sim.SlackCall){}
	}
	s.slackHooks[method] = append(s.slackHooks[method], fn)
	s.sl.OnCall(method, func(c sim.SlackCall) {
		s.hookMu.Lock()
		fns := slices.Clone(s.slackHooks[method])
		s.hookMu.Unlock()
		for _, fn := range fns {
			fn(c)
		}
	})
}

// alarmBody is a signed SNS notification of an ALARM of service's alarm.
func (s *faultStack) alarmBody(msgID, service string) []byte {
	name := service + "-5xx"
	return s.feed.body(s.t, msgID, alarmJSON(name, service, "ALARM", "OK", time.Now().Add(-time.Minute)))
}

// alarm sends one signed alarm and returns SNS's status (0: no answer).
func (s *faultStack) alarm(msgID, service string) int {
	return s.postSNS(s.alarmBody(msgID, service))
}

// postSNS POSTs an SNS body like SNS does; 0 means no answer at all.
func (s *faultStack) postSNS(body []byte) int {
	req, _ := http.NewRequest("POST", s.base+"/sns", strings.NewReader(string(body)))
	req.Header.Set("x-amz-sns-message-type", "Notification")
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// mustAlarm sends an alarm that must be accepted.
func (s *faultStack) mustAlarm(msgID, service string) {
	s.t.Helper()
	if code := s.alarm(msgID, service); code != 200 {
		s.t.Fatalf("SNS message %s: status %d, want 200", msgID, code)
	}
}

// signed POSTs a Slack request body, signed now, to path.
func (s *faultStack) signed(path, body string) int {
	code, _ := s.signedAnswer(path, body)
	return code
}

// signedAnswer is signed with the body of tocsin's immediate answer.
func (s *faultStack) signedAnswer(path, body string) (int, string) {
	s.t.Helper()
	ts, sig := bot.Sign(faultSigning, time.Now(), []byte(body))
	req, _ := http.NewRequest("POST", s.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// slashForm is /incident text typed by user in channel, as Slack sends it;
// its answer goes to the response_url slash-<n>.
func (s *faultStack) slashForm(user, channel, text string) string {
	n := s.trig.Add(1)
	return url.Values{"command": {"/incident"}, "text": {text}, "user_id": {user}, "channel_id": {channel},
		"team_id": {sim.SlackTeamID}, "trigger_id": {fmt.Sprintf("fault-trig-%d", n)},
		"response_url": {s.sl.ResponseURL(fmt.Sprintf("slash-%d", n))}}.Encode()
}

// slash types /incident text as user in channel and returns the id of
// the response_url its answer goes to.
func (s *faultStack) slash(user, channel, text string) string {
	s.t.Helper()
	form := s.slashForm(user, channel, text)
	if code := s.signed("/slack/commands", form); code != 200 {
		s.t.Fatalf("/incident %s: status %d", text, code)
	}
	v, _ := url.ParseQuery(form)
	u, _ := url.Parse(v.Get("response_url"))
	return path.Base(u.Path)
}

// reply waits for the answer posted to response_url id.
func (s *faultStack) reply(id string) string {
	s.t.Helper()
	var text string
	s.waitFor("the answer on response_url "+id, func() bool {
		for _, p := range s.sl.ResponseURLPosts() {
			if p.ID == id {
				text = p.Text
				return true
			}
		}
		return false
	})
	return text
}

// click presses a button (block_actions) as user and returns the status.
func (s *faultStack) click(user, channel, actionID, blockID, value string) int {
	s.t.Helper()
	n := s.trig.Add(1)
	p := map[string]any{
		"type": "block_actions", "team": map[string]string{"id": sim.SlackTeamID},
		"user": map[string]string{"id": user}, "channel": map[string]string{"id": channel},
		"trigger_id": fmt.Sprintf("fault-trig-%d", n), "response_url": s.sl.ResponseURL(fmt.Sprintf("click-%d", n)),
		"actions": []map[string]any{{"type": "button", "action_id": actionID, "block_id": blockID, "value": value,
			"action_ts": fmt.Sprintf("1714571001.%06d", n)}},
	}
	raw, _ := json.Marshal(p)
	return s.signed("/slack/interactions", url.Values{"payload": {string(raw)}}.Encode())
}
