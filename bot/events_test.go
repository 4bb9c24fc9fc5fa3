package bot

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/sim"
)

// eventRequest signs an event delivery; Slack signs each delivery (retries
// included) at its own time, so sentAgo tells deliveries apart.
func eventRequest(t *testing.T, payload any, sentAgo ...time.Duration) *http.Request {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	at := eventsSent // not time.Now(): a retry signed "1 s ago" a moment later could land on the same second
	for _, d := range sentAgo {
		at = at.Add(-d)
	}
	return signed("/slack/events", "application/json", string(raw), at)
}

// eventsSent is when the tests' events are signed: one instant, so that
// deliveries signed at different offsets from it never share a timestamp
// (and a signature the replay guard has seen).
var eventsSent = time.Now()

func callbackEvent(id string, inner map[string]any) map[string]any {
	return map[string]any{
		"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": id, "event_time": 1714571000, "event": inner,
	}
}

func TestHandlers_Events(t *testing.T) {
	doer := newFakeDoer()
	h := MustHandlers(t, HandlerConfig{Doer: doer})

	t.Run("URLVerification", func(t *testing.T) {
		rec, _ := serve(h.Events(), eventRequest(t, map[string]string{"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}))
		var got map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &got)
		if rec.Code != http.StatusOK || got["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
			t.Errorf("challenge: %d %s", rec.Code, rec.Body)
		}
	})

	changed := callbackEvent("Ev01", map[string]any{
		"type": "message", "subtype": "message_changed", "channel": "C0INC42", "ts": "1714571200.000300",
		"message":          map[string]any{"type": "message", "user": "U0BOB", "text": "rolled back v2 &lt;fast&gt;", "ts": "1714571111.000200"},
		"previous_message": map[string]any{"type": "message", "user": "U0BOB", "text": "rolled back v1", "ts": "1714571111.000200"},
	})
	t.Run("MessageChanged", func(t *testing.T) {
		for i := range 2 { // the second delivery is a retry with the same event id
			if rec, _ := serve(h.Events(), eventRequest(t, changed, time.Duration(i)*time.Second)); rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
		}
		want := dispatch.Command{
			Kind: dispatch.Note, Channel: "C0INC42", Actor: "U0BOB", Text: "rolled back v2 <fast>", Key: "slack:event:Ev01",
			Data: map[string]string{"message_ts": "1714571111.000200", "edited": "true", "channel": "C0INC42"},
		}
		if diff := cmp.Diff(want, doer.next(t), ignoreCommandInternals); diff != "" {
			t.Errorf("edit (-want +got):\n%s", diff)
		}
	})
	t.Run("MessageDeleted", func(t *testing.T) {
		deleted := callbackEvent("Ev02", map[string]any{
			"type": "message", "subtype": "message_deleted", "channel": "C0INC42", "ts": "1714571300.000400",
			"deleted_ts":       "1714571111.000200",
			"previous_message": map[string]any{"type": "message", "user": "U0BOB", "text": "rolled back v2", "ts": "1714571111.000200"},
		})
		serve(h.Events(), eventRequest(t, deleted))
		want := dispatch.Command{
			Kind: dispatch.Note, Channel: "C0INC42", Actor: "U0BOB", Key: "slack:event:Ev02",
			Data: map[string]string{"message_ts": "1714571111.000200", "deleted": "true", "channel": "C0INC42"},
		}
		if diff := cmp.Diff(want, doer.next(t), ignoreCommandInternals); diff != "" {
			t.Errorf("deletion (-want +got):\n%s", diff)
		}
	})
	t.Run("Ignored", func(t *testing.T) {
		for i, inner := range []map[string]any{
			{"type": "message", "channel": "C0INC42", "user": "U0BOB", "text": "hello", "ts": "1.1"},
			{"type": "message", "subtype": "message_changed", "channel": "C0INC42",
				"message": map[string]any{"bot_id": "B0TOCSIN", "text": "header v2", "ts": "1.2"}},
			{"type": "message", "subtype": "message_changed", "channel": "C0INC42",
				"message":          map[string]any{"user": "U0BOB", "text": "same", "ts": "1.3"},
				"previous_message": map[string]any{"user": "U0BOB", "text": "same", "ts": "1.3"}},
			{"type": "reaction_added", "user": "U0BOB", "reaction": "eyes"},
		} {
			if rec, _ := serve(h.Events(), eventRequest(t, callbackEvent("EvX"+string(rune('a'+i)), inner))); rec.Code != http.StatusOK {
				t.Errorf("event %d: status %d", i, rec.Code)
			}
		}
	})
	doer.none(t)
}

func TestHandlers_Events_Overloaded(t *testing.T) {
	doer := newFakeDoer()
	h := NewHandlers(HandlerConfig{SigningSecret: testSecret, Doer: doer, QueueSize: 1}) // no workers
	edit := func(id string) map[string]any {
		return callbackEvent(id, map[string]any{
			"type": "message", "subtype": "message_changed", "channel": "C1",
			"message": map[string]any{"user": "U0BOB", "text": "new " + id, "ts": "1.1"},
		})
	}
	var codes []int
	for i, id := range []string{"Ev1", "Ev2", "Ev2"} {
		rec, _ := serve(h.Events(), eventRequest(t, edit(id), time.Duration(i)*time.Second))
		codes = append(codes, rec.Code)
	}
	// Ev2 could not be queued, so it is not remembered: its redelivery is
	// refused again rather than silently dropped.
	if diff := cmp.Diff([]int{200, 503, 503}, codes); diff != "" {
		t.Errorf("status codes (-want +got):\n%s", diff)
	}
}

// A subteam_members_changed event makes the Executor forget the group, so
// the next lookup reads Slack again without waiting for the cache's TTL;
// a redelivery is harmless, and no command is made of it.
func TestHandlers_Events_SubteamMembersChanged(t *testing.T) {
	s := MustSlack(t)
	clock := sim.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	ex := newTestExecutor(t, s, func(c *ExecutorConfig) { c.Now = clock.Now })
	doer := newFakeDoer()
	h := MustHandlers(t, HandlerConfig{Doer: doer, Groups: ex})
	members := func() []string {
		t.Helper()
		got, err := ex.UserGroups(t.Context(), "S0SRE")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if diff := cmp.Diff([]string{"U0BOB", "U0CAROL"}, members()); diff != "" {
		t.Fatalf("members before (-want +got):\n%s", diff)
	}
	body := s.SetUserGroup("EvSub1", "S0SRE", []string{"U0CAROL", "U0ALICE"})
	clock.Advance(10 * time.Second)
	if diff := cmp.Diff([]string{"U0BOB", "U0CAROL"}, members()); diff != "" {
		t.Fatalf("members before the event: the cache should still answer (-want +got):\n%s", diff)
	}
	for i := range 2 { // the second delivery is Slack's retry of the same event
		rec, _ := serve(h.Events(), eventRequest(t, json.RawMessage(body), time.Duration(i)*time.Second))
		if rec.Code != http.StatusOK {
			t.Fatalf("delivery %d: status %d", i, rec.Code)
		}
	}
	if diff := cmp.Diff([]string{"U0CAROL", "U0ALICE"}, members()); diff != "" {
		t.Errorf("members after the event (-want +got):\n%s", diff)
	}
	if n := s.CallCount("usergroups.users.list"); n != 2 {
		t.Errorf("usergroups.users.list called %d times; want 2 (once cached, once after the event)", n)
	}
	doer.none(t)
}
