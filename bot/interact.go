package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// Interactions handles POST /slack/interactions: buttons and checkboxes
// (block_actions), the note modal (view_submission) and the "Add to
// timeline" message shortcut (message_action).
func (h *Handlers) Interactions() http.Handler {
	return h.verifiedForm(func(w http.ResponseWriter, form url.Values) {
		var ic slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &ic); err != nil {
			http.Error(w, "malformed payload", http.StatusBadRequest)
			return
		}
		if resp := h.interact(ic); resp != nil {
			writeJSON(w, resp)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// interact handles one interaction and returns the body to acknowledge it
// with (nil for an empty 200). The actor is always the payload's user.
func (h *Handlers) interact(ic slack.InteractionCallback) any {
	switch {
	case ic.Type == slack.InteractionTypeBlockActions:
		for _, a := range ic.ActionCallback.BlockActions {
			h.blockAction(ic, a)
		}
	case ic.Type == slack.InteractionTypeViewSubmission && ic.View.CallbackID == ViewNote:
		return h.noteSubmission(ic)
	case ic.Type == slack.InteractionTypeViewSubmission && ic.View.CallbackID == ViewResolve:
		return h.resolveSubmission(ic)
	case ic.Type == slack.InteractionTypeMessageAction && ic.CallbackID == ShortcutAddTimeline:
		h.addToTimeline(ic)
	}
	return nil
}

func channelOf(ic slack.InteractionCallback) string {
	if ic.Channel.ID != "" {
		return ic.Channel.ID
	}
	return ic.Container.ChannelID
}

func replyFor(ic slack.InteractionCallback) replyTo {
	to := replyTo{responseURL: ic.ResponseURL, channel: channelOf(ic), user: ic.User.ID}
	if to.responseURL == "" && len(ic.ResponseURLs) > 0 {
		to.responseURL = ic.ResponseURLs[0].ResponseURL
	}
	return to
}

// blockAction turns one button or checkbox into a command. The incident
// comes from the block id (or value) tocsin rendered; whether the clicker
// may do it is dispatch's decision.
func (h *Handlers) blockAction(ic slack.InteractionCallback, a *slack.BlockAction) {
	id, rest, _ := parseBlockID(a.BlockID)
	detail := "" // what a button's value says beyond the incident (the severity, for Resolve)
	if vid, vrest, ok := parseBlockID(a.Value); ok {
		id, detail = vid, vrest
	}
	cmd := dispatch.Command{
		Incident: id, Actor: ic.User.ID, Channel: channelOf(ic),
		Key: key("action", ic.User.ID+":"+a.ActionID+":"+a.ActionTs),
	}
	name, _, _ := strings.Cut(a.ActionID, ":")
	switch name {
	case ActionAck:
		cmd.Kind = dispatch.Ack
	case ActionMitigated:
		cmd.Kind = dispatch.Mitigated
	case ActionResolve:
		h.openResolve(replyFor(ic), ic.TriggerID, id, channelOf(ic), detail)
		return
	case ActionRunbook:
		cmd.Kind, cmd.Runbook = dispatch.RunbookReq, a.Value
	case ActionApprove:
		cmd.Kind, cmd.RunID = dispatch.Approve, a.Value
	case ActionDeny:
		cmd.Kind, cmd.RunID = dispatch.Deny, a.Value
	case ActionCheck:
		cmd.Kind = dispatch.Checklist
		cmd.Item, cmd.Done = checkState(a, rest)
	case ActionNote:
		h.openNote(ic, id)
		return
	default:
		return
	}
	if a.ActionTs == "" {
		cmd.Key = ""
	}
	if ic.User.ID == "" {
		return
	}
	if refused := h.accept(cmd, replyFor(ic)); refused != "" {
		h.sendSoon(replyFor(ic), ephemeral(refused, nil))
	}
}

// checkState reads a checklist toggle: the item index from the block id
// (item:3) or the option value, and whether its box is now ticked.
func checkState(a *slack.BlockAction, rest string) (int, bool) {
	idx := strings.TrimPrefix(rest, "item:")
	if idx == rest || idx == "" {
		idx = a.Value
		if len(a.SelectedOptions) > 0 {
			idx = a.SelectedOptions[0].Value
		}
	}
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 {
		n = -1 // dispatch refuses it
	}
	if a.Type == slack.ActionType("checkboxes") {
		return n, len(a.SelectedOptions) > 0
	}
	return n, true
}

// addToTimeline turns the message shortcut into a Note carrying the
// message's ts, channel, author and attached images; dispatch finds the
// incident from the channel.
func (h *Handlers) addToTimeline(ic slack.InteractionCallback) {
	msg := ic.Message
	ts := cmp.Or(msg.Timestamp, ic.MessageTs)
	data := map[string]string{"message_ts": ts, "channel": channelOf(ic)}
	if msg.User != "" {
		data["author"] = msg.User
	}
	var images []string
	for _, f := range msg.Files {
		if strings.HasPrefix(f.Mimetype, "image/") {
			images = append(images, f.Name)
		}
	}
	if len(images) > 0 {
		data["files"] = strings.Join(images, ",")
	}
	cmd := dispatch.Command{
		Kind: dispatch.Note, Channel: channelOf(ic), Actor: ic.User.ID, Data: data,
		Text: truncate(plainText(msg.Text), maxText), Key: key("trigger", ic.TriggerID),
	}
	job := h.commandJob(cmd, replyFor(ic))
	if link, ok := h.cfg.Slack.(permalinker); ok {
		job = h.withPermalink(link, cmd, replyFor(ic))
	}
	if ic.User.ID == "" {
		return
	}
	if refused := h.acceptJob(cmd, replyFor(ic), job); refused != "" {
		h.sendSoon(replyFor(ic), ephemeral(refused, nil))
	}
}

// permalinker is the optional part of SlackAPI that finds a message's link.
type permalinker interface {
	GetPermalinkContext(ctx context.Context, params *slack.PermalinkParameters) (string, error)
}

// withPermalink adds the message's permalink before running the command;
// without one the note is still worth keeping.
func (h *Handlers) withPermalink(link permalinker, cmd dispatch.Command, to replyTo) func(context.Context) {
	return func(ctx context.Context) {
		p, err := link.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: cmd.Data["channel"], Ts: cmd.Data["message_ts"]})
		if err == nil && p != "" {
			cmd.Data["permalink"] = p
		}
		h.commandJob(cmd, to)(ctx)
	}
}
