package oncall

import (
	"strconv"
	"time"
)

// Member is one person of a rotation.
type Member struct {
	// Slack is the member's Slack user id (U…, W…).
	Slack string
	// Phone is an optional phone number in E.164 form (+15551234567),
	// for SMS pages.
	Phone string
}

// Length is how long one shift lasts: Days calendar days (daily: 1,
// weekly: 7), handed off at the wall-clock hand-off time, or Hours absolute
// hours. Exactly one of the two is set in a valid rotation.
type Length struct {
	Days  int
	Hours int
}

// String renders the length as a rotation file writes it.
func (l Length) String() string {
	switch {
	case l.Days == 1:
		return "daily"
	case l.Days == 7:
		return "weekly"
	case l.Hours > 0:
		return strconv.Itoa(l.Hours) + "h"
	}
	return "?"
}

// Override puts Who on call for [From, To), whatever the schedule says.
type Override struct {
	Rotation string // the rotation it belongs to
	Who      string // Slack user id
	From, To time.Time
	// By is who took it from chat (empty for overrides in the file).
	By string
}

// covers reports whether t is within the override.
func (o Override) covers(t time.Time) bool { return !t.Before(o.From) && t.Before(o.To) }

// Rotation is one on-call rotation. Values are made by Load (or by tests)
// and are read-only afterwards; With returns a changed copy.
type Rotation struct {
	Name string
	// Source is the file it was read from.
	Source  string
	Members []Member
	Length  Length
	// Hour and Minute are the hand-off time on Location's wall clock.
	Hour, Minute int
	Location     *time.Location
	// Start is the start date (year, month, day; the rest is ignored): the
	// first member's shift begins on it at the hand-off time.
	Start time.Time
	// HandoffChannel is the Slack channel each hand-off is announced in
	// ("": none).
	HandoffChannel string
	// PagerDutySchedule is a PagerDuty schedule id: when set, who is on
	// call is read from PagerDuty instead of computed here.
	PagerDutySchedule string
	// Overrides in priority order, the first that covers a time wins.
	Overrides []Override
}

// With returns a copy of r with extra overrides (taken from chat) in front
// of its own: extra[0] wins over extra[1] and so on, and all of them over
// the overrides of the file. Overrides of other rotations are ignored.
func (r *Rotation) With(extra []Override) *Rotation {
	c := *r
	c.Overrides = nil
	for _, o := range extra {
		if o.Rotation == r.Name {
			c.Overrides = append(c.Overrides, o)
		}
	}
	c.Overrides = append(c.Overrides, r.Overrides...)
	return &c
}

// Member returns the member with a Slack user id, if it is one.
func (r *Rotation) Member(slackID string) (Member, bool) {
	for _, m := range r.Members {
		if m.Slack == slackID {
			return m, true
		}
	}
	return Member{}, false
}

// first is the start of shift 0: the start date at the hand-off time.
func (r *Rotation) first() time.Time {
	y, m, d := r.Start.Date()
	return wallClock(y, m, d, r.Hour, r.Minute, r.Location)
}

// shiftStart returns when shift k (0 is the first; negative before it)
// begins.
func (r *Rotation) shiftStart(k int) time.Time {
	if r.Length.Hours > 0 {
		return r.first().Add(time.Duration(k) * time.Duration(r.Length.Hours) * time.Hour)
	}
	y, m, d := r.Start.Date()
	return wallClock(y, m, d+k*r.Length.Days, r.Hour, r.Minute, r.Location)
}

// wallClock returns the instant loc's clock shows hh:mm on a date (d may
// be out of range, as for time.Date). time.Date leaves open which of two
// offsets it uses around a daylight saving change; this does not: a time
// the change repeats (01:30 when the clock goes back) is its first
// occurrence, and a time it skips (02:30 when the clock goes forward) is
// the instant as long after midnight as it would have been, which the
// clock shows an hour later (03:30).
func wallClock(y int, m time.Month, d, hh, mm int, loc *time.Location) time.Time {
	naive := time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
	var best time.Time
	// A day either side brackets any change of offset on that date.
	for _, probe := range []time.Time{naive.Add(-24 * time.Hour), naive.Add(24 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		u := naive.Add(-time.Duration(off) * time.Second)
		if l := u.In(loc); l.Hour() == hh && l.Minute() == mm && l.Day() == naive.Day() && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if best.IsZero() { // skipped: read it with the offset before the change
		_, off := naive.Add(-24 * time.Hour).In(loc).Zone()
		best = naive.Add(-time.Duration(off) * time.Second)
	}
	return best.In(loc)
}

// shiftAt returns the shift k with shiftStart(k) <= t < shiftStart(k+1).
func (r *Rotation) shiftAt(t time.Time) int {
	var k int
	if r.Length.Hours > 0 {
		k = floorDiv(int(t.Sub(r.first())/time.Hour), r.Length.Hours)
	} else {
		k = floorDiv(civilDays(r.Start, t.In(r.Location)), r.Length.Days)
	}
	// The estimate is off by at most one shift (a hand-off time later in
	// the day than t, a truncated hour); settle it exactly.
	for r.shiftStart(k).After(t) {
		k--
	}
	for !r.shiftStart(k + 1).After(t) {
		k++
	}
	return k
}

// scheduled returns who the schedule alone puts on call at t.
func (r *Rotation) scheduled(t time.Time) string {
	k := r.shiftAt(t)
	n := len(r.Members)
	return r.Members[((k%n)+n)%n].Slack
}

// civilDays is the number of calendar days from a's date to b's date, each
// read in its own location.
func civilDays(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da) / (24 * time.Hour))
}

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
