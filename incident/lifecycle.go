package incident

import "time"

// Status is where an incident is in its lifecycle.
type Status string

// The lifecycle: detected (opened by an alarm) or declared (opened by a
// person) -> acknowledged -> mitigated -> resolved -> closed. Reopening a
// resolved or closed incident returns it to acknowledged: a person reopened
// it, so a person is on it.
const (
	StatusDetected     Status = "detected"
	StatusDeclared     Status = "declared"
	StatusAcknowledged Status = "acknowledged"
	StatusMitigated    Status = "mitigated"
	StatusResolved     Status = "resolved"
	StatusClosed       Status = "closed"
)

// transitions lists, for each status, the statuses it may move to.
var transitions = map[Status][]Status{
	StatusDetected:     {StatusAcknowledged, StatusMitigated, StatusResolved},
	StatusDeclared:     {StatusAcknowledged, StatusMitigated, StatusResolved},
	StatusAcknowledged: {StatusMitigated, StatusResolved},
	StatusMitigated:    {StatusResolved},
	StatusResolved:     {StatusClosed, StatusAcknowledged},
	StatusClosed:       {StatusAcknowledged},
}

// Statuses lists every status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusDetected, StatusDeclared, StatusAcknowledged, StatusMitigated, StatusResolved, StatusClosed}
}

// Allowed returns the statuses an incident in status s may move to.
func Allowed(s Status) []Status { return append([]Status(nil), transitions[s]...) }

// CanTransition returns nil if from -> to is legal, and a *TransitionError
// naming the current state and the allowed ones otherwise.
func CanTransition(from, to Status) error {
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return &TransitionError{From: from, To: to, Allowed: Allowed(from)}
}

// statusEvent maps a target status to the event type that records it.
var statusEvent = map[Status]EventType{
	StatusAcknowledged: EventAcknowledged,
	StatusMitigated:    EventMitigated,
	StatusResolved:     EventResolved,
	StatusClosed:       EventClosed,
}

// Transition checks that inc may move to status to and returns the event that
// records it. Moving a resolved or closed incident to acknowledged is a
// reopen. text is an optional summary (for resolve) or reason (for reopen).
func (inc *Incident) Transition(to Status, actor string, at time.Time, text string) (Event, error) {
	if err := CanTransition(inc.Status, to); err != nil {
		return Event{}, err
	}
	typ := statusEvent[to]
	if to == StatusAcknowledged && !inc.Open() {
		typ = EventReopened
	}
	return Event{Type: typ, Actor: actor, At: at, Text: text}, nil
}
