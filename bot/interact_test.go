package bot

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/sim"
)

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// interaction signs an interactivity payload as Slack sends it.
func interaction(t *testing.T, payload any) *http.Request {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	body := url.Values{"payload": {string(raw)}}.Encode()
	return signed("/slack/interactions", "application/x-www-form-urlencoded", body, time.Now())
}

// click signs U0BOB's click of a in channel C0INC42 as Slack sends it.
func click(a sim.SlackAction) *http.Request {
	body := sim.SlackClick{UserID: "U0BOB", UserName: "bob", ChannelID: "C0INC42", TriggerID: "999.1.t",
		MessageTS: "1714571000.000100", Action: a}.Form()
	return signed("/slack/interactions", "application/x-www-form-urlencoded", body, time.Now())
}

func TestHandlers_BlockActions(t *testing.T) {
	doer := newFakeDoer()
	h := MustHandlers(t, HandlerConfig{Doer: doer})
	tests := []struct {
		action sim.SlackAction
		want   dispatch.Command
	}{
		{
			sim.SlackAction{ActionID: ActionApprove, BlockID: "inc:42:run", Value: "run-7", ActionTS: "1714571001.1"},
			dispatch.Command{Kind: dispatch.Approve, RunID: "run-7", Incident: 42},
		},
		{
			sim.SlackAction{ActionID: ActionDeny, BlockID: "inc:42:run", Value: "run-7", ActionTS: "1714571001.2"},
			dispatch.Command{Kind: dispatch.Deny, RunID: "run-7", Incident: 42},
		},
		{
			sim.SlackAction{ActionID: ActionAck, BlockID: "inc:42", Value: "inc:42", ActionTS: "1714571001.3"},
			dispatch.Command{Kind: dispatch.Ack, Incident: 42},
		},
		{
			sim.SlackAction{ActionID: ActionMitigated, BlockID: "x", Value: "inc:43", ActionTS: "1714571001.4"},
			dispatch.Command{Kind: dispatch.Mitigated, Incident: 43},
		},
		{
			sim.SlackAction{ActionID: ActionRunbook + ":1", BlockID: "inc:42", Value: "scale-api", ActionTS: "1714571001.5"},
			dispatch.Command{Kind: dispatch.RunbookReq, Runbook: "scale-api", Incident: 42},
		},
		{
			sim.SlackAction{Type: "checkboxes", ActionID: ActionCheck, BlockID: "inc:42:item:3", ActionTS: "1714571001.6", Selected: []string{"3"}},
			dispatch.Command{Kind: dispatch.Checklist, Item: 3, Done: true, Incident: 42},
		},
		{
			sim.SlackAction{Type: "checkboxes", ActionID: ActionCheck, BlockID: "inc:42:item:2", ActionTS: "1714571001.7"},
			dispatch.Command{Kind: dispatch.Checklist, Item: 2, Done: false, Incident: 42},
		},
	}
	for _, tt := range tests {
		rec, _ := serve(h.Interactions(), click(tt.action))
		if rec.Code != http.StatusOK {
			t.Fatalf("%v: status %d", tt.action.ActionID, rec.Code)
		}
		want := tt.want
		want.Actor, want.Channel = "U0BOB", "C0INC42"
		want.Key = "slack:action:U0BOB:" + tt.action.ActionID + ":" + tt.action.ActionTS
		if diff := cmp.Diff(want, doer.next(t), ignoreCommandInternals); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.action.ActionID, diff)
		}
	}
	t.Run("BadSignature", func(t *testing.T) {
		r := click(tests[0].action)
		r.Header.Set(headerSignature, "v0=00")
		if rec, _ := serve(h.Interactions(), r); rec.Code != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", rec.Code)
		}
		doer.none(t)
	})
}

