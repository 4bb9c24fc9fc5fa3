package sim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSlackSignature signs Slack's own documented example
// (testdata/slack-signing-vector.json, from "Verifying requests from Slack").
func TestSlackSignature(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "slack-signing-vector.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Secret   string            `json:"signing_secret"`
		Headers  map[string]string `json:"headers"`
		Body     string            `json:"body"`
		Expected string            `json:"expected_signature"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	ts, sig := SlackSignature(v.Secret, time.Unix(1531420618, 0), []byte(v.Body))
	if ts != v.Headers["X-Slack-Request-Timestamp"] || sig != v.Expected {
		t.Errorf("SlackSignature = %s %s; want %s %s", ts, sig, v.Headers["X-Slack-Request-Timestamp"], v.Expected)
	}
	h := SlackRequestHeader(v.Secret, time.Unix(1531420618, 0), v.Body)
	if h.Get("X-Slack-Signature") != v.Expected || h.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("SlackRequestHeader = %v", h)
	}
	if h := SlackRequestHeader("", time.Now(), v.Body); h.Get("X-Slack-Signature") != "" || h.Get("X-Slack-Request-Timestamp") != "" {
		t.Errorf("unsigned request carries a signature: %v", h)
	}
}

func TestSlashCommand_Form(t *testing.T) {
	form, err := url.ParseQuery(SlashCommand{Text: "ack", UserID: "U1", ChannelID: "C1", ResponseURL: "http://r/1"}.Form())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k := range form {
		got[k] = form.Get(k)
	}
	if len(got["trigger_id"]) < 20 {
		t.Errorf("trigger_id %q: want a fresh one", got["trigger_id"])
	}
	delete(got, "trigger_id")
	want := map[string]string{"command": "/incident", "text": "ack", "user_id": "U1", "channel_id": "C1",
		"team_id": SlackTeamID, "team_domain": SlackTeamName, "response_url": "http://r/1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
	a, b := SlashCommand{}.Form(), SlashCommand{}.Form()
	if a == b {
		t.Errorf("two commands share a trigger_id: %s", a)
	}
}

func TestSlackClick_Form(t *testing.T) {
	for _, tc := range []struct {
		name  string
		click SlackClick
		want  string
	}{
		{"Button", SlackClick{UserID: "U1", UserName: "ann", ChannelID: "C1", ResponseURL: "http://r/2", TriggerID: "t.1",
			Action: SlackAction{ActionID: "tocsin_ack", BlockID: "inc:1", Value: "inc:1", ActionTS: "1.000001"}},
			`{"type":"block_actions","team":{"id":"T0TOCSIN1","domain":"tocsin-sim"},
			"user":{"id":"U1","username":"ann","name":"ann","team_id":"T0TOCSIN1"},"channel":{"id":"C1","name":""},
			"trigger_id":"t.1","response_url":"http://r/2",
			"actions":[{"type":"button","action_id":"tocsin_ack","block_id":"inc:1","value":"inc:1","action_ts":"1.000001"}]}`},
		{"CheckboxOnAMessage", SlackClick{UserID: "U1", ChannelID: "C1", ChannelName: "inc-1", TriggerID: "t.2",
			MessageTS: "17.000100", MessageText: "claims", MessageUser: "U9", APIAppID: "A1",
			Action: SlackAction{Type: "checkboxes", ActionID: "tick", BlockID: "b", Selected: []string{"step-1"}, ActionTS: "2.0"}},
			`{"type":"block_actions","team":{"id":"T0TOCSIN1","domain":"tocsin-sim"},"api_app_id":"A1",
			"user":{"id":"U1","username":"","name":"","team_id":"T0TOCSIN1"},"channel":{"id":"C1","name":"inc-1"},
			"trigger_id":"t.2","response_url":"",
			"container":{"type":"message","message_ts":"17.000100","channel_id":"C1","is_ephemeral":false},
			"message":{"type":"message","ts":"17.000100","user":"U9","text":"claims"},
			"actions":[{"type":"checkboxes","action_id":"tick","block_id":"b","action_ts":"2.0",
			"selected_options":[{"value":"step-1","text":{"type":"mrkdwn","text":"step-1"}}]}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form, err := url.ParseQuery(tc.click.Form())
			if err != nil {
				t.Fatal(err)
			}
			if diff := jsonDiff(t, tc.want, form.Get("payload")); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPostSlack(t *testing.T) {
	const secret = "s3cret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, sig := SlackSignature(secret, time.Unix(1714571000, 0), body)
		if r.Header.Get("X-Slack-Request-Timestamp") != ts || r.Header.Get("X-Slack-Signature") != sig {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"text":"Working on it"}`))
	}))
	defer srv.Close()
	code, answer, err := PostSlack(context.Background(), nil, srv.URL, secret, time.Unix(1714571000, 0), "text=ack")
	if err != nil || code != 200 || string(answer) != `{"text":"Working on it"}` {
		t.Errorf("PostSlack = %d %q %v", code, answer, err)
	}
	if code, _, _ := PostSlack(context.Background(), nil, srv.URL, "other", time.Unix(1714571000, 0), "text=ack"); code != http.StatusUnauthorized {
		t.Errorf("signed with another secret: %d", code)
	}
}

// jsonDiff compares two JSON documents as values, not as text.
func jsonDiff(t *testing.T, want, got string) string {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got: %v", err)
	}
	return cmp.Diff(w, g)
}
