package dispatch

import (
	"context"
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
)

// Notice is a notification that is not a CloudWatch alarm.
type Notice struct {
	MessageID, TopicARN, Subject, Text string
}

// Alarm applies one alarm state change, in one durable transaction that also
// records its MessageId: a redelivery changes nothing, and the effects it
// decides (channel, escalation timers, header refresh) are in the outbox
// before Alarm returns nil.
func (e *Engine) Alarm(ctx context.Context, a incident.Alarm) error {
	if e.cfg.MaxPending > 0 && e.cfg.Pending != nil && e.cfg.Pending() >= e.cfg.MaxPending {
		return ErrOverloaded
	}
	set := e.cfg.Playbooks()
	if set.NeedsTags() && e.cfg.Tags != nil && a.Tags == nil {
		// Read before the transaction: never hold one across a network call.
		tags, err := e.cfg.Tags(ctx, a.ARN)
		if err != nil {
			return fmt.Errorf("read tags of alarm %s: %w", a.Name, err) // SNS retries; routing must not guess
		}
		a.Tags = tags
	}
	pb := set.Match(&a)
	key, service := pb.GroupKey(&a), pb.Service(&a)
	return e.update(ctx, func(tx incident.Tx) error {
		if a.MessageID != "" {
			if first, err := e.firstTime(tx, "msg:"+a.MessageID); err != nil || !first {
				return err
			}
		}
		id, ok, err := tx.OpenByAlarm(a.ARN)
		if err == nil && !ok {
			id, ok, err = tx.OpenByKey(key)
		}
		switch {
		case err != nil:
			return err
		case ok:
			before, err := tx.Incident(id)
			if err != nil || sameChange(before, a) {
				return err // the same state change, found again by reconciliation or delivered twice
			}
			return e.joinAlarm(tx, before, pb, a)
		case a.State != incident.StateAlarm:
			return nil // an OK or INSUFFICIENT_DATA with no open incident: recorded as seen, nothing to do
		}
		return e.openOrStorm(tx, pb, key, service, a)
	})
}

// sameChange reports whether the incident already has this exact state
// change of this alarm (same state, same StateChangeTime): the reconciler
// and SNS report the same change under different message ids.
func sameChange(inc incident.Incident, a incident.Alarm) bool {
	l, ok := inc.Alarm(a.ARN)
	return ok && l.State == a.State && l.ChangedAt.Equal(a.ChangedAt.UTC())
}

func (e *Engine) openFromAlarm(tx incident.Tx, pb *playbooks.Playbook, key, service, title string, a incident.Alarm) error {
	d := incident.AlarmData(a)
	d["title"] = title
	d["severity"] = pb.Severity(1).String()
	d["service"] = service
	d["group_key"] = key
	d["source"] = "alarm"
	d["playbook"] = pb.Name
	d["runbooks"] = strings.Join(pb.Runbooks, ",")
	d["detected_at"] = incident.FormatTime(a.ChangedAt)
	start, method := a.BreachStart, a.StartMethod
	if start.IsZero() {
		start, method = a.ChangedAt, "state change time"
	}
	d["started_at"], d["start_method"] = incident.FormatTime(start), method
	inc, err := tx.Open(incident.Event{Type: incident.EventOpened, At: e.cfg.Now(), Actor: "alarm:" + a.Name, Data: d})
	if err != nil {
		return fmt.Errorf("open incident for alarm %s: %w", a.Name, err)
	}
	if err := e.enqueueOpen(tx, inc, pb); err != nil {
		return err
	}
	if links := pb.LinksFor(&a); len(links) > 0 {
		lines := []string{"Links for this alarm (from playbook " + pb.Name + "):"}
		for _, l := range links {
			lines = append(lines, "• "+l.Title+": "+l.URL)
		}
		if err := post(tx, inc.ID, strings.Join(lines, "\n")); err != nil {
			return err
		}
	}
	if a.Kind == incident.KindMetric && a.Threshold != nil {
		if err := tx.Enqueue(incident.Effect{Kind: EffRefineStart, Incident: inc.ID}); err != nil {
			return err
		}
	}
	for _, s := range pb.Due(inc.DetectedAt) {
		err := tx.Enqueue(incident.Effect{Kind: EffEscalate, Incident: inc.ID, NotBefore: s.At,
			Data: map[string]string{"step": fmt.Sprint(s.Index), "playbook": pb.Name}})
		if err != nil {
			return err
		}
	}
	return e.autoRun(tx, inc, a)
}