func TestHandlers_NoteModal(t *testing.T) {
	s := MustSlack(t)
	doer := newFakeDoer()
	api := slack.New(testToken, slack.OptionAPIURL(s.URL()))
	h := MustHandlers(t, HandlerConfig{Doer: doer, Slack: api})

	serve(h.Interactions(), click(sim.SlackAction{ActionID: ActionNote, BlockID: "inc:42", Value: "inc:42", ActionTS: "1.2"}))
	for len(s.Views()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if v := s.Views()[0]; v.TriggerID != "999.1.t" || !strings.Contains(string(v.View), `"inc:42:C0INC42"`) {
		t.Errorf("view = %s (trigger %s)", v.View, v.TriggerID)
	}

	submit := func(text string) (int, string) {
		rec, _ := serve(h.Interactions(), interaction(t, map[string]any{
			"type": "view_submission", "user": map[string]string{"id": "U0BOB"}, "trigger_id": "555.1.v",
			"view": map[string]any{
				"id": "V1", "callback_id": ViewNote, "private_metadata": "inc:42:C0INC42",
				"state": map[string]any{"values": map[string]any{"note": map[string]any{"note_text": map[string]any{"type": "plain_text_input", "value": text}}}},
			},
		}))
		return rec.Code, rec.Body.String()
	}
	if code, body := submit("  "); code != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) {
		t.Errorf("empty note: %d %s", code, body)
	}
	doer.none(t)
	if code, body := submit("rolled back <b>"); code != http.StatusOK || body != "" {
		t.Errorf("note: %d %q, want an empty 200", code, body)
	}
	want := dispatch.Command{Kind: dispatch.Note, Incident: 42, Channel: "C0INC42", Actor: "U0BOB", Text: "rolled back <b>", Key: "slack:trigger:555.1.v"}
	if diff := cmp.Diff(want, doer.next(t), ignoreCommandInternals); diff != "" {
		t.Errorf("note (-want +got):\n%s", diff)
	}
}

func TestHandlers_AddToTimeline(t *testing.T) {
	doer := newFakeDoer()
	h := MustHandlers(t, HandlerConfig{Doer: doer})
	rec, _ := serve(h.Interactions(), interaction(t, map[string]any{
		"type": "message_action", "callback_id": ShortcutAddTimeline, "trigger_id": "777.1.m",
		"user": map[string]string{"id": "U0ALICE"}, "channel": map[string]string{"id": "C0INC42"},
		"message_ts": "1714571111.000200",
		"message": map[string]any{
			"ts": "1714571111.000200", "user": "U0BOB", "text": "deploy <https://ci.example/1|#1> broke it &amp; more",
			"files": []map[string]any{{"name": "graph.png", "mimetype": "image/png"}, {"name": "log.txt", "mimetype": "text/plain"}},
		},
	}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	want := dispatch.Command{
		Kind: dispatch.Note, Channel: "C0INC42", Actor: "U0ALICE", Key: "slack:trigger:777.1.m",
		Text: "deploy #1 (https://ci.example/1) broke it & more",
		Data: map[string]string{"message_ts": "1714571111.000200", "channel": "C0INC42", "author": "U0BOB", "files": "graph.png"},
	}
	if diff := cmp.Diff(want, doer.next(t), ignoreCommandInternals); diff != "" {
		t.Errorf("note (-want +got):\n%s", diff)
	}
}

// fakeAcker records Socket Mode acknowledgements.
type fakeAcker struct {
	mu   sync.Mutex
	acks []any
}

func (a *fakeAcker) Ack(_ socketmode.Request, payload ...any) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var p any
	if len(payload) > 0 {
		p = payload[0]
	}
	a.acks = append(a.acks, p)
	return nil
}

func TestHandlers_SocketMode(t *testing.T) {
	doer := newFakeDoer()
	h := MustHandlers(t, HandlerConfig{Doer: doer})
	a := &fakeAcker{}
	sc := slack.SlashCommand{UserID: "U0ALICE", ChannelID: "C0INC42", Text: "INC-42 sev 1", TriggerID: "t-1"}
	h.socketEvent(a, socketmode.Event{Type: socketmode.EventTypeSlashCommand, Data: sc, Request: &socketmode.Request{EnvelopeID: "e1"}})
	want := dispatch.Command{Kind: dispatch.SetSeverity, Severity: 1, Incident: 42, Actor: "U0ALICE", Channel: "C0INC42", Key: "slack:trigger:t-1"}
	if diff := cmp.Diff(want, doer.next(t), ignoreCommandInternals); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	ic := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U0BOB"}}
	ic.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: ActionApprove, Value: "run-9", ActionTs: "1.1"}}
	h.socketEvent(a, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: ic, Request: &socketmode.Request{EnvelopeID: "e2"}})
	if got := doer.next(t); got.Kind != dispatch.Approve || got.RunID != "run-9" || got.Actor != "U0BOB" {
		t.Errorf("approve = %+v", got)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.acks) != 2 || a.acks[0].(slack.WebhookMessage).Text != msgWorking || a.acks[1] != nil {
		t.Errorf("acks = %#v", a.acks)
	}
}
