package bot

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// maxRunMessages bounds the remembered progress messages.
const maxRunMessages = 10000

// firstStatusWaits is how many times a later status of a run waits for the
// run's first status message before it is posted on its own.
const firstStatusWaits = 3

var errNoRunMessage = errors.New("the run's first status message is not posted yet")

// runStatus posts a run's progress (Data "text"), or updates its earlier
// progress message (Data "ts", or the one this process posted). Data
// "final" = "1" marks the last update of a run.
func (e *Executor) runStatus(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	run, err := runViewFromData(inc.ID, eff.Data)
	if err != nil {
		return dispatch.Outcome{}, fmt.Errorf("%w: %w", dispatch.ErrPermanent, err)
	}
	blocks := runStatusBlocks(run, eff.Data["text"])
	text := truncate(Escape(cmp.Or(firstLine(eff.Data["text"]), "Runbook "+run.Runbook+": "+run.Status)), 300)
	final := eff.Data["final"] == "1"
	ts := e.runMessage(run.ID, ch, eff.Data["ts"], final)
	if ts == "" && (eff.Data["follows"] == "1" || e.inDoubt(eff)) {
		// Posted by an earlier process, or by an attempt whose answer was lost.
		id := blockID(inc.ID, "runstatus:"+run.ID)
		if ts, err = e.findMessage(ctx, ch, time.Time{}, func(m slack.Message) bool { return hasBlock(m.Blocks, id) }); err != nil {
			return dispatch.Outcome{}, err
		}
		if ts == "" && eff.Data["follows"] == "1" && eff.Attempts < firstStatusWaits {
			// After a restart a run's effects come due together: wait for its
			// first message rather than post a second one beside it.
			return dispatch.Outcome{}, dispatch.Retry(noChannelRetry, errNoRunMessage)
		}
	}
	updated := false
	if ts != "" {
		if err := e.wait(call{method: "chat.update"}); err != nil {
			return dispatch.Outcome{}, err
		}
		_, _, _, err := e.api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		if slackCode(err) != "message_not_found" && err != nil {
			return dispatch.Outcome{}, err
		}
		updated = err == nil
	}
	if !updated {
		if err := e.wait(paced("chat.postMessage", ch)...); err != nil {
			return dispatch.Outcome{}, err
		}
		if ts, err = e.postBlocks(ctx, ch, "", text, blocks); err != nil {
			return dispatch.Outcome{}, err
		}
	}
	if !final {
		e.mu.Lock()
		if len(e.runMsgs) >= maxRunMessages {
			clear(e.runMsgs)
		}
		e.runMsgs[run.ID] = runMessage{channel: ch, ts: ts}
		e.mu.Unlock()
	}
	return dispatch.Outcome{}, nil
}

// runMessage returns the progress message to update: the given ts, or the
// one this process posted for the run (forgotten once the run is final).
func (e *Executor) runMessage(run, ch, given string, final bool) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.runMsgs[run]
	if final {
		delete(e.runMsgs, run)
	}
	switch {
	case given != "":
		return given
	case ok && m.channel == ch:
		return m.ts
	}
	return ""
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// file uploads Data["content"] as Data["name"] (a review draft), or the
// alarm graph when Data["graph"] is "1", through the files.uploadV2 flow.
// An upload in doubt (executor_once.go) first looks for the file among the
// channel's recent messages, so a crash does not share it twice.
func (e *Executor) file(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	name, body, err := e.fileBody(ctx, eff, inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	title := strings.TrimSpace(eff.Data["title"])
	if e.inDoubt(eff) {
		if ts, err := e.findFile(ctx, ch, eff.CreatedAt.Add(-time.Minute), name, title); err != nil || ts != "" {
			return dispatch.Outcome{}, err // shared by the attempt in doubt
		}
	}
	if err := e.wait(call{method: "files.getUploadURLExternal"}, call{method: "files.completeUploadExternal"}); err != nil {
		return dispatch.Outcome{}, err
	}
	_, err = e.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Reader: bytes.NewReader(body), FileSize: len(body), Filename: name, Title: title, Channel: ch,
	})
	if err != nil {
		return dispatch.Outcome{}, fmt.Errorf("upload %s: %w", name, err)
	}
	return dispatch.Outcome{}, nil
}

// findFile returns the ts of a message of ch, posted by tocsin after
// oldest, that shares a file with the given name and title ("" if none).
func (e *Executor) findFile(ctx context.Context, ch string, oldest time.Time, name, title string) (string, error) {
	self, err := e.selfID(ctx)
	if err != nil {
		return "", err
	}
	return e.findMessage(ctx, ch, oldest, func(m slack.Message) bool {
		if m.User != self && m.BotID == "" {
			return false
		}
		for _, f := range m.Files {
			if f.Name == name && f.Title == cmp.Or(title, name) { // Slack titles an untitled file with its name
				return true
			}
		}
		return false
	})
}

func (e *Executor) fileBody(ctx context.Context, eff incident.Effect, inc incident.Incident) (string, []byte, error) {
	name := strings.TrimSpace(eff.Data["name"])
	if eff.Data["graph"] == "1" {
		if e.cfg.Grapher == nil {
			return "", nil, fmt.Errorf("%w: no grapher is configured to draw the alarm graph", dispatch.ErrPermanent)
		}
		gname, png, err := e.cfg.Grapher.Graph(ctx, inc)
		if err != nil {
			return "", nil, fmt.Errorf("draw graph: %w", err)
		}
		if name == "" {
			name = gname
		}
		return name, png, nil
	}
	content := eff.Data["content"]
	if name == "" || content == "" {
		return "", nil, fmt.Errorf("%w: a file needs a name and content", dispatch.ErrPermanent)
	}
	return name, []byte(content), nil
}

// archive archives the incident channel; an archived channel counts as done.
func (e *Executor) archive(ctx context.Context, _ incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	return e.onChannel(ctx, inc, "conversations.archive", "already_archived", e.api.ArchiveConversationContext)
}

// unarchive brings the channel back (a reopened incident); a channel that
// is not archived counts as done.
func (e *Executor) unarchive(ctx context.Context, _ incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	return e.onChannel(ctx, inc, "conversations.unarchive", "not_archived", e.api.UnArchiveConversationContext)
}

// onChannel makes one Slack call on the incident's channel, paced as
// method, and counts the error code done (the channel already as the call
// would leave it) as success, so that a retried effect is idempotent.
func (e *Executor) onChannel(ctx context.Context, inc incident.Incident, method, done string,
	do func(ctx context.Context, channelID string) error) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	if err := e.wait(call{method: method}); err != nil {
		return dispatch.Outcome{}, err
	}
	if err := do(ctx, ch); err != nil && slackCode(err) != done {
		return dispatch.Outcome{}, fmt.Errorf("%s %s: %w", strings.TrimPrefix(method, "conversations."), ch, err)
	}
	return dispatch.Outcome{}, nil
}
