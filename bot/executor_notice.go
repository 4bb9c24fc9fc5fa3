package bot

import (
	"context"
	"fmt"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// notice performs a slack.notice effect: a message to Data "channel" that
// belongs to no incident (an on-call hand-off), posted once like every
// top-level message.
func (e *Executor) notice(ctx context.Context, eff incident.Effect, _ incident.Incident) (dispatch.Outcome, error) {
	if eff.Data["channel"] == "" {
		return dispatch.Outcome{}, fmt.Errorf("%w: a notice needs a channel", dispatch.ErrPermanent)
	}
	return dispatch.Outcome{}, e.postTo(ctx, eff, eff.Data["channel"], eff.Data["text"])
}

// postTo posts the engine's text (rendered by SafeMrkdwn) to a channel as
// a top-level message, paced, and once: an attempt in doubt looks for it
// first (postOnce).
func (e *Executor) postTo(ctx context.Context, eff incident.Effect, ch, engineText string) error {
	text := SafeMrkdwn(engineText)
	if text == "" {
		return fmt.Errorf("%w: %s has no text", dispatch.ErrPermanent, eff.Kind)
	}
	if err := e.wait(paced("chat.postMessage", ch)...); err != nil {
		return err
	}
	_, err := e.postOnce(ctx, eff, ch, "", text, nil)
	return err
}
