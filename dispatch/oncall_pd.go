package dispatch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/oncall"
)

// ScheduleReader reads who is on call in a PagerDuty schedule (app adapts
// package pagerduty's Schedules and matches people to Slack users by
// e-mail).
type ScheduleReader interface {
	// Shifts returns the schedule's shifts that overlap [now, now+horizon),
	// oldest first.
	Shifts(ctx context.Context, scheduleID string, now time.Time, horizon time.Duration) ([]ScheduleShift, error)
}

// ScheduleShift is a shift of a PagerDuty schedule: the Slack user its
// person was matched to ("" when not), their PagerDuty name, and its time
// (a zero From: since ever; a zero Until: never ends).
type ScheduleShift struct {
	Slack, Name string
	From, Until time.Time
}

// scheduleHorizon is how far ahead /incident oncall reads a schedule to
// find who is next.
const scheduleHorizon = 30 * 24 * time.Hour

// scheduleText says who is on call now and next in a rotation that names
// a PagerDuty schedule, read from PagerDuty; when PagerDuty cannot be read
// it says so and answers from the rotation file.
func (e *Engine) scheduleText(ctx context.Context, r *oncall.Rotation, now time.Time) string {
	shifts, err := e.cfg.Schedules.Shifts(ctx, r.PagerDutySchedule, now, scheduleHorizon)
	if err != nil {
		e.log.Warn("read PagerDuty schedule", "rotation", r.Name, "schedule", r.PagerDutySchedule, "err", err)
		return onCallText(r, now) + fmt.Sprintf("\n(PagerDuty schedule %s could not be read, so this is from the rotation file.)", r.PagerDutySchedule)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* · from PagerDuty schedule %s\n", r.Name, r.PagerDutySchedule)
	cur, next, ok := currentAndNext(shifts, now)
	if !ok {
		b.WriteString("On call now: nobody (the schedule has no one on call now)")
		return b.String()
	}
	fmt.Fprintf(&b, "On call now: %s", scheduled(cur))
	if cur.Until.IsZero() {
		return b.String()
	}
	fmt.Fprintf(&b, " until %s", when(cur.Until))
	if next.Name == "" && next.Slack == "" {
		return b.String()
	}
	fmt.Fprintf(&b, "\nNext: %s from %s", scheduled(next), when(next.From))
	if !next.Until.IsZero() {
		fmt.Fprintf(&b, " until %s", when(next.Until))
	}
	return b.String()
}

// currentAndNext finds the shift at now and the first after it with
// someone else, merging shifts of one person in a row.
func currentAndNext(shifts []ScheduleShift, now time.Time) (cur, next ScheduleShift, ok bool) {
	same := func(a, b ScheduleShift) bool { return a.Slack == b.Slack && a.Name == b.Name }
	i := 0
	for ; i < len(shifts); i++ {
		s := shifts[i]
		if !s.From.After(now) && (s.Until.IsZero() || now.Before(s.Until)) {
			break
		}
	}
	if i == len(shifts) {
		return cur, next, false
	}
	cur = shifts[i]
	for i++; i < len(shifts); i++ {
		s := shifts[i]
		switch {
		case same(s, cur) && !s.From.After(cur.Until):
			cur.Until = s.Until
		case next.Name == "" && next.Slack == "":
			next = s
		case same(s, next) && !s.From.After(next.Until):
			next.Until = s.Until
		default:
			return cur, next, true
		}
	}
	return cur, next, true
}

// scheduled names a schedule's person: as a Slack mention when matched,
// else by their PagerDuty name.
func scheduled(s ScheduleShift) string {
	if s.Slack != "" {
		return person(s.Slack)
	}
	return inert(s.Name) + " (PagerDuty; no Slack user with their e-mail)"
}
