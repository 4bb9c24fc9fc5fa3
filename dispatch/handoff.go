package dispatch

import (
	"context"
	"fmt"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Hand-off announcements. At each change of who is on call in a rotation
// that names a hand-off channel, "@alice hands off to @bob" is posted
// there, once. The time of the next change is a timer in the outbox (an
// EffHandoff effect with that NotBefore, keyed by rotation and time, so
// scheduling it again while it is pending changes nothing), and survives
// restarts. RunHandoffs, which runs once per cluster, looks every
// handoffTick for each rotation's next change and schedules it; an
// override taken from chat schedules its own end at once. When the timer
// fires, the executor asks the rotation as it is then (a reload or an
// override may have changed it) whether someone else is on call at that
// time; if so it enqueues the announcement in the same transaction that
// records an idempotency key for the rotation and time, so however many
// timers fire for one hand-off, and whatever crash comes between, one
// announcement is made. A hand-off that fell while tocsin was down is
// announced once, late, when its timer fires on start; those after it are
// not, as only the next change is ever scheduled. Rotations that read
// their on-call from a PagerDuty schedule are not announced: PagerDuty
// does the hand-offs.

// handoffTick is how often RunHandoffs looks for each rotation's next
// hand-off: a reload or a change in the file is seen within it.
const handoffTick = time.Minute

// RunHandoffs schedules the next hand-off of every rotation with a
// hand-off channel, every handoffTick, until ctx ends. It runs once per
// cluster (on the leader).
func (e *Engine) RunHandoffs(ctx context.Context) error {
	scheduled := map[string]bool{} // keys this run has enqueued (not to write them every tick)
	for {
		if err := e.scheduleHandoffs(ctx, scheduled); err != nil {
			e.log.Error("schedule on-call hand-offs", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(handoffTick):
		}
	}
}

// scheduleHandoffs enqueues each rotation's next hand-off timer that is
// not in scheduled yet.
func (e *Engine) scheduleHandoffs(ctx context.Context, scheduled map[string]bool) error {
	extra, err := e.chatOverrides(ctx)
	if err != nil {
		return err
	}
	now := e.cfg.Now()
	var timers []incident.Effect
	for _, r := range e.rotationSet().All() {
		if r.HandoffChannel == "" || r.PagerDutySchedule != "" {
			continue
		}
		if next, ok := r.With(extra).Next(now); ok {
			if t := handoffTimer(r.Name, next.From, now); !scheduled[t.Key] {
				timers = append(timers, t)
			}
		}
	}
	if len(timers) == 0 {
		return nil
	}
	err = e.update(ctx, func(tx incident.Tx) error {
		for _, t := range timers {
			if err := tx.Enqueue(t); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		if len(scheduled) > 10000 {
			clear(scheduled)
		}
		for _, t := range timers {
			scheduled[t.Key] = true
		}
	}
	return err
}

// handoffTimer is the timer of a rotation's hand-off at a time.
func handoffTimer(rotation string, at, now time.Time) incident.Effect {
	stamp := at.UTC().Format(time.RFC3339Nano)
	return incident.Effect{Kind: EffHandoff, Key: "handoff:" + rotation + ":" + stamp, NotBefore: at, CreatedAt: now,
		Data: map[string]string{"rotation": rotation, "at": stamp}}
}

// Handoffs performs EffHandoff: it announces a hand-off that is due.
type Handoffs struct {
	Engine *Engine
}

// Execute enqueues the announcement of the hand-off at Data "at" in the
// rotation's hand-off channel, once, if someone else is on call from then.
func (x *Handoffs) Execute(ctx context.Context, eff incident.Effect, _ incident.Incident) (Outcome, error) {
	e := x.Engine
	at, err := time.Parse(time.RFC3339Nano, eff.Data["at"])
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: hand-off time %q", ErrPermanent, eff.Data["at"])
	}
	r, ok := e.rotationSet().Get(eff.Data["rotation"])
	if !ok || r.HandoffChannel == "" || r.PagerDutySchedule != "" {
		return Outcome{}, nil // removed or changed by a reload: nothing to announce
	}
	extra, err := e.chatOverrides(ctx)
	if err != nil {
		return Outcome{}, err
	}
	r = r.With(extra)
	from, to, changed := r.Handoff(at)
	if !changed {
		return Outcome{}, nil // an override or a reload changed the schedule since
	}
	now := e.cfg.Now()
	notice := incident.Effect{Kind: EffSlackNotice, CreatedAt: now,
		Data: map[string]string{"channel": r.HandoffChannel, "text": handoffText(r, from, to, at, now)}}
	err = e.update(ctx, func(tx incident.Tx) error {
		if first, err := e.firstTime(tx, "oncall:handoff:"+r.Name+":"+eff.Data["at"]); err != nil || !first {
			return err
		}
		return tx.Enqueue(notice)
	})
	return Outcome{}, err
}
