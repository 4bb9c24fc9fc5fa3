package bot

import (
	"cmp"
	"context"
	"errors"
	"net/url"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// replyTo says where a command's answer goes: its response_url, or else an
// ephemeral message to the user in the channel.
type replyTo struct {
	responseURL string
	channel     string
	user        string
}

// slash answers a slash command at once: usage for help and for text that
// does not parse (nothing changes), "overloaded" when the queue is full, and
// otherwise "Working on it…" while a worker runs the command.
func (h *Handlers) slash(sc slack.SlashCommand) slack.WebhookMessage {
	cmd, err := parseCommand(sc.Text, h.now())
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		return ephemeral(Escape(ue.Problem)+"\n```"+Escape(ue.Usage)+"```", nil)
	case err != nil:
		return ephemeral(Escape(err.Error()), nil)
	case cmd.Kind == dispatch.Help:
		return ephemeral("How to use /incident", helpBlocks())
	case sc.UserID == "":
		return ephemeral("Slack did not say who you are; try again.", nil)
	}
	cmd.Actor, cmd.Channel, cmd.Key = sc.UserID, sc.ChannelID, key("trigger", sc.TriggerID)
	if cmd.Kind == dispatch.Resolve && cmd.Text == "" && h.cfg.Slack != nil && sc.TriggerID != "" {
		// No summary given: the resolve form asks for it, and is the confirmation.
		h.openResolve(replyTo{responseURL: sc.ResponseURL, channel: sc.ChannelID, user: sc.UserID}, sc.TriggerID, cmd.Incident, sc.ChannelID, "")
		return slack.WebhookMessage{} // nothing to say: the form opens
	}
	if refused := h.accept(cmd, replyTo{responseURL: sc.ResponseURL, channel: sc.ChannelID, user: sc.UserID}); refused != "" {
		return ephemeral(refused, nil)
	}
	return ephemeral(msgWorking, nil)
}

// key namespaces a Slack idempotency key; empty ids give no key.
func key(kind, id string) string {
	if id == "" {
		return ""
	}
	return "slack:" + kind + ":" + id
}

// commandJob runs a command and sends its answer.
func (h *Handlers) commandJob(cmd dispatch.Command, to replyTo) func(context.Context) {
	return func(ctx context.Context) {
		res, err := h.cfg.Doer.Do(ctx, cmd)
		if err == nil && res.Posted && cmd.Channel != "" && cmd.Channel == res.Incident.Channel.ID {
			return // the same words are being posted in the channel the person is in
		}
		h.send(ctx, to, h.answer(cmd, res, err))
	}
}

// answer turns a command's result into the message its sender sees. Errors
// meant for people (invalid input, an illegal transition, not found, or an
// error with a UserMessage) are shown; anything else is logged and replaced
// by a plain apology.
func (h *Handlers) answer(cmd dispatch.Command, res dispatch.Result, err error) slack.WebhookMessage {
	if err != nil {
		if text, ok := userFacing(err); ok {
			return ephemeral(Escape(text), nil)
		}
		h.log.Error("Slack command failed", "kind", string(cmd.Kind), "incident", uint64(cmd.Incident),
			"actor", cmd.Actor, "err", err)
		return ephemeral(msgInternal, nil)
	}
	text := SafeMrkdwn(res.Message)
	var blocks []slack.Block
	switch cmd.Kind {
	case dispatch.Timeline:
		blocks = timelineBlocks(res.Incident.ID, res.Events)
		text = cmp.Or(text, "Timeline of "+res.Incident.ID.String())
	case dispatch.List:
		blocks = listBlocks(res.List)
		text = cmp.Or(text, "Incidents")
	case dispatch.StatusUpdate:
		if cmd.Text == "" { // the current status
			title := slack.NewSectionBlock(mrkdwn("*"+Escape(summaryPlain(res.Incident))+"*"), nil, nil)
			blocks = append([]slack.Block{title}, glanceBlocks(res.Incident)...)
		}
	}
	msg := ephemeral(cmp.Or(text, "Done."), blocks)
	if res.Public {
		msg.ResponseType = slack.ResponseTypeInChannel
	}
	return msg
}

// userError is an error whose UserMessage is safe and useful to show the
// person who gave the command.
type userError interface {
	error
	UserMessage() string
}

func userFacing(err error) (string, bool) {
	var ue userError
	switch {
	case errors.As(err, &ue):
		return ue.UserMessage(), true
	case errors.Is(err, incident.ErrInvalid), errors.Is(err, incident.ErrIllegalTransition), errors.Is(err, incident.ErrNotFound):
		return err.Error(), true
	}
	return "", false
}

// send delivers an answer: to the response_url when there is one, else as
// an ephemeral message. The response_url is a secret; it never reaches logs.
func (h *Handlers) send(ctx context.Context, to replyTo, msg slack.WebhookMessage) {
	var err error
	switch {
	case to.responseURL != "":
		err = slack.PostWebhookCustomHTTPContext(ctx, to.responseURL, h.cfg.HTTPClient, &msg)
	case to.channel != "" && to.user != "" && h.cfg.Slack != nil:
		opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false)}
		if msg.Blocks != nil {
			opts = append(opts, slack.MsgOptionBlocks(msg.Blocks.BlockSet...))
		}
		_, err = h.cfg.Slack.PostEphemeralContext(ctx, to.channel, to.user, opts...)
	default:
		return
	}
	if err != nil {
		h.log.Warn("reply to Slack user", "user", to.user, "err", redactURL(err))
	}
}

// sendSoon sends a reply outside the worker pool (to say the pool is full),
// at most a few at a time; beyond that the reply is dropped.
func (h *Handlers) sendSoon(to replyTo, msg slack.WebhookMessage) {
	select {
	case h.replies <- struct{}{}:
	default:
		h.log.Warn("dropping reply to Slack user: overloaded", "user", to.user)
		return
	}
	go func() {
		defer func() { <-h.replies }()
		ctx, cancel := context.WithTimeout(context.Background(), h.cfg.JobTimeout)
		defer cancel()
		h.send(ctx, to, msg)
	}()
}

// redactURL drops the URL from a transport error: a response_url carries
// a token.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return errors.New(ue.Op + " response_url: " + ue.Err.Error())
	}
	return err
}

func ephemeral(text string, blocks []slack.Block) slack.WebhookMessage {
	msg := slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: text}
	if len(blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: blocks}
	}
	return msg
}
