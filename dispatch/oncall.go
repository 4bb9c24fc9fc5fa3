package dispatch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/oncall"
)

// OverrideStore keeps the on-call overrides taken from chat: durably, so
// that an override acknowledged in Slack survives a restart, and where
// every replica reads them (app keeps them in the store's key-value area).
type OverrideStore interface {
	// Overrides returns every override taken from chat, newest first.
	Overrides(ctx context.Context) ([]oncall.Override, error)
	// AddOverride records o under key; the same key again replaces it.
	AddOverride(ctx context.Context, key string, o oncall.Override) error
}

// rotationSet is the current rotations (none without a source).
func (e *Engine) rotationSet() *oncall.Set {
	if e.cfg.Rotations == nil {
		return nil
	}
	return e.cfg.Rotations()
}

// pickRotations returns the named rotation, or every one for "".
func (e *Engine) pickRotations(name string) ([]*oncall.Rotation, error) {
	set := e.rotationSet()
	if set.Len() == 0 {
		return nil, fmt.Errorf("%w: no on-call rotations are defined: they are YAML files in the rotations/ folder of TOCSIN_PLAYBOOKS", incident.ErrInvalid)
	}
	if name == "" {
		return set.All(), nil
	}
	r, ok := set.Get(name)
	if !ok {
		return nil, fmt.Errorf("%w: there is no rotation %q; the rotations are %s", incident.ErrInvalid, name, strings.Join(set.Names(), ", "))
	}
	return []*oncall.Rotation{r}, nil
}

// chatOverrides returns the overrides taken from chat, newest first.
func (e *Engine) chatOverrides(ctx context.Context) ([]oncall.Override, error) {
	if e.cfg.Overrides == nil {
		return nil, nil
	}
	os, err := e.cfg.Overrides.Overrides(ctx)
	if err != nil {
		return nil, fmt.Errorf("read on-call overrides: %w", err)
	}
	return os, nil
}

// onCall shows who is on call now and next in one rotation, or in all.
func (e *Engine) onCall(ctx context.Context, cmd Command) (Result, error) {
	rs, err := e.pickRotations(cmd.Text)
	if err != nil {
		return Result{}, err
	}
	extra, err := e.chatOverrides(ctx)
	if err != nil {
		return Result{}, err
	}
	now := e.cfg.Now()
	parts := make([]string, len(rs))
	for i, r := range rs {
		if r.PagerDutySchedule != "" && e.cfg.Schedules != nil {
			parts[i] = e.scheduleText(ctx, r, now)
			continue
		}
		parts[i] = onCallText(r.With(extra), now)
	}
	return Result{Message: strings.Join(parts, "\n\n")}, nil
}

// onCallText says who is on call in r at now, until when, and who is next.
func onCallText(r *oncall.Rotation, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* · %s\n", r.Name, rhythm(r))
	cur := r.Now(now)
	fmt.Fprintf(&b, "On call now: %s%s", person(cur.Who), overridden(cur))
	next, ok := r.Next(now)
	if !ok {
		b.WriteString(", with nobody after them")
		return b.String()
	}
	fmt.Fprintf(&b, " until %s\nNext: %s%s from %s", when(next.From), person(next.Who), overridden(next), when(next.From))
	if !next.Until.IsZero() {
		fmt.Fprintf(&b, " until %s", when(next.Until))
	}
	return b.String()
}

// rhythm says when a rotation hands off.
func rhythm(r *oncall.Rotation) string {
	at := fmt.Sprintf("%02d:%02d %s", r.Hour, r.Minute, r.Location)
	switch {
	case r.Length.Days == 7:
		return fmt.Sprintf("weekly, hands off %ss at %s", r.Start.Weekday(), at)
	case r.Length.Days > 0:
		return "daily, hands off at " + at
	}
	return fmt.Sprintf("%s shifts, counted from %s on %s", r.Length, at, r.Start.Format(time.DateOnly))
}

func overridden(s oncall.Shift) string {
	if s.Override {
		return " (override)"
	}
	return ""
}

// MinShift and MaxShift are the shortest and longest shift /incident
// oncall override takes.
const (
	MinShift = 10 * time.Second
	MaxShift = 14 * 24 * time.Hour
)

