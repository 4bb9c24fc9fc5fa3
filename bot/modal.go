package bot

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// The modals tocsin opens: the note form (Add note) and the resolve form
// (Resolve, and /incident resolve without a summary), which asks for the
// resolution and is the confirmation a resolve needs.

// openModal opens view with the trigger of the click or command (views.open
// must use it within 3 s). Without a Slack client, or when Slack refuses,
// the person is told fallback instead.
func (h *Handlers) openModal(to replyTo, trigger string, view slack.ModalViewRequest, fallback string) {
	if h.cfg.Slack == nil || trigger == "" {
		h.sendSoon(to, ephemeral(fallback, nil))
		return
	}
	ok := h.submit(func(ctx context.Context) {
		if _, err := h.cfg.Slack.OpenViewContext(ctx, trigger, view); err != nil {
			h.log.Warn("open modal", "modal", view.CallbackID, "err", err)
			h.send(ctx, to, ephemeral("Could not open the form. "+fallback, nil))
		}
	})
	if !ok {
		h.sendSoon(to, ephemeral(msgOverloaded, nil))
	}
}

// openNote opens the note modal.
func (h *Handlers) openNote(ic slack.InteractionCallback, id incident.ID) {
	h.openModal(replyFor(ic), ic.TriggerID, noteModal(id, channelOf(ic)), "Use /incident note <text> to add a note.")
}

// openResolve opens the resolve modal for incident id (0: the incident of
// channel); severity, when known, says how grave the resolve is.
func (h *Handlers) openResolve(to replyTo, trigger string, id incident.ID, channel, severity string) {
	h.openModal(to, trigger, resolveModal(id, channel, severity), "Use /incident resolve <what resolved it>.")
}

// noteSubmission turns the note modal into a Note command. An empty note or
// a full queue keeps the modal open with an error under the field.
func (h *Handlers) noteSubmission(ic slack.InteractionCallback) any {
	text := inputValue(ic, "note", "note_text")
	if text == "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{"note": "Write something first."})
	}
	id, channel, _ := parseBlockID(ic.View.PrivateMetadata)
	return h.submitted(ic, "note", dispatch.Command{Kind: dispatch.Note, Incident: id, Channel: channel, Text: truncate(text, maxText)})
}

// resolveSubmission turns the resolve modal into a Resolve command with the
// summary. Without a summary the modal stays open and says why one is needed.
func (h *Handlers) resolveSubmission(ic slack.InteractionCallback) any {
	text := inputValue(ic, "summary", "summary_text")
	if text == "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{
			"summary": "Say what resolved it: it goes on the timeline and into the review."})
	}
	meta, _ := url.ParseQuery(ic.View.PrivateMetadata)
	n, _ := strconv.ParseUint(meta.Get("incident"), 10, 64)
	cmd := dispatch.Command{Kind: dispatch.Resolve, Incident: incident.ID(n), Channel: meta.Get("channel"), Text: truncate(text, maxText)}
	return h.submitted(ic, "summary", cmd)
}

// submitted runs the command a modal gave, as the verified user who
// submitted it; a refusal (a full queue) shows under the field.
func (h *Handlers) submitted(ic slack.InteractionCallback, field string, cmd dispatch.Command) any {
	if ic.User.ID == "" {
		return nil
	}
	cmd.Actor, cmd.Key = ic.User.ID, key("trigger", ic.TriggerID)
	to := replyFor(ic)
	to.channel = cmd.Channel
	if refused := h.accept(cmd, to); refused != "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{field: refused})
	}
	return nil
}

// inputValue is what was typed in a modal's input, trimmed.
func inputValue(ic slack.InteractionCallback, block, action string) string {
	if ic.View.State == nil {
		return ""
	}
	return strings.TrimSpace(ic.View.State.Values[block][action].Value)
}

// noteModal is the "Add note" modal. Its private metadata carries the
// incident and channel the note belongs to.
func noteModal(id incident.ID, channel string) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(plain("What happened?"), "note_text")
	input.Multiline = true
	input.MaxLength = maxText
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      ViewNote,
		Title:           plain(truncate("Note on "+id.String(), 24)),
		Submit:          plain("Add note"),
		Close:           plain("Cancel"),
		PrivateMetadata: blockID(id, channel),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("note", plain("Note"), nil, input),
		}},
	}
}

// resolveModal asks what resolved the incident. Submitting it is the
// confirmation: a SEV1 or SEV2 says so first. Its private metadata carries
// the incident (0 when the channel names it) and the channel.
func resolveModal(id incident.ID, channel, severity string) slack.ModalViewRequest {
	name := "the incident"
	if id != 0 {
		name = id.String()
	}
	intro := "Resolving " + name + " says the impact is over and stops its escalation."
	if sev, err := incident.ParseSeverity(severity); err == nil && sev <= incident.SEV2 {
		intro = ":warning: " + name + " is a *" + sev.String() + "*. " + intro
	}
	intro += " What you write goes on the timeline and into the review's Resolution."
	input := slack.NewPlainTextInputBlockElement(plain("For example: rolled back the 14:02 deploy of payments-api"), "summary_text")
	input.Multiline = true
	input.MaxLength = maxText
	meta := url.Values{"channel": {channel}}
	if id != 0 {
		meta.Set("incident", strconv.FormatUint(uint64(id), 10))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      ViewResolve,
		Title:           plain(truncate("Resolve "+name, 24)),
		Submit:          plain("Resolve"),
		Close:           plain("Cancel"),
		PrivateMetadata: meta.Encode(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn(intro), nil, nil),
			slack.NewInputBlock("summary", plain("What resolved it?"), nil, input),
		}},
	}
}
