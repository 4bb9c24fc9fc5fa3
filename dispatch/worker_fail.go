package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// fail records a failed attempt: deferred (a RetryError, or a transient
// error with backoff) or, when permanent or out of attempts, given up with
// a line on the timeline.
func (w *Worker) fail(ctx context.Context, eff incident.Effect, err error) {
	var re *RetryError
	switch {
	case errors.Is(err, ErrPermanent):
		w.giveUp(ctx, eff, err)
	case errors.As(err, &re):
		w.Engine.log.Info("effect deferred", "kind", eff.Kind, "incident", eff.Incident, "after", re.After, "reason", re.Err)
		w.Outbox.Retry(ctx, eff.ID, w.Engine.cfg.Now().Add(re.After), re.Error())
	case eff.Attempts+1 >= w.MaxAttempts:
		w.giveUp(ctx, eff, err)
	default:
		w.retry(ctx, eff, err)
	}
}

// retry schedules another attempt with exponential backoff (1 s … 5 min).
func (w *Worker) retry(ctx context.Context, eff incident.Effect, err error) {
	backoff := time.Second << min(eff.Attempts, 9)
	backoff = min(backoff, 5*time.Minute)
	w.Engine.log.Warn("effect failed; will retry", "kind", eff.Kind, "incident", eff.Incident, "attempt", eff.Attempts+1, "in", backoff, "err", err)
	if rerr := w.Outbox.Retry(ctx, eff.ID, w.Engine.cfg.Now().Add(backoff), err.Error()); rerr != nil {
		w.Engine.log.Error("record retry", "kind", eff.Kind, "err", rerr)
	}
}

// giveUp drops an effect that cannot succeed and says so on the timeline,
// where the responders will see it.
func (w *Worker) giveUp(ctx context.Context, eff incident.Effect, err error) {
	e := w.Engine
	e.log.Error("effect failed permanently", "kind", eff.Kind, "incident", eff.Incident, "err", err)
	uerr := e.update(ctx, func(tx incident.Tx) error {
		if eff.Incident != 0 {
			data := map[string]string{"effect": string(eff.Kind)}
			if errors.Is(err, ErrChannelGone) {
				if err := w.tellChannelGone(tx, eff.Incident); err != nil {
					return err
				}
				data[channelGoneKey] = "true"
			}
			_, aerr := tx.Append(eff.Incident, incident.Event{Type: incident.EventInfo, At: e.cfg.Now(), Actor: "tocsin",
				Text: fmt.Sprintf("tocsin could not %s: %v", describe(eff.Kind), err), Data: data})
			if aerr != nil {
				return aerr
			}
			if err := tellResponders(tx, eff, err); err != nil {
				return err
			}
		}
		return tx.Complete(eff.ID)
	})
	if uerr != nil {
		e.log.Error("record permanent failure", "kind", eff.Kind, "err", uerr)
	}
}

// responderMessage is a permanent failure the responders must hear about
// (someone they expect was not invited): its UserMessage is posted in the
// incident channel, once, since the failed effect is not retried.
type responderMessage interface {
	error
	UserMessage() string
}

func tellResponders(tx incident.Tx, eff incident.Effect, err error) error {
	var msg responderMessage
	if eff.Kind == EffSlackPost || !errors.As(err, &msg) {
		return nil // a failed post is not told with another post
	}
	return post(tx, eff.Incident, msg.UserMessage())
}

// channelGoneKey marks the timeline line of a failure caused by a lost
// channel, so that the responders are told only once.
const channelGoneKey = "channel_gone"

// tellChannelGone tells the responders, the first time, that the incident's
// channel is gone: in the announcements channel, or else in a direct
// message to the commander. With neither, the timeline line is all.
func (w *Worker) tellChannelGone(tx incident.Tx, id incident.ID) error {
	evs, err := tx.Events(id)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if ev.Type == incident.EventInfo && ev.Datum(channelGoneKey) != "" {
			return nil
		}
	}
	inc, err := tx.Incident(id)
	if err != nil {
		return err
	}
	to := w.Engine.cfg.Announce
	if to == "" {
		to = inc.RoleHolder(incident.RoleCommander)
	}
	if to == "" {
		return nil
	}
	return tx.Enqueue(incident.Effect{Kind: EffSlackAnnounce, Incident: id, Data: map[string]string{"channel": to,
		"text": ":warning: tocsin can no longer post in this incident's channel: it was archived or deleted outside tocsin. " +
			"Unarchive it to get updates there again; until then the timeline on the dashboard has every event."}})
}

func describe(kind incident.EffectKind) string {
	switch kind {
	case EffSlackChannel:
		return "create the incident channel"
	case EffSlackHeader, EffSlackUpdate:
		return "post the incident header"
	case EffSlackInvite:
		return "invite responders to the channel"
	case EffSSMStart:
		return "start the runbook"
	case EffSSMPoll:
		return "follow the runbook's progress"
	}
	return "perform " + string(kind)
}
