package dispatch

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/runbooks"
)

// requestRunbook validates a run request and either starts it (pre-approved)
// or asks for approval. A refused request is recorded on the timeline and
// answered with the reason; nothing reaches SSM.
func (e *Engine) requestRunbook(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	now := e.cfg.Now()
	runID := fmt.Sprintf("%d-%d", inc.ID, inc.Events+1)
	rb, ok := e.cfg.Runbooks().Get(cmd.Runbook)
	if !ok {
		reason := fmt.Sprintf("there is no runbook named %q; available: %s", clip(cmd.Runbook), strings.Join(e.cfg.Runbooks().Names(), ", "))
		return e.refuse(tx, inc, runID, cmd.Runbook, reason)
	}
	if !inc.Open() {
		return e.refuse(tx, inc, runID, rb.Name, "the incident is "+string(inc.Status)+"; reopen it first")
	}
	alarm, err := e.lastAlarm(tx, inc.ID)
	if err != nil {
		return Result{}, err
	}
	plan, err := rb.Plan(cmd.Args, alarm)
	if err != nil {
		return e.refuse(tx, inc, runID, rb.Name, err.Error())
	}
	requested := runbooks.RequestedEvent(runID, rb, plan, cmd.Actor, now)
	inc, err = tx.Append(inc.ID, requested)
	if err != nil {
		return Result{}, err
	}
	if rb.Approval.PreApproved {
		err := tx.Enqueue(incident.Effect{Kind: EffSSMStart, Incident: inc.ID, Data: map[string]string{"run": runID}})
		return Result{Incident: inc, Message: fmt.Sprintf("Running %s (pre-approved, run %s).", rb.Name, runID)}, err
	}
	// The approval message shows exactly what the requested event recorded.
	// Ordered, so that its decision (an edit of it) never comes first.
	if err := tx.Enqueue(incident.Effect{Kind: EffSlackApproval, Incident: inc.ID, Ordered: true, Data: maps.Clone(requested.Data)}); err != nil {
		return Result{}, err
	}
	if rb.Approval.Expires > 0 {
		err := tx.Enqueue(incident.Effect{Kind: EffApprovalExpiry, Incident: inc.ID, NotBefore: now.Add(rb.Approval.Expires), Data: map[string]string{"run": runID}})
		if err != nil {
			return Result{}, err
		}
	}
	return Result{Incident: inc, Message: fmt.Sprintf("Asked for approval to run %s (run %s): %s.", rb.Name, runID, rb.Approval)}, nil
}

// refuse records a refused request on the timeline and tells the requester.
func (e *Engine) refuse(tx incident.Tx, inc incident.Incident, runID, runbook, reason string) (Result, error) {
	inc, err := tx.Append(inc.ID, runbooks.RefusedEvent(runID, clip(runbook), reason, e.cfg.Now()))
	return Result{Incident: inc, Message: "Not run: " + reason}, err
}

// inertText escapes the three characters Slack's mrkdwn treats as markup.
var inertText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// inert makes text the engine quotes from outside (an alarm's name, a reason
// that repeats it, an AWS error, what a person typed) safe inside a message
// it posts. Posted text passes bot.SafeMrkdwn, which lets the engine's own
// engine's <person:U…> and <group:S…> mentions through; quoted text must not be able to
// write one, so an alarm named "<!subteam^S01>-cpu-high", or a status
// update that spells the markup out, notifies nobody.
func inert(s string) string { return inertText.Replace(s) }

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// lastAlarm returns the newest alarm of an incident (for runbook targets
// taken from the alarm's dimensions); nil if it has none.
func (e *Engine) lastAlarm(tx incident.Tx, id incident.ID) (*incident.Alarm, error) {
	evs, err := tx.Events(id)
	if err != nil {
		return nil, err
	}
	if a, ok := incident.LastAlarm(evs); ok {
		return &a, nil
	}
	return nil, nil
}

// run finds one run of an incident.
func (e *Engine) run(tx incident.Tx, id incident.ID, runID string) (*runbooks.Run, error) {
	evs, err := tx.Events(id)
	if err != nil {
		return nil, err
	}
	r, ok := runbooks.Runs(evs)[runID]
	if !ok {
		return nil, fmt.Errorf("%w: %s has no runbook run %q", incident.ErrInvalid, id, clip(runID))
	}
	return r, nil
}

