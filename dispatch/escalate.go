package dispatch

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
)

// Pager sends a page for an escalation step (a configured webhook).
type Pager interface {
	Page(ctx context.Context, inc incident.Incident, step int) error
}

// Escalator performs escalation steps. It is an Executor for EffEscalate:
// the step's timer is the effect's NotBefore, so it survives restarts, and
// acknowledging cancels the pending steps.
type Escalator struct {
	Engine *Engine
	Pager  Pager // nil: steps with page: true only say so on the timeline
}

// Execute fires one escalation step: a timeline event, a mention in the
// channel, invitations, and a page.
func (x *Escalator) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (Outcome, error) {
	if inc.Status != incident.StatusDetected && inc.Status != incident.StatusDeclared {
		return Outcome{}, nil // acknowledged meanwhile: nothing to do
	}
	pb := x.Engine.playbookFor(inc)
	if name := eff.Data["playbook"]; name != "" {
		if p, ok := x.Engine.cfg.Playbooks().Get(name); ok {
			pb = p
		}
	}
	i, err := strconv.Atoi(eff.Data["step"])
	if err != nil || i < 0 || i >= len(pb.Escalation) {
		return Outcome{}, fmt.Errorf("%w: escalation step %q is not in playbook %s (was it edited?)", ErrPermanent, eff.Data["step"], pb.Name)
	}
	step := pb.Escalation[i]
	paged, then, err := x.page(ctx, inc, step.Page, i)
	if err != nil {
		return Outcome{}, err
	}
	targets := append(append([]string(nil), step.Notify...), step.Invite...)
	ev := incident.Event{Type: incident.EventEscalated, At: x.Engine.cfg.Now(), Actor: "tocsin",
		Text: fmt.Sprintf("not acknowledged after %s: escalation step %d", step.After, i+1),
		Data: map[string]string{"step": strconv.Itoa(i + 1), "targets": strings.Join(targets, ","), "paged": paged}}
	text := fmt.Sprintf(":rotating_light: %s is still not acknowledged after %s. %s please take a look.", inc.ID, step.After, people(targets))
	post := postEffect(text)
	post.Data["actions"] = "ack" // the message offers the action it asks for
	then = append([]incident.Effect{post}, then...)
	if len(step.Invite) > 0 {
		then = append(then, incident.Effect{Kind: EffSlackInvite, Data: map[string]string{"users": strings.Join(step.Invite, ",")}})
	}
	return Outcome{Events: []incident.Event{ev}, Then: then}, nil
}

// page pages a step's target: the webhook at once, PagerDuty through an
// effect of its own (retried on its own, and acknowledged later with the
// same dedup key), SMS and rotations through theirs (sms_page.go). It says
// whether and how the step paged.
func (x *Escalator) page(ctx context.Context, inc incident.Incident, t playbooks.PageTarget, i int) (string, []incident.Effect, error) {
	switch {
	case t.Kind == playbooks.PageWebhook && x.Pager != nil:
		if err := x.Pager.Page(ctx, inc, i); err != nil {
			return "", nil, fmt.Errorf("page for %s step %d: %w", inc.ID, i+1, err)
		}
		return "yes", nil, nil
	case t.Kind == playbooks.PagePagerDuty:
		key, err := x.Engine.pageKeyOf(inc.ID)
		if err != nil {
			return "", nil, err
		}
		return "pagerduty", []incident.Effect{triggerEffect(inc.ID, t, key, stepData(i))}, nil
	case t.Kind == playbooks.PageSMS || t.Kind == playbooks.PageRotation:
		key, err := x.Engine.pageKeyOf(inc.ID)
		if err != nil {
			return "", nil, err
		}
		extra, err := x.Engine.chatOverrides(ctx)
		if err != nil {
			return "", nil, err
		}
		paged, effs := x.Engine.smsPage(inc, t, key, "step"+strconv.Itoa(i+1), stepData(i), extra)
		return paged, effs, nil
	}
	return "no", nil, nil
}
