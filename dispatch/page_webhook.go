package dispatch

import (
	"context"
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// PagerDutyNotice is what PagerDuty reported about an alert tocsin opened
// (a verified V3 webhook event), with the person it was matched to.
type PagerDutyNotice struct {
	EventID  string // PagerDuty's event id: a redelivery changes nothing
	Type     string // "acknowledged" or "resolved"
	DedupKey string // the incident_key of PagerDuty's incident
	Number   int    // PagerDuty's incident number, for the text
	URL      string // its page in PagerDuty
	// User is the Slack user the PagerDuty user was matched to by e-mail,
	// or ""; Name is the PagerDuty user's name ("" when PagerDuty acted).
	User, Name string
}

// PagerDuty applies a notice from PagerDuty and says what it did:
// "acknowledged" (the tocsin incident, as /incident ack would, by the
// matched person), "recorded" (on the timeline, and for a resolution said
// in the channel: it does not resolve the tocsin incident), or "ignored"
// (not an alert tocsin opened, an echo of what tocsin told PagerDuty, a
// redelivery).
func (e *Engine) PagerDuty(ctx context.Context, n PagerDutyNotice) (string, error) {
	id, ok := ParsePageKey(n.DedupKey)
	if !ok || (n.Type != "acknowledged" && n.Type != "resolved") {
		return "ignored", nil
	}
	var did string
	err := e.update(ctx, func(tx incident.Tx) error {
		did = "ignored"
		inc, err := tx.Incident(id)
		if err != nil {
			return nil // not one of ours (another tocsin's key, or gone)
		}
		pages := pagesWithKey(inc, n.DedupKey)
		if len(pages) == 0 || echoed(pages, n.Type) {
			return nil
		}
		if first, err := e.firstTime(tx, "pagerduty:"+n.EventID); err != nil || !first {
			return err
		}
		if n.Type == "acknowledged" && unacknowledged(inc) {
			did = "acknowledged"
			return e.pagerDutyAck(tx, inc, n, pages)
		}
		did = "recorded"
		return e.pagerDutyRecord(tx, inc, n, pages)
	})
	return did, err
}

// pagesWithKey are the incident's pages with a dedup key.
func pagesWithKey(inc incident.Incident, key string) []incident.Page {
	var out []incident.Page
	for _, p := range inc.Pages {
		if p.DedupKey == key {
			out = append(out, p)
		}
	}
	return out
}

// echoed reports whether tocsin itself already told PagerDuty what the
// notice reports (PagerDuty's webhook for tocsin's own acknowledge or
// resolve).
func echoed(pages []incident.Page, typ string) bool {
	for _, p := range pages {
		if p.State == actionResolve || (typ == "acknowledged" && p.State == actionAcknowledge) {
			continue
		}
		return false
	}
	return true
}

// pagerDutyAck acknowledges the tocsin incident for someone who
// acknowledged its page in PagerDuty: the same as /incident ack (the
// escalation and every other page stop, once), and the page PagerDuty
// reported is marked acknowledged so that nothing is sent back to it.
func (e *Engine) pagerDutyAck(tx incident.Tx, inc incident.Incident, n PagerDutyNotice, pages []incident.Page) error {
	actor := n.User
	if actor == "" {
		actor = "pagerduty:" + n.Name
	}
	ev, err := inc.Transition(incident.StatusAcknowledged, actor, e.cfg.Now(), "")
	if err != nil {
		return err
	}
	if ev.Data == nil {
		ev.Data = map[string]string{}
	}
	ev.Data["via"] = "pagerduty"
	evs := append([]incident.Event{ev}, e.pagedEvents(n, pages, actionAcknowledge)...)
	if n.User != "" && inc.RoleHolder(incident.RoleCommander) == "" {
		evs = append(evs, incident.Event{Type: incident.EventRole, At: e.cfg.Now(), Actor: actor,
			Data: map[string]string{"role": string(incident.RoleCommander), "user": n.User}})
	}
	if _, err := tx.Cancel(inc.ID, EffEscalate); err != nil {
		return err
	}
	if inc, err = e.record(tx, inc.ID, evs...); err != nil {
		return err
	}
	if n.User != "" {
		if err := inviteTo(tx, inc, Command{}, n.User); err != nil {
			return err
		}
	}
	if err := e.stopPages(tx, inc, EffPagerDutyAcknowledge); err != nil {
		return err
	}
	return post(tx, inc.ID, fmt.Sprintf(":pager: %s acknowledged %s in PagerDuty (%s). Escalation stopped.",
		pagerDutyPerson(n), inc.ID, pagerDutyRef(n)))
}

// pagerDutyRecord puts what PagerDuty reported on the timeline, and says a
// resolution in the channel: PagerDuty's incident is not tocsin's.
func (e *Engine) pagerDutyRecord(tx incident.Tx, inc incident.Incident, n PagerDutyNotice, pages []incident.Page) error {
	action := actionAcknowledge
	if n.Type == "resolved" {
		action = actionResolve
	}
	if _, err := e.record(tx, inc.ID, e.pagedEvents(n, pages, action)...); err != nil {
		return err
	}
	if n.Type != "resolved" || !inc.Open() {
		return nil
	}
	return post(tx, inc.ID, fmt.Sprintf(":information_source: %s resolved the PagerDuty incident (%s). "+
		"That does not resolve %s: it stays %s until someone types /incident resolve here.",
		pagerDutyPerson(n), pagerDutyRef(n), inc.ID, inc.Status))
}

// pagedEvents record what PagerDuty reported for each of the pages.
func (e *Engine) pagedEvents(n PagerDutyNotice, pages []incident.Page, action string) []incident.Event {
	var out []incident.Event
	for _, p := range pages {
		out = append(out, incident.Event{Type: incident.EventPaged, At: e.cfg.Now(), Actor: "pagerduty",
			Text: fmt.Sprintf("PagerDuty says %s %s it (%s).", pagerDutyPersonPlain(n), n.Type, p.Target),
			Data: map[string]string{"via": "pagerduty", "source": "pagerduty", "target": p.Target, "action": action,
				"dedup_key": p.DedupKey, "event_id": n.EventID, "user": n.User, "name": clip(n.Name)}})
	}
	return out
}

// pagerDutyPerson names who acted in posted text: the Slack user, or the
// PagerDuty user's name (quoted inert).
func pagerDutyPerson(n PagerDutyNotice) string {
	switch {
	case n.User != "":
		return person(n.User)
	case n.Name != "":
		return inert(clip(n.Name)) + " (PagerDuty user)"
	}
	return "PagerDuty"
}

func pagerDutyPersonPlain(n PagerDutyNotice) string {
	if n.Name != "" {
		return clip(n.Name)
	}
	return "someone"
}

// pagerDutyRef names PagerDuty's incident in text.
func pagerDutyRef(n PagerDutyNotice) string {
	ref := "PagerDuty incident"
	if n.Number > 0 {
		ref = fmt.Sprintf("#%d", n.Number)
	}
	if strings.HasPrefix(n.URL, "https://") {
		ref += " " + inert(n.URL)
	}
	return ref
}
