package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Authorizer decides whether a person may do an Action (Config.Access);
// package access's Authorizer is one. ok with the zero Rule means no rule
// restricts the action. A non-nil error means the decision could not be
// made (a user group's members could not be read): the engine then refuses
// the command, so an access policy fails closed.
type Authorizer interface {
	Allow(ctx context.Context, user string, act Action) (ok bool, rule Rule, err error)
}

// ActionName names a kind of change an access policy can restrict.
type ActionName string

// The actions. Commands not listed here (ack, status, note, mitigated,
// runbook-cancel, deny…) are never restricted by an access policy; runbook
// approval rules still restrict approve and deny.
const (
	ActionDeclare  ActionName = "declare"  // Declare
	ActionSeverity ActionName = "severity" // SetSeverity
	ActionResolve  ActionName = "resolve"  // Resolve, Close and Reopen
	ActionAssign   ActionName = "assign"   // AssignRole
	ActionRunbook  ActionName = "runbook"  // RunbookReq, for Action.Runbook
	ActionApprove  ActionName = "approve"  // Approve
)

// Action is what a person asks to do, as an access policy names it.
type Action struct {
	Name ActionName
	// Runbook is the runbook asked for (ActionRunbook only), as typed.
	Runbook string
}

// Rule is the access policy rule that decided an Action: its name as the
// policy file writes it ("resolve", "runbook reboot-*") and whom it lets
// do the action (user ids U…/W…, user group ids S…; none: nobody).
type Rule struct {
	Name string
	Who  []string
}

// ErrAccessUnavailable: the access policy could not be checked (a Slack
// user group it names could not be read), so the command was refused and
// nothing changed. The error carries a UserMessage for the requester.
var ErrAccessUnavailable = errors.New("the access policy could not be checked")

// accessUnavailable is the error Do returns for ErrAccessUnavailable.
type accessUnavailable struct{ doing string }

func (e accessUnavailable) Error() string        { return "check access policy: " + e.doing }
func (e accessUnavailable) Is(target error) bool { return target == ErrAccessUnavailable }

// UserMessage is the sentence shown to the requester.
func (e accessUnavailable) UserMessage() string {
	return "Not done: tocsin could not check whether you may " + e.doing +
		" (Slack's user groups could not be read), so nothing was changed. Try again in a minute."
}

// actionOf returns the access policy action a command needs, if any.
func actionOf(cmd Command) (Action, bool) {
	switch cmd.Kind {
	case Declare:
		return Action{Name: ActionDeclare}, true
	case SetSeverity:
		return Action{Name: ActionSeverity}, true
	case Resolve, Close, Reopen:
		return Action{Name: ActionResolve}, true
	case AssignRole:
		return Action{Name: ActionAssign}, true
	case RunbookReq:
		return Action{Name: ActionRunbook, Runbook: cmd.Runbook}, true
	case Approve:
		return Action{Name: ActionApprove}, true
	}
	return Action{}, false
}

// doing says what a command does, to complete "may …". It quotes the
// runbook name as typed: posted text must pass it through inert.
func doing(cmd Command) string {
	switch cmd.Kind {
	case Declare:
		return "declare incidents"
	case SetSeverity:
		return "change an incident's severity"
	case AssignRole:
		return "assign incident roles"
	case RunbookReq:
		return "request the runbook " + clip(cmd.Runbook)
	case Approve:
		return "approve runbook runs"
	}
	return string(cmd.Kind) + " incidents"
}

// authorize checks a command against the access policy before anything
// else happens. It calls Slack (through Config.Access), so it runs before
// any transaction. A refused command changes nothing; when it names an
// incident, the refusal is recorded on that incident's timeline, once per
// idempotency key. refused is true when Do must return res, err as they are.
func (e *Engine) authorize(ctx context.Context, cmd Command) (Result, bool, error) {
	act, ok := actionOf(cmd)
	if !ok || e.cfg.Access == nil {
		return Result{}, false, nil
	}
	allowed, rule, err := e.cfg.Access.Allow(ctx, cmd.Actor, act)
	if err != nil {
		e.log.Warn("access policy could not be checked; command refused", "kind", string(cmd.Kind),
			"actor", cmd.Actor, "incident", uint64(cmd.Incident), "err", err)
		return Result{}, true, accessUnavailable{doing: doing(cmd)}
	}
	if allowed {
		return Result{}, false, nil
	}
	e.log.Info("command refused by the access policy", "kind", string(cmd.Kind), "actor", cmd.Actor,
		"rule", rule.Name, "incident", uint64(cmd.Incident), "channel", cmd.Channel)
	res, err := e.recordRefusal(ctx, cmd, act, rule)
	return res, true, err
}

// recordRefusal answers a refused command and records the refusal on the
// timeline of the incident it names, if it names one.
func (e *Engine) recordRefusal(ctx context.Context, cmd Command, act Action, rule Rule) (Result, error) {
	res := Result{Message: refusal(cmd, rule)}
	if cmd.Kind == Declare {
		return res, nil
	}
	err := e.update(ctx, func(tx incident.Tx) error {
		inc, err := e.target(tx, cmd)
		if errors.Is(err, incident.ErrInvalid) {
			return nil // no incident to record it on; the answer says enough
		}
		if err != nil {
			return err
		}
		res.Incident = inc
		if first, err := e.firstTime(tx, cmdKey(cmd)); err != nil || !first {
			return err
		}
		res.Incident, err = tx.Append(inc.ID, refusedEvent(cmd, act, rule, e.cfg.Now()))
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("record refusal of %s by %s: %w", cmd.Kind, cmd.Actor, err)
	}
	return res, nil
}

// refusal is the answer to a refused command: who may do it, and the rule.
func refusal(cmd Command, rule Rule) string {
	what, name := inert(doing(cmd)), inert(rule.Name)
	if len(rule.Who) == 0 {
		return fmt.Sprintf("Not done: the access policy lets nobody %s (policy rule '%s').", what, name)
	}
	return fmt.Sprintf("Not done: only %s (policy rule '%s') may %s.", anyOf(rule.Who), name, what)
}

// anyOf names users and user groups as "A, B or C", in the engine's notation.
func anyOf(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = people([]string{id})
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// refusedEvent records who tried what and which rule refused it. Its text
// names people by their plain ids: the timeline is read outside Slack too.
func refusedEvent(cmd Command, act Action, rule Rule, now time.Time) incident.Event {
	who := strings.Join(rule.Who, ", ")
	if who == "" {
		who = "nobody"
	}
	what := string(cmd.Kind)
	data := map[string]string{"refused": "access", "command": what, "action": string(act.Name), "rule": rule.Name}
	if act.Runbook != "" {
		data["runbook"] = clip(act.Runbook)
		what += " " + data["runbook"]
	}
	return incident.Event{Type: incident.EventInfo, At: now, Actor: cmd.Actor, Data: data,
		Text: fmt.Sprintf("%s refused by access policy rule '%s' (allowed: %s)", what, rule.Name, who)}
}
