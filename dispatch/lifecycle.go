package dispatch

import (
	"context"
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
)

func (e *Engine) declare(ctx context.Context, cmd Command) (Result, error) {
	title := strings.TrimSpace(cmd.Text)
	if title == "" {
		return Result{}, fmt.Errorf("%w: a declared incident needs a title", incident.ErrInvalid)
	}
	var res Result
	err := e.update(ctx, func(tx incident.Tx) error {
		if first, err := e.firstTime(tx, cmdKey(cmd)); err != nil || !first {
			res = Result{Message: "Already declared."}
			return err
		}
		inc, err := e.openDeclared(tx, cmd, title)
		res = Result{Incident: inc, Public: true,
			Message: fmt.Sprintf("Declared %s (%s): %s. A channel is being created.", inc.ID, inc.Severity, inert(title))}
		return err
	})
	return res, err
}

// openDeclared opens an incident a person declared, with its channel and
// the default playbook's checklist and escalation.
func (e *Engine) openDeclared(tx incident.Tx, cmd Command, title string) (incident.Incident, error) {
	sev := cmd.Severity
	if !sev.Valid() {
		sev = incident.SEV3
	}
	now := e.cfg.Now()
	pb := e.playbookFor(incident.Incident{})
	inc, err := tx.Open(incident.Event{Type: incident.EventOpened, At: now, Actor: cmd.Actor, Data: map[string]string{
		"title": title, "severity": sev.String(), "service": cmd.Service, "source": "declared",
		"commander": cmd.Actor, "started_at": incident.FormatTime(now), "detected_at": incident.FormatTime(now),
		"start_method": "declared by " + cmd.Actor, "playbook": pb.Name, "runbooks": strings.Join(pb.Runbooks, ",")}})
	if err != nil {
		return inc, err
	}
	return inc, e.enqueueOpen(tx, inc, pb, cmd.Actor)
}

// playbookFor returns the playbook an incident was opened under, or the
// default one.
func (e *Engine) playbookFor(inc incident.Incident) *playbooks.Playbook {
	set := e.cfg.Playbooks()
	if pb, ok := set.Get(inc.Playbook); ok {
		return pb
	}
	pb, _ := set.Get(playbooks.DefaultName)
	return pb
}

func (e *Engine) ack(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	if inc.Status == incident.StatusAcknowledged {
		return Result{Incident: inc, Message: fmt.Sprintf("%s is already acknowledged.", inc.ID)}, nil
	}
	ev, err := inc.Transition(incident.StatusAcknowledged, cmd.Actor, e.cfg.Now(), "")
	if err != nil {
		return Result{}, err
	}
	evs := []incident.Event{ev}
	if inc.RoleHolder(incident.RoleCommander) == "" {
		evs = append(evs, e.event(incident.EventRole, cmd, "", map[string]string{"role": string(incident.RoleCommander), "user": cmd.Actor}))
	}
	if _, err := tx.Cancel(inc.ID, EffEscalate); err != nil {
		return Result{}, err
	}
	inc, err = e.record(tx, inc.ID, evs...)
	if err != nil {
		return Result{}, err
	}
	if err := inviteTo(tx, inc, cmd, cmd.Actor); err != nil {
		return Result{}, err
	}
	if err := e.stopPages(tx, inc, EffPagerDutyAcknowledge); err != nil {
		return Result{}, err
	}
	msg := fmt.Sprintf("%s acknowledged %s. Escalation stopped.", person(cmd.Actor), inc.ID)
	return Result{Incident: inc, Message: msg, Posted: true}, post(tx, inc.ID, msg)
}

// transition returns the handler of a plain lifecycle move.
func transition(to incident.Status, verb string) handler {
	return func(e *Engine, ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
		ev, err := inc.Transition(to, cmd.Actor, e.cfg.Now(), strings.TrimSpace(cmd.Text))
		if err != nil {
			return Result{}, err
		}
		before := inc
		if inc, err = e.record(tx, inc.ID, ev); err != nil {
			return Result{}, err
		}
		if err := e.afterTransition(tx, before, inc); err != nil {
			return Result{}, err
		}
		msg := fmt.Sprintf("%s marked %s %s.", person(cmd.Actor), inc.ID, verb)
		if ev.Text != "" {
			msg += " " + inert(ev.Text)
		}
		return Result{Incident: inc, Message: msg, Posted: true}, post(tx, inc.ID, msg)
	}
}

// afterTransition stops escalation once an incident is no longer open,
// tells PagerDuty once it is taken (mitigated before anyone acknowledged
// it) or resolved, archives the channel after a quiet period once closed,
// and brings the channel back on reopen.
func (e *Engine) afterTransition(tx incident.Tx, before, inc incident.Incident) error {
	wasOpen := before.Open()
	if !inc.Open() {
		if _, err := tx.Cancel(inc.ID, EffEscalate); err != nil {
			return err
		}
	}
	switch {
	case wasOpen && !inc.Open():
		if err := e.stopPages(tx, inc, EffPagerDutyResolve); err != nil {
			return err
		}
	case unacknowledged(before) && !unacknowledged(inc):
		if _, err := tx.Cancel(inc.ID, EffEscalate); err != nil {
			return err
		}
		if err := e.stopPages(tx, inc, EffPagerDutyAcknowledge); err != nil {
			return err
		}
	}
	switch {
	case inc.Status == incident.StatusClosed:
		return tx.Enqueue(incident.Effect{Kind: EffSlackArchive, Incident: inc.ID, NotBefore: e.cfg.Now().Add(e.cfg.ArchiveAfter)})
	case inc.Open() && !wasOpen:
		if _, err := tx.Cancel(inc.ID, EffSlackArchive); err != nil {
			return err
		}
		return tx.Enqueue(incident.Effect{Kind: EffSlackUnarchive, Incident: inc.ID})
	}
	return nil
}

// inviteTo invites someone who took part in an incident (acknowledged it,
// took a role) to its channel, unless the command was typed there: whoever
// typed it is in it already.
func inviteTo(tx incident.Tx, inc incident.Incident, cmd Command, user string) error {
	if user == "" || (user == cmd.Actor && cmd.Channel != "" && cmd.Channel == inc.Channel.ID) {
		return nil
	}
	return tx.Enqueue(incident.Effect{Kind: EffSlackInvite, Incident: inc.ID, Data: map[string]string{"users": user}})
}
