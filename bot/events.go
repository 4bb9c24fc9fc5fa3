package bot

import (
	"cmp"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/slack-go/slack/slackevents"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// GroupForgetter drops a Slack user group's cached members; *Executor is one.
type GroupForgetter interface {
	ForgetGroup(groupID string)
}

// Events handles POST /slack/events (the Events API): the url_verification
// challenge; edits and deletions of messages, which become Note commands
// carrying the message's ts so that dispatch can mark a message it
// captured on a timeline as edited or deleted; and subteam_members_changed,
// which makes HandlerConfig.Groups forget that group's members, so that a
// change in who may do what takes effect at once. Every delivery is
// answered at once; a full queue answers 503 so that Slack delivers it
// again later.
func (h *Handlers) Events() http.Handler {
	return h.verified(func(w http.ResponseWriter, _ *http.Request, body []byte) {
		ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		if err != nil {
			http.Error(w, "malformed event", http.StatusBadRequest)
			return
		}
		switch data := ev.Data.(type) {
		case *slackevents.EventsAPIURLVerificationEvent:
			writeJSON(w, map[string]string{"challenge": data.Challenge})
		case *slackevents.EventsAPICallbackEvent:
			if !h.callback(data.EventID, ev.InnerEvent) {
				http.Error(w, "overloaded", http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
}

// callback handles one event callback, once per event id. It returns false
// only when the event could not be queued and should be delivered again.
func (h *Handlers) callback(eventID string, inner slackevents.EventsAPIInnerEvent) bool {
	if eventID != "" && h.events.seen(eventID, h.now()) {
		return true
	}
	if ch, ok := inner.Data.(*slackevents.SubteamMembersChangedEvent); ok {
		h.forgetGroup(ch.SubteamID)
		h.events.add(eventID, h.now())
		return true
	}
	msg, ok := inner.Data.(*slackevents.MessageEvent)
	if !ok {
		return true
	}
	cmd, ok := editCommand(msg)
	if !ok {
		h.events.add(eventID, h.now())
		return true
	}
	cmd.Key = key("event", eventID)
	if h.accept(cmd, replyTo{}) != "" {
		return false
	}
	h.events.add(eventID, h.now())
	return true
}

// forgetGroup forgets a user group whose members changed. Forgetting is
// idempotent, so a redelivered event does no harm.
func (h *Handlers) forgetGroup(id string) {
	if h.cfg.Groups == nil || !groupIDPattern.MatchString(id) {
		return
	}
	h.cfg.Groups.ForgetGroup(id)
	h.log.Debug("user group members changed; cached members forgotten", "group", id)
}

// editCommand reads a message_changed or message_deleted event of a
// person's message. Edits that do not change the text (link previews) and
// the bot's own messages (header refreshes) are ignored.
func editCommand(ev *slackevents.MessageEvent) (dispatch.Command, bool) {
	cmd := dispatch.Command{Kind: dispatch.Note, Channel: ev.Channel, Actor: "slack"}
	switch ev.SubType {
	case "message_changed":
		m, prev := ev.Message, ev.PreviousMessage
		if m == nil || m.BotID != "" || m.SubType == "bot_message" || (prev != nil && prev.Text == m.Text) {
			return dispatch.Command{}, false
		}
		cmd.Actor = cmp.Or(m.User, cmd.Actor)
		cmd.Text = truncate(plainText(m.Text), maxText)
		cmd.Data = map[string]string{"message_ts": m.Timestamp, "edited": "true", "channel": ev.Channel}
	case "message_deleted":
		prev := ev.PreviousMessage
		if ev.DeletedTimeStamp == "" || (prev != nil && (prev.BotID != "" || prev.SubType == "bot_message")) {
			return dispatch.Command{}, false
		}
		if prev != nil {
			cmd.Actor = cmp.Or(prev.User, cmd.Actor)
		}
		cmd.Data = map[string]string{"message_ts": ev.DeletedTimeStamp, "deleted": "true", "channel": ev.Channel}
	default:
		return dispatch.Command{}, false
	}
	return cmd, cmd.Data["message_ts"] != ""
}

// recent remembers ids (Events API event ids) for a while, at most max of
// them, forgetting the oldest first.
type recent struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	at    map[string]time.Time
	order []string
}

func newRecent(max int, ttl time.Duration) *recent {
	return &recent{max: max, ttl: ttl, at: make(map[string]time.Time)}
}

func (r *recent) seen(id string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.at[id]
	return ok && now.Sub(at) < r.ttl
}

func (r *recent) add(id string, now time.Time) {
	if id == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.at[id]; ok {
		return
	}
	if len(r.order) >= r.max {
		delete(r.at, r.order[0])
		r.order = r.order[1:]
	}
	r.at[id] = now
	r.order = append(r.order, id)
}
