package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// This file is what the outside world sends tocsin: SNS notifications
// signed by the feed, and Slack's signed slash commands and clicks (these
// need Options.Slack: their answers go to the stand-in's response_urls).

// AlarmMessage is the harness's CloudWatch alarm notification: alarm name
// of service (its Service dimension) on HTTPCode_Target_5XX_Count in the
// Test/Storm namespace, which StormPlaybook matches, changed to state from
// old at at.
func AlarmMessage(name, service, state, old string, at time.Time) string {
	value := 12.0
	if state != sim.CWStateAlarm {
		value = 1
	}
	return sim.CWAlarmMessage{Name: name, State: state, OldState: old, Value: value, Threshold: 5, ChangedAt: at,
		Namespace: "Test/Storm", MetricName: "HTTPCode_Target_5XX_Count", Statistic: "SUM",
		Dimensions: [][2]string{{"Service", service}}}.JSON()
}

// Notification is a signed SNS Notification of message, subject ALARM.
func (h *Harness) Notification(msgID, message string) []byte {
	h.t.Helper()
	b, err := h.SNS.Notification(msgID, "ALARM", message)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// AlarmBody is a signed notification of service-5xx going to ALARM a
// minute ago (by the test's clock).
func (h *Harness) AlarmBody(msgID, service string) []byte {
	h.t.Helper()
	return h.Notification(msgID, AlarmMessage(service+"-5xx", service, sim.CWStateAlarm, sim.CWStateOK, h.Now().Add(-time.Minute)))
}

// PostSNS delivers body to /sns as SNS does and returns the status; 0
// means no answer at all (tocsin is down, or hung up).
func (h *Harness) PostSNS(body []byte) int {
	code, _, _ := sim.PostSNS(context.Background(), nil, h.URL+"/sns", body)
	return code
}

// MustPostSNS delivers body, which tocsin must accept (200).
func (h *Harness) MustPostSNS(body []byte) {
	h.t.Helper()
	if code := h.PostSNS(body); code != http.StatusOK {
		h.t.Fatalf("SNS delivery: status %d, want 200", code)
	}
}

// Alarm sends AlarmBody and returns the status (0: no answer).
func (h *Harness) Alarm(msgID, service string) int {
	h.t.Helper()
	return h.PostSNS(h.AlarmBody(msgID, service))
}

// MustAlarm sends an alarm that must be accepted.
func (h *Harness) MustAlarm(msgID, service string) {
	h.t.Helper()
	if code := h.Alarm(msgID, service); code != http.StatusOK {
		h.t.Fatalf("SNS message %s: status %d, want 200", msgID, code)
	}
}

// NewReply returns a fresh response_url id, prefix-<n>.
func (h *Harness) NewReply(prefix string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.replies++
	return fmt.Sprintf("%s-%d", prefix, h.replies)
}

// SlashForm is /incident text typed by user in channel, as Slack posts
// it; its later answers go to the response_url reply.
func (h *Harness) SlashForm(user, channel, text, reply string) string {
	return sim.SlashCommand{Text: text, UserID: user, UserName: "someone", ChannelID: channel,
		ResponseURL: h.Slack.ResponseURL(reply)}.Form()
}

// PostSlack sends body to path signed with tocsin's signing secret at h.Now(),
// and returns the status and tocsin's immediate answer; 0 and "" when
// tocsin does not answer.
func (h *Harness) PostSlack(path, body string) (int, string) {
	code, answer, err := sim.PostSlack(context.Background(), nil, h.URL+path, h.Getenv("SLACK_SIGNING_SECRET"), h.Now(), body)
	if err != nil {
		return 0, ""
	}
	return code, string(answer)
}

// SlashAnswer types /incident text as user in channel with its later
// answers going to reply; it returns the status and the immediate answer.
func (h *Harness) SlashAnswer(user, channel, text, reply string) (int, string) {
	return h.PostSlack("/slack/commands", h.SlashForm(user, channel, text, reply))
}

// Slash types /incident text as user in channel, which tocsin must answer
// 200, and returns the id of the response_url its later answer goes to.
func (h *Harness) Slash(user, channel, text string) string {
	h.t.Helper()
	reply := h.NewReply("slash")
	if code, answer := h.SlashAnswer(user, channel, text, reply); code != http.StatusOK {
		h.t.Fatalf("/incident %s: status %d %q", text, code, answer)
	}
	return reply
}

// ClickForm is user clicking the button actionID (in block blockID, with
// value) of a message in channel; its answer goes to the response_url reply.
func (h *Harness) ClickForm(user, channel, actionID, blockID, value, reply string) string {
	return sim.SlackClick{UserID: user, ChannelID: channel, ResponseURL: h.Slack.ResponseURL(reply),
		Action: sim.SlackAction{ActionID: actionID, BlockID: blockID, Value: value}}.Form()
}

// Click sends that click, signed, and returns the status (0: no answer).
func (h *Harness) Click(user, channel, actionID, blockID, value string) int {
	code, _ := h.PostSlack("/slack/interactions", h.ClickForm(user, channel, actionID, blockID, value, h.NewReply("click")))
	return code
}

// TickForm is user ticking (or, with ticked false, unticking) the checkbox
// of checklist item n of incident id in channel, as Slack posts it: a
// checkboxes block action whose selected options are what is ticked after
// the click. Its answer goes to the response_url reply.
func (h *Harness) TickForm(user, channel string, id, n int, ticked bool, reply string) string {
	item := fmt.Sprint(n)
	action := sim.SlackAction{Type: "checkboxes", ActionID: "tocsin_check", BlockID: fmt.Sprintf("inc:%d:item:%d", id, n)}
	if ticked {
		action.Selected = []string{item}
	}
	return sim.SlackClick{UserID: user, ChannelID: channel, ResponseURL: h.Slack.ResponseURL(reply), Action: action}.Form()
}

// Tick sends that click, which tocsin must answer 200, and returns the id
// of the response_url its answer goes to.
func (h *Harness) Tick(user, channel string, id, n int, ticked bool) string {
	h.t.Helper()
	reply := h.NewReply("tick")
	if code, _ := h.PostSlack("/slack/interactions", h.TickForm(user, channel, id, n, ticked, reply)); code != http.StatusOK {
		h.t.Fatalf("tick item %d of INC-%d: status %d", n, id, code)
	}
	return reply
}

// SubmitView is user submitting the modal viewID tocsin opened, with
// values (block_id -> action_id -> text), as Slack posts it; it returns
// the status and tocsin's immediate answer (a modal's errors, if any).
func (h *Harness) SubmitView(user, viewID string, values map[string]map[string]string) (int, string) {
	h.t.Helper()
	form, err := h.Slack.ViewSubmission(viewID, user, "someone", values)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.PostSlack("/slack/interactions", form)
}

// Replies are the texts tocsin posted to the response_url reply.
func (h *Harness) Replies(reply string) []string {
	var out []string
	for _, p := range h.Slack.ResponseURLPosts() {
		if p.ID == reply {
			out = append(out, p.Text)
		}
	}
	return out
}

// WaitReply waits for the first answer on the response_url reply.
func (h *Harness) WaitReply(reply string) string {
	h.t.Helper()
	var got []string
	h.WaitFor("the answer on response_url "+reply, func() bool { got = h.Replies(reply); return len(got) > 0 })
	return got[0]
}

// Do sends one request to tocsin as written and returns the status and the
// body; the test fails if tocsin does not answer.
func (h *Harness) Do(method, path string, header http.Header, body string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