// enqueueOpen asks for the channel (which in turn asks for topic, invites,
// header and announcement) and the playbook's checklist and graph. The
// playbook's owner and responders (or else the default responders) are
// invited, and so is whoever opened it (people: the declarer).
func (e *Engine) enqueueOpen(tx incident.Tx, inc incident.Incident, pb *playbooks.Playbook, people ...string) error {
	invite := append([]string(nil), pb.Responders...)
	if pb.Owner != "" {
		invite = append([]string{pb.Owner}, invite...)
	}
	if len(invite) == 0 {
		invite = e.cfg.DefaultResponders
	}
	invite = append(people, invite...)
	data := map[string]string{"invite": strings.Join(invite, ","), "runbooks": strings.Join(pb.Runbooks, ",")}
	if e.cfg.Announce != "" {
		data["announce"] = e.cfg.Announce
	}
	if err := tx.Enqueue(incident.Effect{Kind: EffSlackChannel, Incident: inc.ID, Data: data}); err != nil {
		return err
	}
	if len(pb.Checklist) > 0 {
		// Ordered, as its updates are: an update never comes before it.
		err := tx.Enqueue(incident.Effect{Kind: EffSlackChecklist, Incident: inc.ID, Ordered: true,
			Data: map[string]string{"items": strings.Join(pb.Checklist, "\n"), "playbook": pb.Name}})
		if err != nil {
			return err
		}
	}
	if inc.Source == "alarm" {
		return tx.Enqueue(incident.Effect{Kind: EffSlackFile, Incident: inc.ID, Data: map[string]string{"graph": "1"}})
	}
	return nil
}

// joinAlarm appends an alarm state change to its open incident, raises the
// severity when the playbook's rules say so, and records recovery.
func (e *Engine) joinAlarm(tx incident.Tx, before incident.Incident, pb *playbooks.Playbook, a incident.Alarm) error {
	id := before.ID
	inc, err := tx.Append(id, incident.Event{Type: incident.EventAlarm, At: e.cfg.Now(), Actor: "alarm:" + a.Name, Data: incident.AlarmData(a)})
	if err != nil {
		return err
	}
	firing := inc.FiringCount()
	if sev := pb.Severity(firing); sev.Valid() && sev < inc.Severity && inc.Open() {
		inc, err = tx.Append(id, incident.Event{Type: incident.EventSeverity, At: e.cfg.Now(), Actor: "playbook:" + pb.Name,
			Data: map[string]string{"severity": sev.String(), "previous": inc.Severity.String(),
				"reason": fmt.Sprintf("%d alarms firing", firing)}})
		if err != nil {
			return err
		}
	}
	if firing == 0 && !inc.Recovered && inc.Open() {
		if err := e.recovered(tx, inc); err != nil {
			return err
		}
	}
	if err := refresh(tx, id); err != nil {
		return err
	}
	if _, linked := before.Alarm(a.ARN); a.State == incident.StateAlarm && !linked {
		return e.autoRun(tx, inc, a)
	}
	return nil
}

// recovered records that every alarm is OK. It never resolves: people may be
// working on it. It marks the incident mitigated if so configured, else
// suggests it.
func (e *Engine) recovered(tx incident.Tx, inc incident.Incident) error {
	now := e.cfg.Now()
	evs := []incident.Event{{Type: incident.EventRecovered, At: now, Actor: "tocsin", Text: "all alarms recovered"}}
	text := ":large_green_circle: All alarms of " + inc.ID.String() + " are OK again. If the impact is over, `/incident mitigated`, then `/incident resolve` when you are sure."
	if e.cfg.AutoMitigate && incident.CanTransition(inc.Status, incident.StatusMitigated) == nil && inc.MitigatedAt.IsZero() {
		evs = append(evs, incident.Event{Type: incident.EventMitigated, At: now, Actor: "tocsin", Text: "all alarms recovered"})
		text = ":large_green_circle: All alarms of " + inc.ID.String() + " are OK again; marked mitigated. `/incident resolve` when you are sure."
	}
	if _, err := tx.Append(inc.ID, evs...); err != nil {
		return err
	}
	return post(tx, inc.ID, text)
}

// Notice handles a notification that is not an alarm: it is logged for the
// operators and its MessageId recorded like an alarm's. It opens no incident.
func (e *Engine) Notice(ctx context.Context, n Notice) error {
	e.log.Info("non-alarm notification", "message_id", n.MessageID, "topic", n.TopicARN, "subject", n.Subject)
	return e.update(ctx, func(tx incident.Tx) error {
		if n.MessageID == "" {
			return nil
		}
		_, err := e.firstTime(tx, "msg:"+n.MessageID)
		return err
	})
}
