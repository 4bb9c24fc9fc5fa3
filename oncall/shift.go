package oncall

import "time"

// Shift is a stretch of time one person is on call.
type Shift struct {
	Who string // Slack user id
	// From is when the shift began (Next: when it will begin); the zero
	// time for Now, which answers only until when.
	From time.Time
	// Until is when someone else takes over; the zero time when nobody
	// ever does (a rotation of one person without overrides ahead).
	Until time.Time
	// Override: the shift's person is on call by an override at its start.
	Override bool
}

// Who returns who is on call at t: the first override covering t, else the
// schedule's member, and whether an override decided it.
func (r *Rotation) Who(t time.Time) (who string, override bool) {
	for _, o := range r.Overrides {
		if o.covers(t) {
			return o.Who, true
		}
	}
	return r.scheduled(t), false
}

// boundary returns the first time after t at which who is on call may
// change: the next scheduled hand-off, or an override's start or end.
func (r *Rotation) boundary(t time.Time) time.Time {
	next := r.shiftStart(r.shiftAt(t) + 1)
	for _, o := range r.Overrides {
		for _, b := range []time.Time{o.From, o.To} {
			if b.After(t) && b.Before(next) {
				next = b
			}
		}
	}
	return next
}

// Now returns who is on call at t and until when: the first boundary after
// t at which someone else is. Shifts of one person in a row are one.
func (r *Rotation) Now(t time.Time) Shift {
	who, over := r.Who(t)
	s := Shift{Who: who, Override: over}
	// Among len(Members) scheduled shifts in a row someone else is on call
	// (unless everyone is the same person), and overrides add two
	// boundaries each: past that many, nobody ever takes over.
	limit := len(r.Members) + 2*len(r.Overrides) + 1
	at := t
	for range limit {
		at = r.boundary(at)
		if next, _ := r.Who(at); next != who {
			s.Until = at
			return s
		}
	}
	return s
}

// Next returns the shift after the one at t: who takes over, when, and
// until when. ok is false when nobody ever takes over.
func (r *Rotation) Next(t time.Time) (s Shift, ok bool) {
	cur := r.Now(t)
	if cur.Until.IsZero() {
		return Shift{}, false
	}
	s = r.Now(cur.Until)
	s.From = cur.Until
	return s, true
}

// Handoff describes the change of who is on call at a time: From hands off
// to To. ok is false when at is not such a change.
func (r *Rotation) Handoff(at time.Time) (from, to string, ok bool) {
	from, _ = r.Who(at.Add(-time.Nanosecond))
	to, _ = r.Who(at)
	return from, to, from != to
}
