package dispatch

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

func (e *Engine) statusUpdate(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	text := strings.TrimSpace(cmd.Text)
	switch {
	case text == "" && cmd.Broadcast:
		return Result{}, fmt.Errorf("%w: a status update to broadcast needs text", incident.ErrInvalid)
	case text == "":
		return currentStatus(inc)
	}
	inc, err := e.record(tx, inc.ID, e.event(incident.EventStatusUpdate, cmd, text, nil))
	if err != nil {
		return Result{}, err
	}
	msg := fmt.Sprintf(":mega: *Status update* for %s (%s, %s) from %s: %s", inc.ID, inc.Severity, inc.Status, person(cmd.Actor), inert(text))
	if err := post(tx, inc.ID, msg); err != nil {
		return Result{}, err
	}
	if cmd.Broadcast && e.cfg.Announce != "" {
		err = tx.Enqueue(incident.Effect{Kind: EffSlackAnnounce, Incident: inc.ID, Data: map[string]string{"text": msg}})
	}
	return Result{Incident: inc, Message: "Status update posted."}, err
}

// currentStatus answers a status command without text: where the incident
// stands and its last status update (the front end shows inc), changing
// nothing.
func currentStatus(inc incident.Incident) (Result, error) {
	msg := fmt.Sprintf("%s is %s (%s): %s.", inc.ID, inc.Status, inc.Severity, inert(inc.Title))
	if u := inc.LastUpdate; u.Text != "" {
		msg += fmt.Sprintf(" Last update from %s: %s", person(u.By), inert(u.Text))
	} else {
		msg += " No status update yet: `/incident status <text>` posts one."
	}
	return Result{Incident: inc, Message: msg}, nil
}

func (e *Engine) severity(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	if !cmd.Severity.Valid() {
		return Result{}, fmt.Errorf("%w: severity must be 1 to 4", incident.ErrInvalid)
	}
	if cmd.Severity == inc.Severity {
		return Result{Incident: inc, Message: fmt.Sprintf("%s is already %s.", inc.ID, inc.Severity)}, nil
	}
	prev := inc.Severity
	inc, err := e.record(tx, inc.ID, e.event(incident.EventSeverity, cmd, "", map[string]string{"severity": cmd.Severity.String(), "previous": prev.String()}))
	if err != nil {
		return Result{}, err
	}
	msg := fmt.Sprintf("%s changed the severity of %s from %s to %s.", person(cmd.Actor), inc.ID, prev, inc.Severity)
	return Result{Incident: inc, Message: msg, Posted: true}, post(tx, inc.ID, msg)
}

func (e *Engine) role(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	if cmd.User == "" || cmd.Role == "" {
		return Result{}, fmt.Errorf("%w: name a role and a person", incident.ErrInvalid)
	}
	inc, err := e.record(tx, inc.ID, e.event(incident.EventRole, cmd, "", map[string]string{"role": string(cmd.Role), "user": cmd.User}))
	if err != nil {
		return Result{}, err
	}
	if err := inviteTo(tx, inc, cmd, cmd.User); err != nil {
		return Result{}, err
	}
	msg := fmt.Sprintf("%s is now %s of %s.", person(cmd.User), cmd.Role, inc.ID)
	return Result{Incident: inc, Message: msg, Posted: true}, post(tx, inc.ID, msg)
}

// note adds a note; a note about a captured Slack message that was later
// edited or deleted is recorded only if that message was captured.
func (e *Engine) note(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	ts := cmd.Data["message_ts"]
	if ts != "" && (cmd.Data["edited"] != "" || cmd.Data["deleted"] != "") {
		return e.noteChange(tx, inc, cmd, ts)
	}
	text := strings.TrimSpace(cmd.Text)
	if text == "" && cmd.Data["files"] == "" {
		return Result{}, fmt.Errorf("%w: a note needs text", incident.ErrInvalid)
	}
	inc, err := tx.Append(inc.ID, e.event(incident.EventNote, cmd, text, cmd.Data))
	return Result{Incident: inc, Message: "Added to the timeline of " + inc.ID.String() + "."}, err
}

func (e *Engine) noteChange(tx incident.Tx, inc incident.Incident, cmd Command, ts string) (Result, error) {
	evs, err := tx.Events(inc.ID)
	if err != nil {
		return Result{}, err
	}
	captured := false
	for _, ev := range evs {
		if ev.Type == incident.EventNote && ev.Data["message_ts"] == ts && ev.Data["edited"] == "" && ev.Data["deleted"] == "" {
			captured = true
		}
	}
	if !captured {
		return Result{Incident: inc}, nil
	}
	what := "edited"
	if cmd.Data["deleted"] != "" {
		what = "deleted"
	}
	inc, err = tx.Append(inc.ID, e.event(incident.EventNote, cmd, strings.TrimSpace(cmd.Text), cmd.Data))
	return Result{Incident: inc, Message: "A captured message was " + what + "; recorded."}, err
}

