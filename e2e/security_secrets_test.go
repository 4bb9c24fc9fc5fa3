package e2e

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSecurity_SecretsNeverLeak runs a full flow with distinctive secrets —
// alarm, channel, ack, note, runbook request, approval, SSM run to the end —
// with a Slack 500, an SSM throttle, refused Slack and API requests and a
// failed sign-in on the way, so that error paths log too. No configured
// secret appears in the logs (debug level), the API's timeline, the review,
// the dashboard, /metrics, anything posted to Slack, or the store file.
// (Config.LogValue, bot's TestConfig_LogValue and
// TestHandlers_ResponseURLNotLogged, and intake's
// TestVerifier_CheckURL_redactsQuery cover the redaction helpers.)
func TestSecurity_SecretsNeverLeak(t *testing.T) {
	const page = "https://pager.example/hooks/sec-page-3c9d0e1f7a"
	s := Start(t, securityOptions("TOCSIN_PAGE_WEBHOOK", page))
	secrets := map[string]string{"SLACK_BOT_TOKEN": secBotToken, "SLACK_SIGNING_SECRET": secSigning,
		"TOCSIN_API_TOKEN": secAPIToken, "AWS_SECRET_ACCESS_KEY": secAWSSecret, "AWS_ACCESS_KEY_ID": secAWSKeyID,
		"TOCSIN_PAGE_WEBHOOK": page}
	s.Slack.FailNext("chat.postMessage", 1, sim.SlackFault{Status: 500})
	s.AWS.SSM.FailNext("GetCommandInvocation", 3, "ThrottlingException", 400)
	ch := openIncident(t, s, "m-secret", "api-5xx", "API errors", "api")
	for _, text := range []string{"ack", "note rolling back the deploy", "runbook restart-unit unit=app.service"} {
		if code, body := s.SlashAnswer(secRequester, ch, text, "flow"); code != 200 {
			t.Fatalf("%s: %d %s", text, code, body)
		}
	}
	runID, blockID := approvalButton(s, ch)
	if code, _, _ := signedPost(s, "/slack/interactions", claimedClick(s, secApprover, ch, "tocsin_approve", blockID, runID, "flow"), secSigning, time.Now()); code != 200 {
		t.Fatalf("approval: %d", code)
	}
	s.WaitFor("the run to finish", func() bool {
		return len(timeline(s, func(e incident.Event) bool { return e.Data["step"] == "finished" })) == 1
	})
	// Refusals and failures that log.
	signedPost(s, "/slack/commands", s.SlashForm(secRequester, ch, "ack", "x"), "wrong-secret", time.Now())
	s.Get("/api/incidents", "wrong-"+secAPIToken)
	http.PostForm(s.URL+"/login", url.Values{"token": {secAPIToken + "x"}})
	s.SlashAnswer(secRequester, ch, "runbook restart-unit unit=$(reboot)", "flow")
	// The note and both run requests are answered privately; the ack and
	// the approval are posted in the channel they were given in, and not
	// repeated to their authors.
	s.WaitFor("every reply", func() bool { return len(s.Replies("flow")) >= 3 })

	places := map[string]string{}
	_, places["API timeline"] = s.Get("/api/incidents/INC-1", secAPIToken)
	_, places["API list"] = s.Get("/api/incidents", secAPIToken)
	_, places["review.md"] = s.Get("/api/incidents/INC-1/review.md", secAPIToken)
	_, places["metrics"] = s.Get("/metrics", "")
	_, _, places["dashboard"] = rawGet(t, strings.TrimPrefix(s.URL, "http://"), "/incidents/INC-1", secSession(t, s))
	var slack strings.Builder
	for _, c := range s.Slack.Channels() {
		slack.WriteString(c.Topic + c.Purpose)
		for _, m := range s.Slack.Messages(c.ID) {
			slack.WriteString(m.Text + string(m.Blocks))
		}
	}
	for _, e := range s.Slack.Ephemerals() {
		slack.WriteString(e.Text + string(e.Blocks))
	}
	for _, p := range s.Slack.ResponseURLPosts() {
		slack.WriteString(string(p.Body))
	}
	for _, c := range s.Slack.Calls() {
		for k, v := range c.Params {
			slack.WriteString(k + "=" + v + "\n")
		}
	}
	places["Slack"] = slack.String()
	var ssmIn strings.Builder
	for _, c := range s.AWS.SSM.Commands() {
		ssmIn.WriteString(c.Comment + strings.Join(c.Parameters["commands"], " "))
	}
	places["SSM"] = ssmIn.String()
	if err := s.Stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	places["logs"] = s.Logs.String()
	db, err := os.ReadFile(s.Getenv("TOCSIN_DB"))
	if err != nil {
		t.Fatal(err)
	}
	places["store file"] = string(db)

	for where, text := range places {
		if text == "" {
			t.Errorf("%s: nothing captured", where)
		}
		for name, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s appears in the %s", name, where)
			}
		}
	}
	for _, want := range []string{`"slack_bot_token":"set"`, "refused Slack request", `"msg":"request refused","client":"127.0.0.1","reason":"bad_token"`,
		`"kind":"ssm.poll"`, "slack server error: 500"} {
		if !strings.Contains(places["logs"], want) {
			t.Errorf("the logs lack %q: the flow did not take the paths it should have", want)
		}
	}
}
