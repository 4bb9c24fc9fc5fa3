package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// Messages tocsin keeps true after posting them: the announcement, each
// approval request, the checklist. Each is found again by the block id of
// its first block: from memory for messages this process posted, else
// among the channel's recent messages.

// maxOwned bounds the messages remembered by block id.
const maxOwned = 10000

// remember notes the ts of a message tocsin will edit later.
func (e *Executor) remember(blockID, ts string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.owned) >= maxOwned {
		clear(e.owned)
	}
	e.owned[blockID] = ts
}

// ownedMessage returns the ts of the message of ch that has a block with
// blockID, or "" when it cannot be found.
func (e *Executor) ownedMessage(ctx context.Context, ch, blockID string) (string, error) {
	e.mu.Lock()
	ts, ok := e.owned[blockID]
	e.mu.Unlock()
	if ok {
		return ts, nil
	}
	ts, err := e.findMessage(ctx, ch, time.Time{}, func(m slack.Message) bool { return hasBlock(m.Blocks, blockID) })
	if err == nil && ts != "" {
		e.remember(blockID, ts)
	}
	return ts, err
}

// edit replaces a message tocsin posted. A message someone deleted is not
// an error: there is nothing left to keep true.
func (e *Executor) edit(ctx context.Context, ch, ts, text string, blocks []slack.Block) error {
	if err := e.wait(call{method: "chat.update"}); err != nil {
		return err
	}
	_, _, _, err := e.api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	if slackCode(err) == "message_not_found" {
		e.log.Warn("message to update was deleted", "channel", ch, "ts", ts)
		return nil
	}
	if err != nil {
		return fmt.Errorf("update message %s in %s: %w", ts, ch, err)
	}
	return nil
}

// editOwned edits the message with blockID in ch, if it can be found.
func (e *Executor) editOwned(ctx context.Context, ch, blockID, text string, blocks []slack.Block) error {
	ts, err := e.ownedMessage(ctx, ch, blockID)
	switch {
	case err != nil:
		return err
	case ts == "":
		e.log.Warn("message to update not found", "channel", ch, "block_id", blockID)
		return nil
	}
	return e.edit(ctx, ch, ts, text, blocks)
}

// announcementChange renders the incident's announcement and reports
// whether it differs from what this process last set it to (after a
// restart, it is set once again).
func (e *Executor) announcementChange(inc incident.Incident) ([]slack.Block, bool) {
	if inc.Channel.AnnounceTS == "" {
		return nil, false
	}
	blocks := announcementBlocks(inc, "")
	e.mu.Lock()
	defer e.mu.Unlock()
	return blocks, e.shown[inc.Channel.AnnounceTS] != blockTexts(blocks)
}

// updateAnnouncement sets the announcement to blocks; the caller reserved
// the chat.update call. The announcements channel is not the incident's:
// its loss is logged, and never taken for the incident channel's.
func (e *Executor) updateAnnouncement(ctx context.Context, inc incident.Incident, blocks []slack.Block) error {
	ch, ts := inc.Channel.AnnounceChannel, inc.Channel.AnnounceTS
	_, _, _, err := e.api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText(summary(inc), false), slack.MsgOptionBlocks(blocks...))
	if code := slackCode(err); goneCodes[code] || permanentCodes[code] {
		e.log.Warn("cannot update the announcement", "incident", inc.ID.String(), "channel", ch, "slack_error", code)
		err = nil
	}
	if err != nil {
		return fmt.Errorf("update the announcement of %s: %w", inc.ID, err)
	}
	e.mu.Lock()
	if len(e.shown) >= maxOwned {
		clear(e.shown)
	}
	e.shown[ts] = blockTexts(blocks)
	e.mu.Unlock()
	return nil
}

// decideApproval turns an approval request into the record of its
// decision: who decided and how, without buttons.
func (e *Executor) decideApproval(ctx context.Context, ch string, run RunView, d map[string]string) (dispatch.Outcome, error) {
	at, _ := time.Parse(time.RFC3339Nano, d["decided_at"])
	blocks := DecidedApprovalBlocks(run, d["decision"], d["decided_by"], at)
	text := fmt.Sprintf("Run %s of %s for %s: %s", run.ID, Escape(run.Runbook), run.Incident, Escape(d["decision"]))
	return dispatch.Outcome{}, e.editOwned(ctx, ch, blockID(run.Incident, "approval:"+run.ID), text, blocks)
}
