package incident

import "time"

// Visitor receives the records a store holds, one func per kind of record:
// the way one backend's contents are copied into another (store.Export
// feeds one, pgstore.Import fills one). It is declared here, with the
// vocabulary, so that both backends speak it without either importing the
// other. Which funcs may be nil, and in what order they are called, is for
// the backend that calls them to document.
type Visitor struct {
	// Incident receives an incident (with its linked alarms, in the order
	// they joined) and its whole timeline, in order, hashes as written.
	Incident func(inc Incident, events []Event) error
	// OpenKey receives an entry of the index of open incidents by group
	// key: the open incident that holds groupKey.
	OpenKey func(groupKey string, id ID) error
	// OpenAlarm receives an entry of the index of open incidents by alarm:
	// the open incident that holds the alarm arn.
	OpenAlarm func(arn string, id ID) error
	// Channel receives the incident that owns a Slack channel.
	Channel func(channelID string, id ID) error
	// Seen receives an idempotency key and when it was first seen.
	Seen func(key string, at time.Time) error
	// Effect receives an effect of the outbox, every field (its ID
	// included) as stored.
	Effect func(e Effect) error
	// EffectKey receives a coalescing key and the pending effect that holds
	// it. An effect in flight has freed its key (Unkey) and has no entry.
	EffectKey func(key string, effectID uint64) error
	// KV receives an entry of the key-value area (certs/, digest/, review/,
	// inbox/slack/).
	KV func(key string, value []byte) error
}
