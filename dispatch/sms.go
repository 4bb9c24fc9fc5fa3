package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// SMS publishes a page as a short message with Amazon SNS (package
// snspage's Client): to topicARN, or when it is "" to the phone number. An
// error with a Permanent() bool method that returns true cannot succeed by
// retrying; one with a RetryAfter() time.Duration method that returns more
// than 0 asks to wait that long (throttling).
type SMS interface {
	Publish(ctx context.Context, topicARN, phone, message string) (messageID string, err error)
}

// SMSExecutor performs EffSMSPage.
//
// Exactly once across a crash: SNS takes no idempotency token for a
// standard topic or a direct SMS, so before each attempt the executor
// records an idempotency key (the effect's key and its attempt number) in
// a transaction of its own. An attempt that finds its key recorded was
// begun by a process that died before recording its result: the message
// may have gone out, so it is not sent again, and the timeline and the
// channel say so (a page lost that way is said, never silent; the
// escalation's next steps still run). A failed attempt — SNS's error,
// throttling, a lost answer — is retried by the outbox under the next
// attempt number, so a lost answer may page twice (at least once).
type SMSExecutor struct {
	Engine   *Engine
	SMS      SMS    // nil: SNS is not configured, the pages fail permanently
	TopicARN string // the paging topic (TOCSIN_PAGE_SNS_TOPIC_ARN) for target sms
	// PublicURL is tocsin's public base URL (TOCSIN_PUBLIC_URL): the link
	// in the message while the incident has no channel yet.
	PublicURL string
}

// smsDestination is where one page goes.
type smsDestination struct {
	topic, phone string
	label        string // for the timeline: never the whole phone number
}

// Execute publishes the page, once.
func (x *SMSExecutor) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (Outcome, error) {
	if eff.Data["step"] != "" && !unacknowledged(inc) {
		return Outcome{}, nil // an escalation's page, acknowledged meanwhile
	}
	to, err := x.destination(eff)
	if err != nil {
		return x.refused(eff, inc, err), nil
	}
	if first, err := x.Engine.firstAttempt(ctx, fmt.Sprintf("sms:%s:%d", eff.Data["key"], eff.Attempts)); err != nil || !first {
		if err != nil {
			return Outcome{}, err
		}
		return x.inDoubt(eff, inc, to), nil
	}
	id, err := x.SMS.Publish(ctx, to.topic, to.phone, smsText(inc, x.link(inc)))
	if again, refused := sortFailure(err); again != nil {
		return Outcome{}, again
	} else if refused {
		return x.refused(eff, inc, err), nil
	}
	ev := incident.Event{Type: incident.EventPaged, At: x.Engine.cfg.Now(), Actor: "tocsin",
		Text: "Paged by SMS: " + to.label + ".", Data: map[string]string{"via": "sms", "target": eff.Data["target"],
			"to": to.label, "sns_message_id": id}}
	for _, k := range []string{"step", "user", "by"} {
		if v := eff.Data[k]; v != "" {
			ev.Data[k] = v
		}
	}
	return Outcome{Events: []incident.Event{ev}, Then: []incident.Effect{postEffect(":pager: Paged by SMS: " + to.label + "." + triggerDetail(eff.Data))}}, nil
}

// destination is the paging topic for target sms, or the phone of the
// rotation member Data user for rotation:NAME.
func (x *SMSExecutor) destination(eff incident.Effect) (smsDestination, error) {
	if x.SMS == nil {
		return smsDestination{}, errors.New("SNS is not configured (set AWS_REGION)")
	}
	target := eff.Data["target"]
	if target == "sms" {
		if x.TopicARN == "" {
			return smsDestination{}, errors.New("TOCSIN_PAGE_SNS_TOPIC_ARN is not set")
		}
		return smsDestination{topic: x.TopicARN, label: "the paging topic " + x.TopicARN}, nil
	}
	name, ok := strings.CutPrefix(target, "rotation:")
	r, found := x.Engine.rotationSet().Get(name)
	if !ok || !found {
		return smsDestination{}, fmt.Errorf("there is no rotation %q (was it removed?)", name)
	}
	user := eff.Data["user"]
	m, ok := r.Member(user)
	if !ok || m.Phone == "" {
		return smsDestination{}, fmt.Errorf("%s has no phone number in rotation %s", person(user), r.Name)
	}
	return smsDestination{phone: m.Phone, label: fmt.Sprintf("%s's phone (…%s) for rotation %s", person(user), m.Phone[max(0, len(m.Phone)-4):], r.Name)}, nil
}

// sortFailure sorts an outside API's error (PagerDuty's, SNS's): again is
// what to hand the worker to try later — a RetryError when the error asks
// to wait (throttling), the error itself when it is transient — and
// refused says that it is permanent, for the caller to record. A nil err
// gives neither.
func sortFailure(err error) (again error, refused bool) {
	var rt interface{ RetryAfter() time.Duration }
	switch {
	case err == nil:
		return nil, false
	case errors.As(err, &rt) && rt.RetryAfter() > 0:
		return Retry(rt.RetryAfter(), err), false
	case !permanent(err):
		return err, false
	}
	return nil, true
}

// firstAttempt records key and reports whether it was new, in a
// transaction of its own (on disk before the page is sent).
func (e *Engine) firstAttempt(ctx context.Context, key string) (bool, error) {
	var first bool
	err := e.update(ctx, func(tx incident.Tx) error {
		var err error
		first, err = e.firstTime(tx, key)
		return err
	})
	return first, err
}

// refused records on the timeline, and says in the channel, why a page
// could not be sent.
func (x *SMSExecutor) refused(eff incident.Effect, inc incident.Incident, err error) Outcome {
	text := fmt.Sprintf(":warning: tocsin could not page %s by SMS (%s): %v", inc.ID, eff.Data["target"], err)
	return x.note(text, eff)
}

// inDoubt says that an attempt may have paged before a crash and is not
// repeated.
func (x *SMSExecutor) inDoubt(eff incident.Effect, inc incident.Incident, to smsDestination) Outcome {
	text := fmt.Sprintf(":warning: An SMS page of %s (%s) may have been sent just before tocsin stopped; it is not sent again, so that nobody is paged twice.", inc.ID, to.label)
	return x.note(text, eff)
}

func (x *SMSExecutor) note(text string, eff incident.Effect) Outcome {
	ev := incident.Event{Type: incident.EventInfo, At: x.Engine.cfg.Now(), Actor: "tocsin", Text: text,
		Data: map[string]string{"effect": string(EffSMSPage), "target": eff.Data["target"]}}
	return Outcome{Events: []incident.Event{ev}, Then: []incident.Effect{postEffect(text)}}
}

// link is where the message points: the incident's Slack channel, or
// while it has none the dashboard's page of it.
func (x *SMSExecutor) link(inc incident.Incident) string {
	switch {
	case inc.Channel.ID != "":
		return "https://slack.com/app_redirect?channel=" + inc.Channel.ID
	case x.PublicURL != "":
		return strings.TrimSuffix(x.PublicURL, "/") + fmt.Sprintf("/incidents/%d", inc.ID)
	}
	return ""
}
