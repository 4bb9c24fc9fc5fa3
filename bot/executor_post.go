package bot

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// header posts and pins the incident's header, once. An attempt that might
// follow an interrupted one first looks for the pinned header among the
// channel's pins, so a crash after posting does not post it twice.
func (e *Executor) header(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	if inc.Channel.HeaderTS != "" {
		return dispatch.Outcome{}, nil
	}
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	ts, err := e.findHeader(ctx, eff, inc, ch)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	if ts == "" {
		if err := e.wait(paced("chat.postMessage", ch)...); err != nil {
			return dispatch.Outcome{}, err
		}
		if ts, err = e.postBlocks(ctx, ch, "", summary(inc), HeaderBlocks(inc)); err != nil {
			return dispatch.Outcome{}, fmt.Errorf("post header: %w", err)
		}
	}
	// The pin is its own effect: pins.add is Tier 2, and when a storm opens
	// many incidents at once the header must not wait for it.
	pin := incident.Effect{Kind: dispatch.EffSlackPin, Incident: inc.ID, Data: map[string]string{"ts": ts}, CreatedAt: e.now().UTC()}
	return dispatch.Outcome{Events: []incident.Event{e.event(inc, incident.EventHeader, map[string]string{"ts": ts})},
		Then: []incident.Effect{pin}}, nil
}

// findHeader returns the ts of this incident's header, if an earlier
// attempt posted it: among the channel's pins or, when that attempt was cut
// off before the pin or its answer was lost, among the channel's recent
// messages (the slack.pin effect that follows pins it). In a channel this process
// created, an attempt not in doubt cannot have posted it, and skips the
// lookups.
func (e *Executor) findHeader(ctx context.Context, eff incident.Effect, inc incident.Incident, ch string) (string, error) {
	e.mu.Lock()
	fresh := e.created[ch]
	e.mu.Unlock()
	if fresh && !e.inDoubt(eff) {
		return "", nil
	}
	if err := e.wait(call{method: "pins.list"}); err != nil {
		return "", err
	}
	items, _, err := e.api.ListPinsContext(ctx, ch)
	if err != nil {
		return "", fmt.Errorf("list pins of %s: %w", ch, err)
	}
	want := blockID(inc.ID, "header")
	for _, it := range items {
		if it.Message != nil && hasBlock(it.Message.Blocks, want) {
			return it.Message.Timestamp, nil
		}
	}
	return e.findMessage(ctx, ch, time.Time{}, func(m slack.Message) bool { return hasBlock(m.Blocks, want) })
}

// pin pins the header (slack.pin, which slack.header schedules); a message
// pinned already counts as done.
func (e *Executor) pin(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	if err := e.wait(call{method: "pins.add"}); err != nil {
		return dispatch.Outcome{}, err
	}
	ts := eff.Data["ts"]
	err = e.api.AddPinContext(ctx, ch, slack.NewRefToMessage(ch, ts))
	if err != nil && slackCode(err) != "already_pinned" {
		return dispatch.Outcome{}, fmt.Errorf("pin header %s in %s: %w", ts, ch, err)
	}
	return dispatch.Outcome{}, nil
}

// update refreshes the header, the topic (only when its text changed) and
// the announcement (only when what it shows changed). The chat.update
// calls are reserved together, so that a deferral never repeats one and
// starves the other.
func (e *Executor) update(ctx context.Context, _ incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	header := inc.Channel.HeaderTS != "" // else slack.header renders the current state
	ann, annChanged := e.announcementChange(inc)
	var calls []call
	if header {
		calls = append(calls, call{method: "chat.update"})
	}
	if annChanged {
		calls = append(calls, call{method: "chat.update"})
	}
	if err := e.wait(calls...); err != nil {
		return dispatch.Outcome{}, err
	}
	if header {
		_, _, _, err = e.api.UpdateMessageContext(ctx, ch, inc.Channel.HeaderTS,
			slack.MsgOptionText(summary(inc), false), slack.MsgOptionBlocks(HeaderBlocks(inc)...))
		if err != nil {
			return dispatch.Outcome{}, fmt.Errorf("update header: %w", err)
		}
	}
	if annChanged {
		if err := e.updateAnnouncement(ctx, inc, ann); err != nil {
			return dispatch.Outcome{}, err
		}
	}
	if !header {
		return dispatch.Outcome{}, nil
	}
	return dispatch.Outcome{}, e.syncTopic(ctx, ch, Topic(inc))
}

// announce posts the incident in the announcements channel (Data
// "channel", or else the configured one), with Data "text" if any. The
// first announcement, without text, is recorded (EventAnnounced) so that
// slack.update keeps it true.
func (e *Executor) announce(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch := cmp.Or(eff.Data["channel"], e.cfg.AnnounceChannel)
	first := eff.Data["text"] == ""
	if ch == "" || first && inc.Channel.AnnounceTS != "" {
		return dispatch.Outcome{}, nil
	}
	if _, err := needChannel(inc); err != nil {
		return dispatch.Outcome{}, err // the announcement links the channel
	}
	if err := e.wait(paced("chat.postMessage", ch)...); err != nil {
		return dispatch.Outcome{}, err
	}
	blocks := announcementBlocks(inc, eff.Data["text"])
	ts, err := e.postOnce(ctx, eff, ch, "", summary(inc), blocks)
	if err != nil || !first {
		return dispatch.Outcome{}, err
	}
	e.mu.Lock()
	e.shown[ts] = blockTexts(blocks)
	e.mu.Unlock()
	ev := e.event(inc, incident.EventAnnounced, map[string]string{"channel": ch, "ts": ts})
	return dispatch.Outcome{Events: []incident.Event{ev}}, nil
}

