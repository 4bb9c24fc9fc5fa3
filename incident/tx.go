package incident

import "time"

// EffectKind names what an effect does ("slack.post", "ssm.start"). The
// kinds are declared by the response engine (package dispatch), each with
// the one executor that performs it.
type EffectKind string

// Effect is a side effect to perform after the transaction that decided it
// commits: a durable outbox entry (post to Slack, send an SSM command, fire
// an escalation step). The store assigns ID; the outbox worker runs due
// effects, retries them, and deletes them once their result is recorded.
// A timer is an effect with a NotBefore in the future.
type Effect struct {
	ID       uint64     `json:"id"`
	Kind     EffectKind `json:"kind"`
	Incident ID         `json:"incident"`
	Key      string     `json:"key,omitempty"` // see Tx.Enqueue
	// Ordered effects of an incident are performed one at a time, in the
	// order they were enqueued (messages in a channel read in order even
	// when one is deferred by a rate limit).
	Ordered   bool              `json:"ordered,omitempty"`
	Data      map[string]string `json:"data,omitempty"`
	NotBefore time.Time         `json:"not_before,omitzero"`
	Attempts  int               `json:"attempts,omitempty"`
	LastError string            `json:"last_error,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
}

// Tx is one durable unit of work: everything done through it commits
// together or not at all, and is on disk before the caller hears success.
// It is declared here, with the vocabulary, so that the store can offer it
// and the response engine can use it without either importing the other.
//
// Incidents it returns may share their maps and slices (Alarms, Roles,
// Extra, Followups) with the store's caches: read them, never change them
// in place. Only the store folds events into an incident, on its own copy.
type Tx interface {
	// Incident returns the current state of an incident (ErrNotFound).
	Incident(id ID) (Incident, error)
	// Events returns an incident's whole timeline in order.
	Events(id ID) ([]Event, error)
	// Open creates an incident from its first event (EventOpened), assigning
	// the next id; it indexes the incident by its group key and alarm.
	Open(first Event) (Incident, error)
	// Append chains and applies events to an incident and returns its new
	// state; it keeps the open-incident indexes in step with its status.
	Append(id ID, events ...Event) (Incident, error)
	// OpenByKey finds the open incident with the given group key.
	OpenByKey(groupKey string) (ID, bool, error)
	// OpenByAlarm finds the open incident an alarm ARN is linked to.
	OpenByAlarm(arn string) (ID, bool, error)
	// CountOpenKeys counts the open incidents whose group key starts with
	// prefix, stopping at limit.
	CountOpenKeys(prefix string, limit int) (int, error)
	// ByChannel finds the incident that owns a Slack channel.
	ByChannel(channelID string) (ID, bool, error)
	// Seen and Remember keep idempotency keys (an SNS MessageId, a Slack
	// trigger id) so that a redelivery changes nothing.
	Seen(key string) (bool, error)
	Remember(key string, at time.Time) error
	// Enqueue adds an effect to the outbox. If Key is set and an effect with
	// the same key is already pending, Enqueue does nothing: that is how a
	// storm of updates coalesces into one header refresh.
	Enqueue(e Effect) error
	// Cancel deletes the pending effects of an incident with the given kind
	// (for example the remaining escalation steps after an acknowledgement)
	// and returns how many there were.
	Cancel(id ID, kind EffectKind) (int, error)
	// Complete deletes a performed effect from the outbox.
	Complete(effectID uint64) error
}
