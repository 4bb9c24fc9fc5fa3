package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
)

// PagerDuty sends PagerDuty Events API v2 events (package pagerduty's
// Client). routingKey is the integration's key; dedupKey names the alert.
// An error with a Permanent() bool method that returns true cannot succeed
// by retrying (PagerDuty's 400); one with a RetryAfter() time.Duration
// method that returns more than 0 asks to wait that long (429).
type PagerDuty interface {
	Trigger(ctx context.Context, routingKey, dedupKey, summary string, inc incident.Incident) error
	// Send sends an acknowledge or resolve event.
	Send(ctx context.Context, routingKey, dedupKey, action string) error
}

// The PagerDuty actions, as the Events API and EventPaged name them.
const (
	actionTrigger     = "trigger"
	actionAcknowledge = "acknowledge"
	actionResolve     = "resolve"
)

// pageActions maps the effect kinds to the actions they send.
var pageActions = map[incident.EffectKind]string{
	EffPagerDutyTrigger: actionTrigger, EffPagerDutyAcknowledge: actionAcknowledge, EffPagerDutyResolve: actionResolve,
}

// PageExecutor performs the PagerDuty effects. The routing key is looked
// up when the effect runs, by the variable that holds it (Data target), so
// it is never in the store.
type PageExecutor struct {
	Engine    *Engine
	PagerDuty PagerDuty // nil: PagerDuty is not configured, the effects fail permanently
}

// Execute sends one event, or with Data sweep=1 the acknowledge or resolve
// of every page not yet told (see stopPages).
func (x *PageExecutor) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (Outcome, error) {
	action := pageActions[eff.Kind]
	if eff.Data["sweep"] != "" {
		return x.sweep(ctx, inc, action)
	}
	if action == actionTrigger && eff.Data["step"] != "" && !unacknowledged(inc) {
		return Outcome{}, nil // an escalation's page, acknowledged meanwhile
	}
	if p, ok := inc.Page(eff.Data["target"], eff.Data["dedup_key"]); ok && action != actionTrigger &&
		(p.State == action || p.State == actionResolve) {
		return Outcome{}, nil // already said, or resolved since
	}
	return x.send(ctx, eff.Data, inc, action)
}

// send sends one event and records it, or records and says in the channel
// why PagerDuty refused it.
func (x *PageExecutor) send(ctx context.Context, data map[string]string, inc incident.Incident, action string) (Outcome, error) {
	target, dedup := data["target"], data["dedup_key"]
	err := x.call(ctx, target, dedup, action, x.summary(data, inc), inc)
	if again, refused := sortFailure(err); again != nil {
		return Outcome{}, again
	} else if refused {
		text := fmt.Sprintf(":warning: PagerDuty refused to %s %s (%s): %v", action, inc.ID, target, err)
		ev := incident.Event{Type: incident.EventInfo, At: x.Engine.cfg.Now(), Actor: "tocsin", Text: text,
			Data: map[string]string{"effect": "pagerduty." + action, "target": target}}
		return Outcome{Events: []incident.Event{ev}, Then: []incident.Effect{postEffect(text)}}, nil
	}
	ev := incident.Event{Type: incident.EventPaged, At: x.Engine.cfg.Now(), Actor: "tocsin",
		Text: pagedText(action, target), Data: map[string]string{"via": "pagerduty", "target": target,
			"action": action, "dedup_key": dedup}}
	for _, k := range []string{"step", "user", "message", "by"} {
		if v := data[k]; v != "" {
			ev.Data[k] = v
		}
	}
	out := Outcome{Events: []incident.Event{ev}}
	if action == actionTrigger {
		out.Then = []incident.Effect{postEffect(":pager: " + pagedText(action, target) + triggerDetail(data))}
	}
	return out, nil
}

// call resolves the routing key and sends the event.
func (x *PageExecutor) call(ctx context.Context, target, dedup, action, summary string, inc incident.Incident) error {
	t, err := playbooks.ParsePageTarget(target)
	if err != nil || t.Kind != playbooks.PagePagerDuty || dedup == "" {
		return fmt.Errorf("%w: %q is not a PagerDuty page", ErrPermanent, target)
	}
	if x.PagerDuty == nil {
		return fmt.Errorf("%w: PagerDuty is not configured", ErrPermanent)
	}
	key, ok := x.Engine.cfg.Playbooks().RoutingKey(t.KeyEnv())
	if !ok {
		return fmt.Errorf("%w: no routing key: %s is not set (or no playbook names it)", ErrPermanent, t.KeyEnv())
	}
	if action == actionTrigger {
		return x.PagerDuty.Trigger(ctx, key.Reveal(), dedup, summary, inc)
	}
	return x.PagerDuty.Send(ctx, key.Reveal(), dedup, action)
}

// sweep tells PagerDuty about every page the incident's state has not
// reached: pages whose trigger was in flight when the incident was
// acknowledged or resolved.
func (x *PageExecutor) sweep(ctx context.Context, inc incident.Incident, action string) (Outcome, error) {
	var out Outcome
	for _, p := range inc.Pages {
		if p.State == action || p.State == actionResolve || (action == actionAcknowledge && !acknowledgedNow(inc)) {
			continue
		}
		o, err := x.send(ctx, map[string]string{"target": p.Target, "dedup_key": p.DedupKey}, inc, action)
		if err != nil {
			return Outcome{}, err
		}
		out.Events = append(out.Events, o.Events...)
		out.Then = append(out.Then, o.Then...)
	}
	return out, nil
}