// post posts Data["text"] (mrkdwn, made safe by SafeMrkdwn) in the incident channel, in the
// header's thread for thread=header or a message's for thread=<ts>, after
// the mentions in Data["mention"] (comma-separated user or group ids, here,
// channel).
func (e *Executor) post(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	text := strings.TrimSpace(eff.Data["text"])
	if text == "" {
		return dispatch.Outcome{}, fmt.Errorf("%w: nothing to post", dispatch.ErrPermanent)
	}
	thread := eff.Data["thread"]
	if thread == "header" {
		thread = inc.Channel.HeaderTS
	}
	if err := e.wait(paced("chat.postMessage", ch)...); err != nil {
		return dispatch.Outcome{}, err
	}
	text = mentions(eff.Data["mention"]) + SafeMrkdwn(text)
	_, err = e.postOnce(ctx, eff, ch, thread, text, offerBlocks(inc, text, eff.Data["actions"]))
	return dispatch.Outcome{}, err
}

// offerBlocks are a post's blocks when it offers an action (actions=ack:
// an Acknowledge button, while the incident still waits for one); nil for
// plain text.
func offerBlocks(inc incident.Incident, text, actions string) []slack.Block {
	if actions != "ack" || (inc.Status != incident.StatusDetected && inc.Status != incident.StatusDeclared) {
		return nil
	}
	return []slack.Block{
		slack.NewSectionBlock(mrkdwn(text), nil, nil),
		slack.NewActionBlock(blockID(inc.ID, "escalation"), button(ActionAck, blockID(inc.ID, ""), "Acknowledge", slack.StylePrimary)),
	}
}

// mentions renders comma-separated ids (and here/channel) as a prefix.
func mentions(list string) string {
	var out []string
	for m := range strings.SplitSeq(list, ",") {
		switch m = strings.TrimSpace(m); {
		case m == "here" || m == "channel":
			out = append(out, "<!"+m+">")
		case userIDPattern.MatchString(m) || groupIDPattern.MatchString(m):
			out = append(out, mention(m))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, " ") + " "
}

// checklist posts the playbook's checklist with a checkbox per item, or
// with Data "update" edits it; either way the boxes show what the timeline
// says is ticked (inc.Ticked).
func (e *Executor) checklist(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	items, err := parseChecklist(eff.Data["items"])
	if err != nil {
		return dispatch.Outcome{}, fmt.Errorf("%w: %w", dispatch.ErrPermanent, err)
	}
	for i := range items {
		items[i].Done = items[i].Done || inc.Ticked[i]
	}
	id, text, blocks := blockID(inc.ID, "checklist"), "Checklist for "+inc.ID.String(), ChecklistBlocks(inc.ID, items)
	if eff.Data["update"] != "" {
		return dispatch.Outcome{}, e.editOwned(ctx, ch, id, text, blocks)
	}
	if err := e.wait(paced("chat.postMessage", ch)...); err != nil {
		return dispatch.Outcome{}, err
	}
	ts, err := e.postOnce(ctx, eff, ch, "", text, blocks)
	if err == nil {
		e.remember(id, ts)
	}
	return dispatch.Outcome{}, err
}

// approval posts an approval request with Approve and Deny buttons, or,
// once Data "decision" says how it was decided, edits it into the record
// of that decision.
func (e *Executor) approval(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	run, err := runViewFromData(inc.ID, eff.Data)
	if err != nil {
		return dispatch.Outcome{}, fmt.Errorf("%w: %w", dispatch.ErrPermanent, err)
	}
	if eff.Data["decision"] != "" {
		return e.decideApproval(ctx, ch, run, eff.Data)
	}
	if err := e.wait(paced("chat.postMessage", ch)...); err != nil {
		return dispatch.Outcome{}, err
	}
	text := fmt.Sprintf("Approval needed to run %s for %s", Escape(run.Runbook), inc.ID)
	ts, err := e.postOnce(ctx, eff, ch, "", text, ApprovalBlocks(run))
	if err == nil {
		e.remember(blockID(inc.ID, "approval:"+run.ID), ts)
	}
	return dispatch.Outcome{}, err
}

// postBlocks posts a message and returns its ts. text is the notification
// fallback and must already be escaped.
func (e *Executor) postBlocks(ctx context.Context, ch, thread, text string, blocks []slack.Block) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl()}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	_, ts, err := e.api.PostMessageContext(ctx, ch, opts...)
	if err != nil {
		return "", fmt.Errorf("post to %s: %w", ch, err)
	}
	return ts, nil
}

// summary is a message's notification text: "INC-42 · SEV2 · title".
func summary(inc incident.Incident) string {
	return fmt.Sprintf("%s · %s · %s", inc.ID, inc.Severity, Escape(inc.Title))
}
