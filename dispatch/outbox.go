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
	EffSlackTopic     incident.EffectKind = "slack.topic"     // set the channel topic from the incident
	EffSlackInvite    incident.EffectKind = "slack.invite"    // Data: users (comma-separated user or group ids)
	EffSlackHeader    incident.EffectKind = "slack.header"    // post and pin the header message
	EffSlackUpdate    incident.EffectKind = "slack.update"    // refresh header and topic (coalesced per incident)
	EffSlackAnnounce  incident.EffectKind = "slack.announce"  // announce in the announcements channel; Data: text
	EffSlackPost      incident.EffectKind = "slack.post"      // Data: text, thread (header|ts), mention, actions (ack: an Acknowledge button while it applies)
	EffSlackChecklist incident.EffectKind = "slack.checklist" // post the playbook checklist; Data: items (one per line), playbook
	EffSlackApproval  incident.EffectKind = "slack.approval"  // post an approval request; Data: the requested runbook event's Data
	EffSlackRunStatus incident.EffectKind = "slack.runstatus" // post or update a runbook's progress message; Data: run, text, final, follows (1: the run posted a status before)
	EffSlackFile      incident.EffectKind = "slack.file"      // upload a file; Data: name, title, content (or graph=1)
	EffSlackArchive   incident.EffectKind = "slack.archive"   // archive the channel (after the quiet period)
	EffSlackUnarchive incident.EffectKind = "slack.unarchive" //
	EffSlackRename    incident.EffectKind = "slack.rename"    // name a channel taken from standby after its incident
	EffSlackPin       incident.EffectKind = "slack.pin"       // pin the header; Data: ts
	EffSlackDigest    incident.EffectKind = "slack.digest"    // post the weekly digest (no incident); Data: channel, part (text|chart), text or chart (base64 PNG)
	EffSlackNotice    incident.EffectKind = "slack.notice"    // post to a channel no incident owns (on-call hand-offs); Data: channel, text
	EffSSMStart       incident.EffectKind = "ssm.start"       // start a run; Data: run
	EffSSMPoll        incident.EffectKind = "ssm.poll"        // poll a run; Data: run, attempt
	EffSSMCancel      incident.EffectKind = "ssm.cancel"      // cancel a running run; Data: run
	EffEscalate       incident.EffectKind = "escalate"        // Data: step (index)
	EffApprovalExpiry incident.EffectKind = "approval.expiry" // Data: run
	EffRefineStart    incident.EffectKind = "alarm.refine"    // refine the impact start from the metric's data (after the 200 to SNS)
	EffHandoff        incident.EffectKind = "oncall.handoff"  // a rotation's hand-off timer (handoff.go); Data: rotation, at (RFC 3339)
	EffSMSPage        incident.EffectKind = "sns.publish"     // page by SMS (sms.go); Data: target (sms|rotation:NAME), key, and step or by, user
	// The PagerDuty events (page.go). Data: target (pagerduty:ENV_NAME),
	// dedup_key; for a trigger step (escalation, 1-based) or by, user,
	// user_name, message (by hand); sweep=1 instead: every page not yet told.
	EffPagerDutyTrigger     incident.EffectKind = "pagerduty.trigger"
	EffPagerDutyAcknowledge incident.EffectKind = "pagerduty.acknowledge"
	EffPagerDutyResolve     incident.EffectKind = "pagerduty.resolve"
)

// PagerDutyKinds are the kinds that PageExecutor performs.
func PagerDutyKinds() []incident.EffectKind {
	return []incident.EffectKind{EffPagerDutyTrigger, EffPagerDutyAcknowledge, EffPagerDutyResolve}
}

// SlackKinds are the kinds that bot's Executor performs.
func SlackKinds() []incident.EffectKind {
	return []incident.EffectKind{EffSlackChannel, EffSlackTopic, EffSlackInvite, EffSlackHeader, EffSlackUpdate,
		EffSlackAnnounce, EffSlackPost, EffSlackChecklist, EffSlackApproval, EffSlackRunStatus, EffSlackFile,
		EffSlackArchive, EffSlackUnarchive, EffSlackRename, EffSlackPin, EffSlackDigest, EffSlackNotice}
}

// Kinds lists every effect kind the engine enqueues.
func Kinds() []incident.EffectKind {
	kinds := append(SlackKinds(), EffSSMStart, EffSSMPoll, EffSSMCancel, EffEscalate, EffApprovalExpiry, EffRefineStart, EffHandoff, EffSMSPage)
	return append(kinds, PagerDutyKinds()...)
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
