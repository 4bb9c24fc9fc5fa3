package bot

import (
	"context"
	"errors"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// acker acknowledges a Socket Mode envelope; *socketmode.Client is one.
type acker interface {
	Ack(req socketmode.Request, payload ...any) error
}

// RunSocketMode connects to Slack over Socket Mode (when an app token is
// configured) and feeds slash commands, interactions and events to the same
// handlers as HTTP mode, acknowledging each envelope at once. Socket Mode
// requests are not signed: the connection is authenticated by the app token.
// It returns when ctx is done or the connection cannot be re-established.
func (h *Handlers) RunSocketMode(ctx context.Context, client *socketmode.Client) error {
	errc := make(chan error, 1)
	go func() { errc <- client.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case evt, ok := <-client.Events:
			if !ok {
				return errors.New("socket mode event stream closed")
			}
			h.socketEvent(client, evt)
		}
	}
}

// socketEvent handles one Socket Mode event.
func (h *Handlers) socketEvent(a acker, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		h.log.Info("connected to Slack over Socket Mode")
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth, socketmode.EventTypeIncomingError:
		h.log.Warn("Socket Mode connection problem", "event", string(evt.Type))
		return
	}
	if evt.Request == nil {
		return
	}
	var payload any
	switch data := evt.Data.(type) {
	case slack.SlashCommand:
		payload = h.slash(data)
	case slack.InteractionCallback:
		payload = h.interact(data)
	case slackevents.EventsAPIEvent:
		cb, _ := data.Data.(*slackevents.EventsAPICallbackEvent)
		if cb != nil && !h.callback(cb.EventID, data.InnerEvent) {
			return // not acknowledged: Slack delivers it again
		}
	default:
		return
	}
	if err := h.ack(a, *evt.Request, payload); err != nil {
		h.log.Warn("acknowledge Socket Mode envelope", "type", string(evt.Type), "err", err)
	}
}

func (h *Handlers) ack(a acker, req socketmode.Request, payload any) error {
	if payload == nil {
		return a.Ack(req)
	}
	return a.Ack(req, payload)
}