// permanent reports whether err cannot succeed by retrying.
func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.Is(err, ErrPermanent) || (errors.As(err, &p) && p.Permanent())
}

// summary is the trigger's one line: the incident, and for a page by hand
// whom it asks for and the message.
func (x *PageExecutor) summary(data map[string]string, inc incident.Incident) string {
	s := fmt.Sprintf("%s %s: %s", inc.ID, inc.Severity, inc.Title)
	if u := data["user"]; u != "" {
		s += " — paging " + userLabel(u, data["user_name"])
	}
	if m := data["message"]; m != "" {
		s += " — " + m
	}
	return s
}

// userLabel names a Slack user for PagerDuty, where mentions mean nothing.
func userLabel(id, name string) string {
	if name != "" {
		return "@" + name + " (Slack " + id + ")"
	}
	return "Slack user " + id
}

func pagedText(action, target string) string {
	switch action {
	case actionTrigger:
		return "Paged PagerDuty (" + target + ")."
	case actionAcknowledge:
		return "Acknowledged in PagerDuty (" + target + ")."
	}
	return "Resolved in PagerDuty (" + target + ")."
}

func triggerDetail(data map[string]string) string {
	switch {
	case data["user"] != "":
		return " " + person(data["by"]) + " asked for " + person(data["user"]) + "."
	case data["by"] != "":
		return " Paged by hand by " + person(data["by"]) + "."
	case data["step"] != "":
		return " Escalation step " + data["step"] + "."
	}
	return ""
}

// unacknowledged reports whether nobody has taken the incident yet.
func unacknowledged(inc incident.Incident) bool {
	return inc.Status == incident.StatusDetected || inc.Status == incident.StatusDeclared
}

// acknowledgedNow reports whether someone is on the open incident.
func acknowledgedNow(inc incident.Incident) bool { return inc.Open() && !unacknowledged(inc) }

// pageSweepAfter is how long after an acknowledgement or resolution a
// sweep looks for pages whose trigger was still in flight: longer than a
// PagerDuty call may take (pagerduty's client gives up after 10 s).
const pageSweepAfter = 30 * time.Second

// stopPages tells PagerDuty that the incident was acknowledged or resolved:
// an event for every page not yet told, and, when a trigger was still
// waiting or in flight, a sweep for the page it may yet record. Triggers
// still waiting are dropped. It runs in the transaction that records the
// acknowledgement or resolution, so it happens exactly once for each.
func (e *Engine) stopPages(tx incident.Tx, inc incident.Incident, kind incident.EffectKind) error {
	pending, err := tx.Cancel(inc.ID, EffPagerDutyTrigger)
	if err != nil {
		return err
	}
	action := pageActions[kind]
	for _, p := range inc.Pages {
		if p.State == action || p.State == actionResolve {
			continue
		}
		if err := tx.Enqueue(incident.Effect{Kind: kind, Incident: inc.ID,
			Data: map[string]string{"target": p.Target, "dedup_key": p.DedupKey}}); err != nil {
			return err
		}
	}
	if pending == 0 {
		return nil
	}
	return tx.Enqueue(incident.Effect{Kind: kind, Incident: inc.ID, NotBefore: e.cfg.Now().Add(pageSweepAfter),
		Data: map[string]string{"sweep": "1"}})
}

// pageKey is the dedup key of the incident's pages: the same for every
// page of one incident to one PagerDuty service, so that a retry, a crash
// and retry, or a later step never opens a second PagerDuty incident, and
// different from any other incident's, even of another tocsin or after a
// restore (it carries the moment the incident was opened).
func pageKey(tx incident.Tx, id incident.ID) (string, error) {
	evs, err := tx.Events(id)
	if err != nil {
		return "", err
	}
	if len(evs) == 0 {
		return "", fmt.Errorf("incident %s has no timeline", id)
	}
	return fmt.Sprintf("tocsin-%s-%d", id, evs[0].At.Unix()), nil
}

// ParsePageKey reads the incident a dedup key made by tocsin names (the
// key of its pages, or of a page for one person, which adds -U…).
func ParsePageKey(key string) (incident.ID, bool) {
	rest, ok := strings.CutPrefix(key, "tocsin-INC-")
	parts := strings.Split(rest, "-")
	if !ok || len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	n, err := strconv.ParseUint(parts[0], 10, 64)
	if _, terr := strconv.ParseInt(parts[1], 10, 64); err != nil || terr != nil || n == 0 {
		return 0, false
	}
	return incident.ID(n), true
}

// userPageKey is the dedup key of a page for one person: an alert of its
// own, so that it notifies even when the incident's alert was acknowledged.
func userPageKey(base, user string) string { return base + "-" + user }

// pageKeyOf reads an incident's page key outside a transaction.
func (e *Engine) pageKeyOf(id incident.ID) (string, error) {
	var key string
	err := e.cfg.Store.View(func(tx incident.Tx) error {
		var err error
		key, err = pageKey(tx, id)
		return err
	})
	return key, err
}

// triggerEffect is the effect that pages target for an incident.
func triggerEffect(id incident.ID, target playbooks.PageTarget, dedup string, data map[string]string) incident.Effect {
	d := map[string]string{"target": target.String(), "dedup_key": dedup}
	for k, v := range data {
		if v != "" {
			d[k] = v
		}
	}
	return incident.Effect{Kind: EffPagerDutyTrigger, Incident: id, Data: d}
}

// stepData is the Data of an escalation step's trigger.
func stepData(i int) map[string]string { return map[string]string{"step": strconv.Itoa(i + 1)} }
