package dispatch

import (
	"context"
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
)

// page is `/incident page [target] [message]`: it pages now, by hand, for
// the incident it is given in (or names); elsewhere it declares one first,
// titled with the message. The page is the same effect an escalation step
// enqueues, so a later acknowledgement or resolution reaches PagerDuty with
// the same dedup key.
func (e *Engine) page(ctx context.Context, cmd Command) (Result, error) {
	id, err := e.commandIncident(cmd)
	if err != nil {
		return Result{}, err
	}
	if id == 0 {
		if res, refused, err := e.authorize(ctx, Command{Kind: Declare, Actor: cmd.Actor, Channel: cmd.Channel}); refused {
			return res, err
		}
	}
	extra, err := e.chatOverrides(ctx) // for rotation:NAME, read before the transaction
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = e.update(ctx, func(tx incident.Tx) error {
		if first, err := e.firstTime(tx, cmdKey(cmd)); err != nil || !first {
			res = Result{Message: "Already done."}
			return err
		}
		inc, declared, err := e.pageIncident(tx, id, cmd)
		if err != nil {
			return err
		}
		target, text, err := e.pageTarget(inc, cmd)
		if err != nil {
			return err
		}
		key, err := pageKey(tx, inc.ID)
		if err != nil {
			return err
		}
		data := map[string]string{"by": cmd.Actor, "message": text}
		if cmd.User != "" {
			key = userPageKey(key, cmd.User)
			data["user"], data["user_name"] = cmd.User, cmd.Data["user_name"]
		}
		res = Result{Incident: inc, Public: declared, Message: pageAnswer(inc, target, cmd, declared)}
		effs := []incident.Effect{triggerEffect(inc.ID, target, key, data)}
		if target.Kind == playbooks.PageSMS || target.Kind == playbooks.PageRotation {
			_, effs = e.smsPage(inc, target, key, "by-"+cmd.Actor+"-"+cmdKey(cmd), data, extra)
		}
		for _, eff := range effs {
			if err := tx.Enqueue(eff); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// commandIncident finds the incident a command names or was given in, or
// 0 when there is none.
func (e *Engine) commandIncident(cmd Command) (incident.ID, error) {
	if cmd.Incident != 0 || cmd.Channel == "" {
		return cmd.Incident, nil
	}
	var id incident.ID
	err := e.cfg.Store.View(func(tx incident.Tx) error {
		found, ok, err := tx.ByChannel(cmd.Channel)
		if ok {
			id = found
		}
		return err
	})
	return id, err
}

// pageIncident returns the incident to page for, declaring one when the
// command was given outside any incident.
func (e *Engine) pageIncident(tx incident.Tx, id incident.ID, cmd Command) (incident.Incident, bool, error) {
	if id != 0 {
		inc, err := tx.Incident(id)
		if err != nil {
			return inc, false, fmt.Errorf("%w: there is no incident %s", incident.ErrInvalid, id)
		}
		if !inc.Open() {
			return inc, false, fmt.Errorf("%w: %s is %s; reopen it before paging for it (or page from another channel to declare a new one)",
				incident.ErrInvalid, inc.ID, inc.Status)
		}
		return inc, false, nil
	}
	title := strings.TrimSpace(cmd.Text)
	if title == "" {
		title = "Paged by hand"
	}
	inc, err := e.openDeclared(tx, cmd, title)
	return inc, true, err
}

// pageTarget decides what a page by hand pages and its message: the target
// typed (cmd.Target), a service named by the message's first word (its
// playbook's target), or the incident playbook's paging target, else the
// default routing key.
func (e *Engine) pageTarget(inc incident.Incident, cmd Command) (playbooks.PageTarget, string, error) {
	text := strings.TrimSpace(cmd.Text)
	set := e.cfg.Playbooks()
	if cmd.Target != "" {
		t, err := playbooks.ParsePageTarget(cmd.Target)
		if err != nil {
			return t, "", fmt.Errorf("%w: %v", incident.ErrInvalid, err)
		}
		return t, text, e.canPage(t, "")
	}
	if word, rest, _ := strings.Cut(text, " "); word != "" {
		if pb, ok := serviceOf(set, word); ok {
			t, ok := pb.PageTarget()
			if !ok {
				return t, "", fmt.Errorf("%w: the playbook %s of %s pages nobody (give its escalation a page target)", incident.ErrInvalid, pb.Name, inert(word))
			}
			return t, strings.TrimSpace(rest), e.canPage(t, "the playbook "+pb.Name+" of "+inert(word)+" pages ")
		}
	}
	if t, ok := e.playbookFor(inc).PageTarget(); ok && t.Kind != playbooks.PageWebhook {
		return t, text, e.canPage(t, "the incident's playbook "+e.playbookFor(inc).Name+" pages ")
	}
	t := playbooks.PageTarget{Kind: playbooks.PagePagerDuty}
	if _, ok := set.RoutingKey(t.KeyEnv()); !ok {
		return t, "", fmt.Errorf("%w: nothing to page: the incident's playbook pages no PagerDuty service and %s is not set",
			incident.ErrInvalid, playbooks.DefaultRoutingKeyEnv)
	}
	return t, text, nil
}

// canPage says why a target cannot be paged by hand, or nil.
func (e *Engine) canPage(t playbooks.PageTarget, whose string) error {
	switch t.Kind {
	case playbooks.PagePagerDuty:
		if _, ok := e.cfg.Playbooks().RoutingKey(t.KeyEnv()); !ok {
			return fmt.Errorf("%w: %s%s, but %s holds no routing key tocsin knows (only TOCSIN_PAGERDUTY_ROUTING_KEY and the variables playbooks name)",
				incident.ErrInvalid, whose, t, t.KeyEnv())
		}
		return nil
	case playbooks.PageWebhook:
		return fmt.Errorf("%w: %sthe paging webhook (page: true), which /incident page does not use; name a PagerDuty target", incident.ErrInvalid, whose)
	case playbooks.PageSMS, playbooks.PageRotation:
		return e.canPageSMS(t, whose)
	}
	return fmt.Errorf("%w: %spage target %q is not yet supported by /incident page", incident.ErrInvalid, whose, t.String())
}

// serviceOf finds the playbook a word names: by its name, or by the
// service it gives every incident (a service without placeholders).
func serviceOf(set *playbooks.Set, word string) (*playbooks.Playbook, bool) {
	if pb, ok := set.Get(word); ok {
		return pb, true
	}
	for _, pb := range set.All() {
		if pb.ServiceTemplate == word && !strings.Contains(word, "{{") {
			return pb, true
		}
	}
	return nil, false
}

func pageAnswer(inc incident.Incident, t playbooks.PageTarget, cmd Command, declared bool) string {
	who := ""
	if cmd.User != "" {
		who = " for " + person(cmd.User)
	}
	msg := fmt.Sprintf("Paging PagerDuty (%s)%s for %s.", t, who, inc.ID)
	switch t.Kind {
	case playbooks.PageSMS:
		msg = fmt.Sprintf("Paging by SMS (the paging topic)%s for %s.", who, inc.ID)
	case playbooks.PageRotation:
		msg = fmt.Sprintf("Paging whoever is on call in rotation %s%s for %s.", t.Name, who, inc.ID)
	}
	if declared {
		msg = fmt.Sprintf("Declared %s (%s): %s. A channel is being created. %s", inc.ID, inc.Severity, inert(inc.Title), msg)
	}
	return msg
}