// takeShift records an override from chat: cmd.User is on call in the
// rotation from now for cmd.Window. The override is kept in the
// OverrideStore under the command's key (a replay after a crash writes
// the same record again), then the announcement in the rotation's
// hand-off channel and the timer of the hand-off at the shift's end
// (handoff.go) are enqueued in one transaction with the key, so each is
// made once.
func (e *Engine) takeShift(ctx context.Context, cmd Command) (Result, error) {
	if e.cfg.Overrides == nil {
		return Result{}, fmt.Errorf("take an on-call shift: no override store configured")
	}
	if cmd.Window < MinShift || cmd.Window > MaxShift {
		return Result{}, fmt.Errorf("%w: a shift is from %s to %s long", incident.ErrInvalid, MinShift, shiftLength(MaxShift))
	}
	r, err := e.oneRotation(cmd.Text)
	if err != nil {
		return Result{}, err
	}
	key := cmdKey(cmd)
	if done, err := e.seen(key); err != nil || done {
		return Result{Message: "Already done."}, err
	}
	extra, err := e.chatOverrides(ctx)
	if err != nil {
		return Result{}, err
	}
	now := e.cfg.Now()
	before, _ := r.With(extra).Who(now)
	o := oncall.Override{Rotation: r.Name, Who: cmd.User, From: now, To: now.Add(cmd.Window), By: cmd.Actor}
	storeKey := cmd.Key
	if storeKey == "" {
		storeKey = fmt.Sprintf("%s/%d", r.Name, now.UnixNano())
	}
	if err := e.cfg.Overrides.AddOverride(ctx, storeKey, o); err != nil {
		return Result{}, fmt.Errorf("record on-call override: %w", err)
	}
	text := shiftText(r.Name, before, o, cmd.Window)
	err = e.update(ctx, func(tx incident.Tx) error {
		if first, err := e.firstTime(tx, key); err != nil || !first {
			return err
		}
		if r.HandoffChannel == "" {
			return nil
		}
		if err := tx.Enqueue(handoffTimer(r.Name, o.To, now)); err != nil { // the shift's end
			return err
		}
		return tx.Enqueue(incident.Effect{Kind: EffSlackNotice, CreatedAt: now,
			Data: map[string]string{"channel": r.HandoffChannel, "text": text}})
	})
	if err != nil {
		return Result{}, err
	}
	// In the channel it was typed in; the hand-off channel has its notice.
	return Result{Message: text, Public: cmd.Channel != r.HandoffChannel}, nil
}

// oneRotation returns the named rotation, or the only one for "".
func (e *Engine) oneRotation(name string) (*oncall.Rotation, error) {
	rs, err := e.pickRotations(name)
	if err != nil {
		return nil, err
	}
	if len(rs) > 1 {
		return nil, fmt.Errorf("%w: name the rotation: %s", incident.ErrInvalid, strings.Join(e.rotationSet().Names(), ", "))
	}
	return rs[0], nil
}

// seen reports whether an idempotency key was recorded ("" never was).
func (e *Engine) seen(key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	var seen bool
	err := e.cfg.Store.View(func(tx incident.Tx) error {
		var err error
		seen, err = tx.Seen(key)
		return err
	})
	return seen, err
}

// shiftText announces an override taken from chat.
func shiftText(rotation, before string, o oncall.Override, d time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, ":arrows_counterclockwise: %s takes the *%s* on-call shift", person(o.Who), rotation)
	if before != o.Who {
		fmt.Fprintf(&b, " from %s", person(before))
	}
	fmt.Fprintf(&b, " for %s, until %s", shiftLength(d), when(o.To))
	if o.By != o.Who {
		fmt.Fprintf(&b, " (asked by %s)", person(o.By))
	}
	b.WriteString(".")
	return b.String()
}

// shiftLength writes a duration as people type it: 4h, 1h30m, 15s, 2d.
func shiftLength(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// handoffText announces that from hands off to to at at.
func handoffText(r *oncall.Rotation, from, to string, at, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, ":arrows_counterclockwise: %s hands off *%s* on call to %s", person(from), r.Name, person(to))
	cur := r.Now(at)
	if cur.Override {
		b.WriteString(" (override)")
	}
	if !cur.Until.IsZero() {
		fmt.Fprintf(&b, ", on call until %s", when(cur.Until))
	}
	if now.Sub(at) > 5*time.Minute {
		fmt.Fprintf(&b, " (hand-off at %s; tocsin was not running then)", when(at))
	}
	b.WriteString(".")
	return b.String()
}
