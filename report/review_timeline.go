package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

func (r *reviewer) timeline(b *strings.Builder) {
	b.WriteString("## Response timeline\n\nTimes are UTC; T+ is hours:minutes since the start of impact.\n\n")
	b.WriteString("| T+ | Time (UTC) | Who | What |\n| --- | --- | --- | --- |\n")
	for _, e := range r.events {
		what := describe(e)
		if what == "" {
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", relative(e.At, r.base), utc(e.At), mdOr(e.Actor, "-"), what)
	}
	b.WriteString("\n")
}

// describe says in one Markdown line what an event recorded, or "" for the
// bookkeeping events a review does not need.
func describe(e incident.Event) string {
	d := func(k string) string { return md(e.Data[k]) }
	switch e.Type {
	case incident.EventOpened:
		if e.Data["source"] == "alarm" {
			return fmt.Sprintf("Opened by alarm %s (%s): %s", d("alarm_name"), d("severity"), d("title"))
		}
		return fmt.Sprintf("Declared (%s): %s", d("severity"), d("title"))
	case incident.EventAlarm:
		return fmt.Sprintf("Alarm %s %s → %s", d("alarm_name"), mdOr(e.Data["old_state"], "?"), d("state"))
	case incident.EventRecovered:
		return "Every linked alarm is OK again"
	case incident.EventResolved, incident.EventReopened, incident.EventStatusUpdate,
		incident.EventNote, incident.EventFollowup, incident.EventInfo:
		return withText(eventLabel[e.Type], e.Text)
	case incident.EventSeverity:
		return fmt.Sprintf("Severity %s → %s", mdOr(e.Data["previous"], "?"), d("severity"))
	case incident.EventRole:
		if e.Data["user"] == "" {
			return fmt.Sprintf("Role %s cleared", d("role"))
		}
		return fmt.Sprintf("Role %s: %s", d("role"), d("user"))
	case incident.EventTitle:
		return "Title: " + d("title")
	case incident.EventCorrected:
		return fmt.Sprintf("Corrected %s time to %s (was %s)", d("field"), correctedTime(e.Data["at"]), correctedTime(e.Data["previous"]))
	case incident.EventChannel:
		switch {
		case e.Data["renamed_from"] != "":
			return "Channel \\#" + d("renamed_from") + " renamed \\#" + d("channel_name")
		case e.Data["standby"] == "yes":
			return "Channel \\#" + d("channel_name") + " taken from standby"
		}
		return "Channel \\#" + d("channel_name") + " created"
	case incident.EventHeader:
		return ""
	case incident.EventEscalated:
		verb := "notified"
		if e.Data["paged"] == "yes" {
			verb = "paged"
		}
		return fmt.Sprintf("Escalation step %s %s %s", d("step"), verb, d("targets"))
	case incident.EventChecklist:
		return fmt.Sprintf("Checklist %s: %s", map[bool]string{true: "done", false: "undone"}[e.Data["done"] == "true"], d("item"))
	case incident.EventRunbook:
		return withText(fmt.Sprintf("Runbook %s (run %s): %s %s", d("runbook"), d("run"), d("step"), d("status")), e.Text)
	}
	if label, ok := eventLabel[e.Type]; ok {
		return label
	}
	return withText(md(string(e.Type)), e.Text)
}

var eventLabel = map[incident.EventType]string{
	incident.EventAcknowledged: "Acknowledged",
	incident.EventMitigated:    "Mitigated",
	incident.EventResolved:     "Resolved",
	incident.EventClosed:       "Closed",
	incident.EventReopened:     "Reopened",
	incident.EventStatusUpdate: "Status update",
	incident.EventNote:         "Note",
	incident.EventFollowup:     "Follow-up",
	incident.EventInfo:         "Notice",
}

func withText(label, text string) string {
	label = strings.TrimSpace(label)
	if strings.TrimSpace(text) == "" {
		return label
	}
	return label + ": " + md(text)
}

// correctedTime renders an RFC 3339 value of a correction in the review's format.
func correctedTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return mdOr(s, "unknown")
	}
	return utc(t)
}

// run is one runbook run as its events tell it.
type run struct {
	id, runbook, requested, approved string
	at, started                      time.Time // the first event, and the "started" step
	step, status                     string
}

// runs groups the runbook events by run id, in the order runs began.
func runs(events []incident.Event) []run {
	var out []run
	index := map[string]int{}
	for _, e := range events {
		if e.Type != incident.EventRunbook {
			continue
		}
		id := e.Data["run"]
		i, ok := index[id]
		if !ok {
			i = len(out)
			index[id] = i
			out = append(out, run{id: id, runbook: e.Data["runbook"], at: e.At})
		}
		u := &out[i]
		u.step, u.status = e.Data["step"], e.Data["status"]
		switch u.step {
		case "requested":
			u.requested = e.Actor
		case "approved":
			u.approved = e.Actor
		case "started":
			u.started = e.At
		}
	}
	return out
}

// outcome is how a run ended, or where it stands.
func (u run) outcome() string {
	switch u.step {
	case "finished", "denied", "expired", "cancelled", "refused":
		return strings.TrimSpace(md(u.step) + " " + md(u.status))
	}
	return "no result recorded (last step: " + mdOr(u.step, "none") + ")"
}

// succeeded reports whether the run finished with a successful status
// (SSM's "Success").
func (u run) succeeded() bool {
	return u.step == "finished" && (strings.EqualFold(u.status, "success") || strings.EqualFold(u.status, "succeeded"))
}

func (r *reviewer) runbooks(b *strings.Builder) {
	b.WriteString("## Runbooks\n\n")
	rs := runs(r.events)
	if len(rs) == 0 {
		b.WriteString("_No runbook was run._\n\n")
		return
	}
	b.WriteString("| T+ | Run | Runbook | Requested by | Approved by | Outcome |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, u := range rs {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", relative(u.at, r.base), mdOr(u.id, "-"),
			mdOr(u.runbook, "-"), mdOr(u.requested, "-"), mdOr(u.approved, "-"), u.outcome())
	}
	b.WriteString("\n")
}

func (r *reviewer) notes(b *strings.Builder) {
	b.WriteString("## Decisions and notes\n\n")
	n := 0
	for _, e := range r.events {
		if e.Type != incident.EventNote && e.Type != incident.EventStatusUpdate {
			continue
		}
		kind := ""
		if e.Type == incident.EventStatusUpdate {
			kind = " (status update)"
		}
		fmt.Fprintf(b, "- %s %s%s: %s\n", relative(e.At, r.base), mdOr(e.Actor, "someone"), kind, mdOr(e.Text, "_empty_"))
		n++
	}
	if n == 0 {
		b.WriteString("_None recorded._\n")
	}
	b.WriteString("\n")
}