func (e *Engine) started(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	if cmd.At.IsZero() {
		return Result{}, fmt.Errorf("%w: give the time the impact started", incident.ErrInvalid)
	}
	if cmd.At.After(e.cfg.Now()) {
		return Result{}, fmt.Errorf("%w: the impact cannot start in the future", incident.ErrInvalid)
	}
	prev := inc.StartedAt
	inc, err := e.record(tx, inc.ID, e.event(incident.EventCorrected, cmd, "", map[string]string{
		"field": "started", "at": incident.FormatTime(cmd.At), "previous": incident.FormatTime(prev)}))
	msg := fmt.Sprintf("Impact start of %s corrected to %s UTC (was %s).", inc.ID, cmd.At.UTC().Format("2006-01-02 15:04:05"), prev.UTC().Format("2006-01-02 15:04:05"))
	return Result{Incident: inc, Message: msg, Public: true}, err
}

func (e *Engine) followup(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	text := strings.TrimSpace(cmd.Text)
	if text == "" {
		return Result{}, fmt.Errorf("%w: a follow-up needs text", incident.ErrInvalid)
	}
	inc, err := tx.Append(inc.ID, e.event(incident.EventFollowup, cmd, text, nil))
	return Result{Incident: inc, Message: "Follow-up recorded for the review of " + inc.ID.String() + "."}, err
}

func (e *Engine) timeline(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	evs, err := tx.Events(inc.ID)
	return Result{Incident: inc, Events: evs}, err
}

// review renders the draft outside any transaction (the renderer may read
// the store), then enqueues its upload.
func (e *Engine) review(ctx context.Context, cmd Command) (Result, error) {
	if e.cfg.Review == nil {
		return Result{}, fmt.Errorf("review: no reviewer configured")
	}
	var inc incident.Incident
	var evs []incident.Event
	err := e.cfg.Store.View(func(tx incident.Tx) error {
		var err error
		if inc, err = e.target(tx, cmd); err != nil {
			return err
		}
		evs, err = tx.Events(inc.ID)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	md := e.cfg.Review(inc, evs, e.cfg.Now())
	err = e.update(ctx, func(tx incident.Tx) error {
		if first, err := e.firstTime(tx, cmdKey(cmd)); err != nil || !first {
			return err
		}
		return tx.Enqueue(incident.Effect{Kind: EffSlackFile, Incident: inc.ID, Data: map[string]string{
			"name": strings.ToLower(inc.ID.String()) + "-review.md", "title": "Post-incident review draft: " + inc.ID.String(), "content": md}})
	})
	return Result{Incident: inc, Message: "The review draft is being posted in the channel."}, err
}

func (e *Engine) graph(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	err := tx.Enqueue(incident.Effect{Kind: EffSlackFile, Incident: inc.ID, Data: map[string]string{"graph": "1"}})
	return Result{Incident: inc, Message: "Fetching the graph."}, err
}

// checklist ticks or unticks an item of the incident's playbook checklist:
// the timeline records the item's text, the checklist message is updated
// (coalesced, after the message itself), and the ticker hears which item
// and how many are done.
func (e *Engine) checklist(ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error) {
	pb := e.playbookFor(inc)
	if cmd.Item < 0 || cmd.Item >= len(pb.Checklist) {
		return Result{}, fmt.Errorf("%w: the checklist of %s has no item %d", incident.ErrInvalid, inc.ID, cmd.Item+1)
	}
	item := pb.Checklist[cmd.Item]
	inc, err := tx.Append(inc.ID, e.event(incident.EventChecklist, cmd, item,
		map[string]string{"item": strconv.Itoa(cmd.Item), "done": strconv.FormatBool(cmd.Done)}))
	if err != nil {
		return Result{}, err
	}
	err = tx.Enqueue(incident.Effect{Kind: EffSlackChecklist, Incident: inc.ID, Ordered: true, Key: fmt.Sprintf("checklist:%d", inc.ID),
		Data: map[string]string{"items": strings.Join(pb.Checklist, "\n"), "playbook": pb.Name, "update": "1"}})
	verb := "Ticked"
	if !cmd.Done {
		verb = "Unticked"
	}
	msg := fmt.Sprintf("%s “%s” (%d of %d done).", verb, inert(item), len(inc.Ticked), len(pb.Checklist))
	return Result{Incident: inc, Message: msg}, err
}
