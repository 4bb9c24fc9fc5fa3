package incident

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// EventType names what an event records.
type EventType string

// The event types. Data keys used by each are documented beside it.
const (
	// EventOpened: the first event. Data: title, severity, service,
	// group_key, source (alarm|declared), playbook, runbooks (suggested,
	// comma-separated), commander, started_at, detected_at, start_method, and
	// for alarms the keys of AlarmData.
	EventOpened EventType = "opened"
	// EventAlarm: an alarm state change. Data: alarm_name, alarm_arn, state,
	// old_state, changed_at, message_id, found_by (sns|sqs|reconcile).
	EventAlarm EventType = "alarm"
	// EventRecovered: every linked alarm is OK again.
	EventRecovered EventType = "recovered"
	// EventAcknowledged, EventMitigated, EventResolved (Text: summary),
	// EventClosed, EventReopened (Text: reason) move the lifecycle.
	EventAcknowledged EventType = "acknowledged"
	EventMitigated    EventType = "mitigated"
	EventResolved     EventType = "resolved"
	EventClosed       EventType = "closed"
	EventReopened     EventType = "reopened"
	// EventSeverity: Data: severity (SEV1..SEV4), previous.
	EventSeverity EventType = "severity"
	// EventRole: Data: role, user.
	EventRole EventType = "role"
	// EventTitle: Data: title.
	EventTitle EventType = "title"
	// EventStatusUpdate: a status update for stakeholders. Text.
	EventStatusUpdate EventType = "status_update"
	// EventNote: a note, or a Slack message added to the timeline. Data may
	// hold message_ts, channel, files, permalink.
	EventNote EventType = "note"
	// EventCorrected: a lifecycle timestamp corrected. Data: field
	// (started|detected|acknowledged|mitigated|resolved), at (RFC 3339),
	// previous, and method when tocsin refined the impact start itself.
	EventCorrected EventType = "corrected"
	// EventFollowup: an action item for the review. Text.
	EventFollowup EventType = "followup"
	// EventChannel: the Slack channel exists, or was renamed. Data:
	// channel_id, channel_name; standby=yes when it was taken from the
	// standby channels; renamed_from when it was renamed.
	EventChannel EventType = "channel"
	// EventHeader: the pinned header message exists. Data: ts.
	EventHeader EventType = "header"
	// EventAnnounced: the incident's announcement exists, the message in
	// the announcements channel that tocsin keeps up to date. Data:
	// channel, ts.
	EventAnnounced EventType = "announced"
	// EventEscalated: an escalation step fired. Data: step, targets.
	EventEscalated EventType = "escalated"
	// EventChecklist: a checklist item ticked or unticked. Text: the item.
	// Data: item (its index), done (true|false).
	EventChecklist EventType = "checklist"
	// EventRunbook: a runbook step (requested, approved, denied, expired,
	// started, progress, finished, cancelled, refused). Data: run, runbook,
	// step, and by, plan, policy, expires_at, reason, command_id,
	// execution_id, reused, status, detail, result, truncated as the step
	// has them (written and folded by package runbooks).
	EventRunbook EventType = "runbook"
	// EventPaged: a paging service was told about the incident. Data: via
	// (pagerduty), target (the page target, pagerduty:ENV_NAME), action
	// (trigger|acknowledge|resolve), dedup_key, and as they apply step
	// (the escalation step, 1-based), user (the Slack user paged by hand),
	// message, source (pagerduty when the paging service reported it).
	// A trigger with a dedup_key opens a Page; acknowledge and resolve
	// move it.
	EventPaged EventType = "paged"
	// EventInfo: something tocsin noticed (a non-alarm notification, a
	// notice from reconciliation). Text.
	EventInfo EventType = "info"
)

// Event is one entry of an incident's timeline. Seq starts at 1 and has no
// gaps; PrevHash is the Hash of the event before (empty for the first); Hash
// covers every other field, so a change anywhere breaks the chain.
type Event struct {
	Incident ID                `json:"incident"`
	Seq      int               `json:"seq"`
	Type     EventType         `json:"type"`
	At       time.Time         `json:"at"`
	Actor    string            `json:"actor"`
	Text     string            `json:"text,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
	PrevHash string            `json:"prev_hash,omitempty"`
	Hash     string            `json:"hash"`
}

// ComputeHash returns the hash of e over every field but Hash itself.
// encoding/json writes map keys in sorted order, so the encoding is canonical.
func (e Event) ComputeHash() string {
	e.Hash = ""
	e.At = e.At.UTC()
	b, err := json.Marshal(e)
	if err != nil { // only unencodable values fail, and Event has none
		panic(fmt.Sprintf("incident: encode event for hashing: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Chain sets e's position after prev (Seq, PrevHash) and its Hash. prev is
// the zero Event for the first event of a timeline.
func (e *Event) Chain(id ID, prevSeq int, prevHash string) {
	e.Incident = id
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.At = e.At.UTC()
	e.Hash = e.ComputeHash()
}

// Verify walks a timeline and checks its order and hash chain. It returns an
// error wrapping ErrTampered that names the first event that does not verify.
func Verify(events []Event) error {
	prev := ""
	for i, e := range events {
		switch {
		case e.Seq != i+1:
			return fmt.Errorf("%w: event %d has sequence %d", ErrTampered, i+1, e.Seq)
		case e.PrevHash != prev:
			return fmt.Errorf("%w: event %d does not follow event %d", ErrTampered, e.Seq, e.Seq-1)
		case e.ComputeHash() != e.Hash:
			return fmt.Errorf("%w: event %d was changed after it was written", ErrTampered, e.Seq)
		}
		prev = e.Hash
	}
	return nil
}

// Datum returns e.Data[k], or "" when absent.
func (e Event) Datum(k string) string { return e.Data[k] }