// autoRun starts the pre-approved runbooks whose auto_run_on matches the
// alarm, once per incident, and says so in the channel.
func (e *Engine) autoRun(tx incident.Tx, inc incident.Incident, a incident.Alarm) error {
	rbs := e.cfg.Runbooks().AutoRun(a.Name)
	if len(rbs) == 0 {
		return nil
	}
	evs, err := tx.Events(inc.ID)
	if err != nil {
		return err
	}
	ran := map[string]bool{}
	for _, r := range runbooks.Runs(evs) {
		ran[r.Runbook] = true
	}
	for _, rb := range rbs {
		if ran[rb.Name] || !rb.Approval.PreApproved {
			continue
		}
		cur, err := tx.Incident(inc.ID)
		if err != nil {
			return err
		}
		res, err := e.requestRunbook(context.Background(), tx, cur, Command{Actor: "tocsin", Runbook: rb.Name})
		if err != nil {
			return err
		}
		text := fmt.Sprintf(":robot_face: Alarm %s matched the pre-approved runbook *%s*. %s", inert(a.Name), rb.Name, inert(res.Message))
		if err := post(tx, inc.ID, text); err != nil {
			return err
		}
	}
	return nil
}

// approverGroups resolves which of a run's approver groups the clicker is
// in. It calls Slack, so it runs before the transaction, never inside it.
func (e *Engine) approverGroups(ctx context.Context, cmd Command) []string {
	if e.cfg.Groups == nil {
		return nil
	}
	var policy runbooks.Policy
	e.cfg.Store.View(func(tx incident.Tx) error {
		inc, err := e.target(tx, cmd)
		if err != nil {
			return err
		}
		r, err := e.run(tx, inc.ID, cmd.RunID)
		if err == nil {
			policy = r.Policy
		}
		return err
	})
	var in []string
	for _, g := range policy.Approvers {
		if !strings.HasPrefix(g, "S") {
			continue
		}
		members, err := e.cfg.Groups(ctx, g)
		if err != nil {
			e.log.Warn("read approver group", "group", g, "err", err)
			continue
		}
		if slices.Contains(members, cmd.Actor) {
			in = append(in, g)
		}
	}
	return in
}

// rolesWhenRequested is the incident as it stood when the run was requested.
// Approval by role (role:commander) counts only for whoever held the role
// then: taking the role after the request, to approve it, does not work.
func rolesWhenRequested(tx incident.Tx, id incident.ID, runID string) (incident.Incident, error) {
	evs, i, err := requestedEvent(tx, id, runID)
	if err != nil {
		return incident.Incident{}, err
	}
	return incident.Replay(evs[:i+1])
}

// requestedEvent returns the incident's timeline and the index in it of
// the run's "requested" event.
func requestedEvent(tx incident.Tx, id incident.ID, runID string) ([]incident.Event, int, error) {
	evs, err := tx.Events(id)
	if err != nil {
		return nil, 0, err
	}
	for i, ev := range evs {
		if ev.Type == incident.EventRunbook && ev.Data["run"] == runID && ev.Data["step"] == "requested" {
			return evs, i, nil
		}
	}
	return nil, 0, fmt.Errorf("%w: run %q was never requested", incident.ErrInvalid, clip(runID))
}

// decidedEffect asks for a run's approval request to show how it was
// decided (approved, denied, expired, cancelled) and by whom, instead of
// buttons: the request's own Data, so that it shows what it showed, and
// the decision.
func decidedEffect(tx incident.Tx, id incident.ID, runID, decision, by string, at time.Time) (incident.Effect, error) {
	evs, i, err := requestedEvent(tx, id, runID)
	if err != nil {
		return incident.Effect{}, err
	}
	data := maps.Clone(evs[i].Data)
	data["decision"], data["decided_by"], data["decided_at"] = decision, by, incident.FormatTime(at)
	return incident.Effect{Kind: EffSlackApproval, Incident: id, Ordered: true, Data: data}, nil
}

// decided finishes a decision on a run's approval: the request shows it,
// and the channel (and so the decider) reads msg.
func decided(tx incident.Tx, inc incident.Incident, runID, decision, by string, at time.Time, msg string) (Result, error) {
	if err := enqueueDecided(tx, inc.ID, runID, decision, by, at); err != nil {
		return Result{}, err
	}
	return Result{Incident: inc, Message: msg, Posted: true}, post(tx, inc.ID, msg)
}

// enqueueDecided enqueues decidedEffect.
func enqueueDecided(tx incident.Tx, id incident.ID, runID, decision, by string, at time.Time) error {
	eff, err := decidedEffect(tx, id, runID, decision, by, at)
	if err != nil {
		return err
	}
	return tx.Enqueue(eff)
}

