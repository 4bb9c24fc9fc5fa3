package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// A post is "in doubt" when an earlier attempt may have reached Slack
// without tocsin recording the result: the attempt's answer was lost (a
// timeout, a reset, a server error), it succeeded but recording its result
// failed (a full disk), or the process that made it was killed.
// Before posting again, an effect in doubt looks for the message among the
// channel's recent ones, so a crash or a lost answer does not post it twice.
// The header and run status messages are found by their block ids, shared
// files by their name and title, other top-level messages by their
// content. Thread replies are not looked for (at least once).

// historyPages bounds how far back findMessage looks (200 messages a page).
const historyPages = 3

// maxDoubts bounds the effects remembered as in doubt.
const maxDoubts = 10000

// inDoubt reports whether an earlier attempt of eff may have posted it:
// one by this process (an effect is performed again only if its result was
// not recorded) that succeeded or whose answer was lost, or one by an
// earlier process or leader (eff was enqueued before this process started,
// or before its term of leadership began: NewTerm).
func (e *Executor) inDoubt(eff incident.Effect) bool {
	if eff.ID == 0 { // not from the outbox: nothing to go by
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !eff.CreatedAt.IsZero() && eff.CreatedAt.Before(e.started) {
		return true
	}
	return e.doubts[eff.ID]
}

// NewTerm tells the Executor that this replica has just become the leader
// (with replicas on PostgreSQL; the app calls it before the term's outbox
// worker starts). Any effect enqueued before now may have been performed
// by the leader before, which died before recording it: such a post is in
// doubt, as after a restart. Effects carry their enqueuing replica's clock,
// so the replicas' clocks must agree to within the time between an
// effect's enqueuing and a takeover (NTP, or Amazon Time Sync on AWS).
func (e *Executor) NewTerm() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.started = e.cfg.Now()
}

// noteOutcome remembers whether a later attempt of eff would be in doubt:
// this one succeeded, or failed in a way that may have come after Slack
// acted (a transient failure other than a rate limit). A deferral before
// calling Slack changes nothing; any other failure clears it.
func (e *Executor) noteOutcome(eff incident.Effect, err error) {
	var retry *dispatch.RetryError
	var limited *slack.RateLimitedError
	deferred := errors.As(err, &retry)
	doubt := err == nil || !deferred && !errors.As(err, &limited) && slackCode(err) != "ratelimited" && transient(err)
	if eff.ID == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case doubt:
		if len(e.doubts) >= maxDoubts {
			clear(e.doubts)
		}
		e.doubts[eff.ID] = true
	case !deferred:
		delete(e.doubts, eff.ID)
	}
}

// postOnce posts like postBlocks, unless eff is in doubt and the bot's
// identical message is among the channel's messages since eff was created:
// then that message is the result.
func (e *Executor) postOnce(ctx context.Context, eff incident.Effect, ch, thread, text string, blocks []slack.Block) (string, error) {
	if thread == "" && e.inDoubt(eff) {
		self, err := e.selfID(ctx)
		if err != nil {
			return "", err
		}
		want := text + "\n" + blockTexts(blocks)
		ts, err := e.findMessage(ctx, ch, eff.CreatedAt.Add(-time.Minute), func(m slack.Message) bool {
			return (m.User == self || m.BotID != "") && m.Text+"\n"+blockTexts(m.Blocks.BlockSet) == want
		})
		if err != nil || ts != "" {
			return ts, err
		}
	}
	return e.postBlocks(ctx, ch, thread, text, blocks)
}

// findMessage returns the ts of the newest top-level message of ch, posted
// after oldest (zero: any time), for which match is true; "" if none is
// among the most recent historyPages pages.
func (e *Executor) findMessage(ctx context.Context, ch string, oldest time.Time, match func(slack.Message) bool) (string, error) {
	params := &slack.GetConversationHistoryParameters{ChannelID: ch, Limit: 200}
	if !oldest.IsZero() {
		params.Oldest = strconv.FormatInt(oldest.Unix(), 10) + ".000000"
	}
	for range historyPages {
		if err := e.wait(call{method: "conversations.history"}); err != nil {
			return "", err
		}
		page, err := e.api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			return "", fmt.Errorf("read recent messages of %s: %w", ch, err)
		}
		for _, m := range page.Messages {
			if match(m) {
				return m.Timestamp, nil
			}
		}
		if !page.HasMore || page.ResponseMetaData.NextCursor == "" {
			break
		}
		params.Cursor = page.ResponseMetaData.NextCursor
	}
	return "", nil
}

// hasBlock reports whether blocks hold one with the given id.
func hasBlock(blocks slack.Blocks, id string) bool {
	for _, b := range blocks.BlockSet {
		if b.ID() == id {
			return true
		}
	}
	return false
}

// blockTexts is the text a message's blocks show, one line per text
// object: what identifies a message whatever JSON form Slack returns it in.
func blockTexts(blocks []slack.Block) string {
	var b strings.Builder
	add := func(t *slack.TextBlockObject) {
		if t != nil {
			b.WriteString(t.Text)
			b.WriteByte('\n')
		}
	}
	for _, bl := range blocks {
		b.WriteString(bl.ID())
		b.WriteByte('\n')
		switch bl := bl.(type) {
		case *slack.SectionBlock:
			add(bl.Text)
			for _, f := range bl.Fields {
				add(f)
			}
		case *slack.HeaderBlock:
			add(bl.Text)
		case *slack.ContextBlock:
			for _, el := range bl.ContextElements.Elements {
				if t, ok := el.(*slack.TextBlockObject); ok {
					add(t)
				}
			}
		}
	}
	return b.String()
}
