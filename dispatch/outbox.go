package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Effect kinds. The Data keys each uses are listed beside it. Each kind has
// exactly one executor, registered in the app's one table (Kinds lists them
// all, so that the table can be checked).
const (
	EffSlackChannel   incident.EffectKind = "slack.channel"   // create the incident channel; Data: invite (comma-separated ids)
	EffSlackTopic                         = "slack.topic"     // set the channel topic from the incident
	EffSlackInvite                        = "slack.invite"    // Data: users (comma-separated user or group ids)
	EffSlackHeader                        = "slack.header"    // post and pin the header message
	EffSlackUpdate                        = "slack.update"    // refresh header and topic (coalesced per incident)
	EffSlackAnnounce                      = "slack.announce"  // announce in the announcements channel; Data: text
	EffSlackPost                          = "slack.post"      // Data: text, thread (header|ts), mention
	EffSlackChecklist                     = "slack.checklist" // post the playbook checklist; Data: items (one per line), playbook
	EffSlackApproval                      = "slack.approval"  // post an approval request; Data: the requested runbook event's Data
	EffSlackRunStatus                     = "slack.runstatus" // post or update a runbook's progress message; Data: run, text, final, follows (1: the run posted a status before)
	EffSlackFile                          = "slack.file"      // upload a file; Data: name, title, content (or graph=1)
	EffSlackArchive                       = "slack.archive"   // archive the channel (after the quiet period)
	EffSlackUnarchive                     = "slack.unarchive" //
	EffSlackRename                        = "slack.rename"    // name a channel taken from standby after its incident
	EffSlackPin                           = "slack.pin"       // pin the header; Data: ts
	EffSSMStart                           = "ssm.start"       // start a run; Data: run
	EffSSMPoll                            = "ssm.poll"        // poll a run; Data: run, attempt
	EffSSMCancel                          = "ssm.cancel"      // cancel a running run; Data: run
	EffEscalate                           = "escalate"        // Data: step (index)
	EffApprovalExpiry                     = "approval.expiry" // Data: run
	EffRefineStart                        = "alarm.refine"    // refine the impact start from the metric's data (after the 200 to SNS)
)

// SlackKinds are the kinds that bot's Executor performs.
func SlackKinds() []incident.EffectKind {
	return []incident.EffectKind{EffSlackChannel, EffSlackTopic, EffSlackInvite, EffSlackHeader, EffSlackUpdate,
		EffSlackAnnounce, EffSlackPost, EffSlackChecklist, EffSlackApproval, EffSlackRunStatus, EffSlackFile,
		EffSlackArchive, EffSlackUnarchive, EffSlackRename, EffSlackPin}
}

// Kinds lists every effect kind the engine enqueues.
func Kinds() []incident.EffectKind {
	return append(SlackKinds(), EffSSMStart, EffSSMPoll, EffSSMCancel, EffEscalate, EffApprovalExpiry, EffRefineStart)
}

// Outcome is what performing an effect produced: events to append to the
// incident (channel id, message ts, command id) and follow-up effects, all
// committed together with the removal of the effect from the outbox, so a
// retry never repeats an effect whose result was recorded.
type Outcome struct {
	Events []incident.Event
	Then   []incident.Effect
}

// Executor performs one kind of effect. inc is the incident's state when the
// effect runs, so a coalesced update renders everything that changed.
type Executor interface {
	Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (Outcome, error)
}

// ErrPermanent marks a failure that retrying cannot fix (a validation error,
// access denied). The effect is dropped and the failure recorded on the
// incident's timeline.
var ErrPermanent = errors.New("permanent failure")

// ErrChannelGone marks a permanent failure because the incident's channel
// was archived or deleted outside tocsin. Besides the line on the timeline,
// the responders are told once, where they will see it: in the
// announcements channel, or else by the incident commander's direct message.
var ErrChannelGone = errors.New("the incident channel was archived or deleted outside tocsin")

// RetryError asks the worker to try the effect again after a delay (a rate
// limit's Retry-After, a channel that does not exist yet).
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}

func (e *RetryError) Unwrap() error { return e.Err }

// Retry wraps err in a RetryError.
func Retry(after time.Duration, err error) error { return &RetryError{After: after, Err: err} }