// approve counts one approval, checked on the server from the verified
// clicker and the stored policy; enough approvals start the run. A refused
// click is recorded on the timeline.
func (e *Engine) approve(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	r, err := e.run(tx, inc.ID, cmd.RunID)
	if err != nil {
		return Result{}, err
	}
	now := e.cfg.Now()
	if r.Status != runbooks.RunAwaitingApproval {
		return Result{Incident: inc, Message: fmt.Sprintf("Run %s is %s; there is nothing to approve.", r.ID, strings.ReplaceAll(string(r.Status), "_", " "))}, nil
	}
	roles, err := rolesWhenRequested(tx, inc.ID, r.ID)
	if err != nil {
		return Result{}, err
	}
	groups := runbooks.ApproverGroups(&roles, cmd.Actor, groupsOf(ctx))
	if err := r.Policy.Check(r.Request(), cmd.Actor, groups, now); err != nil {
		inc, aerr := tx.Append(inc.ID, incident.Event{Type: incident.EventInfo, At: now, Actor: cmd.Actor,
			Text: fmt.Sprintf("approval of %s (run %s) refused: %v", r.Runbook, r.ID, err), Data: map[string]string{"run": r.ID, "refused": "approval"}})
		return Result{Incident: inc, Message: "Your approval was not counted: " + err.Error() + "."}, aerr
	}
	inc, err = tx.Append(inc.ID, runbooks.ApprovedEvent(r.ID, r.Runbook, cmd.Actor, now))
	if err != nil {
		return Result{}, err
	}
	if !r.Policy.Satisfied(append(r.Approvals, cmd.Actor)) {
		msg := fmt.Sprintf("%s approved %s (run %s); more approvals are needed (%s).", person(cmd.Actor), r.Runbook, r.ID, r.Policy)
		return Result{Incident: inc, Message: msg, Posted: true}, post(tx, inc.ID, msg)
	}
	if _, err := tx.Cancel(inc.ID, EffApprovalExpiry); err != nil {
		return Result{}, err
	}
	if err := tx.Enqueue(incident.Effect{Kind: EffSSMStart, Incident: inc.ID, Data: map[string]string{"run": r.ID}}); err != nil {
		return Result{}, err
	}
	msg := fmt.Sprintf(":white_check_mark: %s approved %s (run %s). Starting it.", person(cmd.Actor), r.Runbook, r.ID)
	return decided(tx, inc, r.ID, "approved", cmd.Actor, now, msg)
}

func (e *Engine) deny(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	r, err := e.run(tx, inc.ID, cmd.RunID)
	if err != nil {
		return Result{}, err
	}
	if r.Status != runbooks.RunAwaitingApproval {
		return Result{Incident: inc, Message: fmt.Sprintf("Run %s is no longer awaiting approval.", r.ID)}, nil
	}
	roles, err := rolesWhenRequested(tx, inc.ID, r.ID)
	if err != nil {
		return Result{}, err
	}
	groups := runbooks.ApproverGroups(&roles, cmd.Actor, groupsOf(ctx))
	if err := r.Policy.Check(runbooks.Request{ExpiresAt: r.ExpiresAt}, cmd.Actor, groups, e.cfg.Now()); err != nil && cmd.Actor != r.Requester {
		return Result{Incident: inc, Message: "Only an approver or the requester can deny this run: " + err.Error() + "."}, nil
	}
	inc, err = tx.Append(inc.ID, runbooks.DeniedEvent(r.ID, r.Runbook, cmd.Actor, strings.TrimSpace(cmd.Text), e.cfg.Now()))
	if err != nil {
		return Result{}, err
	}
	msg := fmt.Sprintf("%s denied %s (run %s). Nothing was run.", person(cmd.Actor), r.Runbook, r.ID)
	return decided(tx, inc, r.ID, "denied", cmd.Actor, e.cfg.Now(), msg)
}

func (e *Engine) cancelRun(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	r, err := e.run(tx, inc.ID, cmd.RunID)
	if err != nil {
		return Result{}, err
	}
	if r.Status.Final() {
		return Result{Incident: inc, Message: fmt.Sprintf("Run %s has already ended (%s).", r.ID, r.Status)}, nil
	}
	inc, err = tx.Append(inc.ID, runbooks.CancelledEvent(r.ID, r.Runbook, cmd.Actor, e.cfg.Now()))
	if err != nil {
		return Result{}, err
	}
	switch r.Status {
	case runbooks.RunRunning:
		err = tx.Enqueue(incident.Effect{Kind: EffSSMCancel, Incident: inc.ID, Data: map[string]string{"run": r.ID}})
	case runbooks.RunAwaitingApproval:
		err = enqueueDecided(tx, inc.ID, r.ID, "cancelled", cmd.Actor, e.cfg.Now())
	}
	msg := fmt.Sprintf("%s cancelled %s (run %s).", person(cmd.Actor), r.Runbook, r.ID)
	if err != nil {
		return Result{}, err
	}
	return Result{Incident: inc, Message: msg, Posted: true}, post(tx, inc.ID, msg)
}
