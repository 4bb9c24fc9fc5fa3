package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

func (r *reviewer) timeline(b *strings.Builder) {
	fmt.Fprintf(b, "## Response timeline\n\nTimes are UTC; T+ is the time since the start of impact (%s UTC). "+
		"Each runbook run is one row, at the time it was asked for.\n\n", utc(r.base))
	b.WriteString("| T+ | Time (UTC) | What |\n| --- | --- | --- |\n")
	listed := map[string]bool{}
	runsByID := map[string]run{}
	for _, u := range runs(r.events) {
		runsByID[u.id] = u
	}
	for _, e := range r.events {
		what := ""
		switch {
		case e.Type == incident.EventHeader, e.Type == incident.EventAnnounced:
			continue
		case e.Type == incident.EventRunbook:
			id := e.Data["run"]
			if listed[id] {
				continue
			}
			listed[id] = true
			what = md(r.runSentence(runsByID[id]))
		default:
			what = md(Tell(e, r.names).Sentence)
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", Offset(e.At, r.base), utc(e.At), what)
	}
	b.WriteString("\n")
}

// runSentence tells a whole runbook run in one sentence: who asked, who
// approved, and how and when it ended.
func (r *reviewer) runSentence(u run) string {
	s := or(u.runbook, "a runbook") + " ran"
	if u.requested != "" {
		s = Name(r.names, u.requested) + " asked to run " + or(u.runbook, "a runbook")
	}
	if u.approved != "" {
		s += ", approved by " + Name(r.names, u.approved)
	}
	switch u.step {
	case "finished":
		s += "; it " + finishedWord(u.result, u.status)
	case "denied", "cancelled":
		s += "; " + u.step + " by " + Name(r.names, u.by)
	case "expired", "refused":
		s += "; " + u.step
	case "requested":
		return s + "; waiting for approval"
	case "approved":
		return s + "; not started yet"
	default:
		return s + "; running (last step: " + or(u.step, "none") + ")"
	}
	return s + " at " + Offset(u.last, r.base)
}

// run is one runbook run as its events tell it.
type run struct {
	id, runbook, requested, approved string
	at, started, last                time.Time // the first event, the "started" step, the latest event
	step, status, result, by         string    // the latest step and what it said
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
		u.step, u.status, u.result, u.last = e.Data["step"], e.Data["status"], e.Data["result"], e.At
		u.by = or(e.Data["by"], e.Actor)
		switch u.step {
		case "requested":
			u.requested = u.by
		case "approved":
			u.approved = u.by
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
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", Offset(u.at, r.base), mdOr(u.id, "-"),
			mdOr(u.runbook, "-"), mdOr(Name(r.names, u.requested), "-"), mdOr(Name(r.names, u.approved), "-"), u.outcome())
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
		fmt.Fprintf(b, "- %s %s%s: %s\n", Offset(e.At, r.base), mdOr(Actor(r.names, e.Actor), "someone"), kind, mdOr(e.Text, "_empty_"))
		n++
	}
	if n == 0 {
		b.WriteString("_None recorded._\n")
	}
	b.WriteString("\n")
}
