package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Moment is one timeline event told for people: the one sentence both the
// dashboard and the review use, whether it is a milestone of the
// lifecycle, and whether it is tocsin's own bookkeeping that a reader may
// hide.
type Moment struct {
	// Sentence is plain text, not escaped: the caller escapes it for where
	// it goes (html/template on the dashboard, md in a review).
	Sentence string
	// Milestone is "detected" (or "declared"), "acknowledged", "mitigated"
	// or "resolved" for the events that move an incident to those stages;
	// empty for the others.
	Milestone string
	// System marks tocsin's bookkeeping: the channel, the pinned header,
	// notices and a runbook's intermediate progress.
	System bool
}

// Tell turns an event into its Moment, naming people through n (nil: ids).
func Tell(e incident.Event, n Names) Moment {
	n = orNobody(n)
	m := Moment{Milestone: milestone(e), System: system(e)}
	if say, ok := sentences[e.Type]; ok {
		m.Sentence = say(e, n, Actor(n, e.Actor))
	} else {
		m.Sentence = withColon(Actor(n, e.Actor)+" recorded "+string(e.Type), e.Text)
	}
	return m
}

// milestone names the lifecycle stage an event reaches, if it is one.
func milestone(e incident.Event) string {
	switch e.Type {
	case incident.EventOpened:
		if e.Data["source"] == "declared" {
			return "declared"
		}
		return "detected"
	case incident.EventAcknowledged, incident.EventMitigated, incident.EventResolved:
		return string(e.Type)
	}
	return ""
}

// system reports whether an event is bookkeeping rather than the story.
func system(e incident.Event) bool {
	switch e.Type {
	case incident.EventChannel, incident.EventHeader, incident.EventAnnounced:
		return true
	case incident.EventInfo:
		return e.Actor == "tocsin"
	case incident.EventRunbook:
		return e.Data["step"] == "progress"
	}
	return false
}

// sentence writes one event type's sentence; who is the actor, named.
type sentence func(e incident.Event, n Names, who string) string

var sentences = map[incident.EventType]sentence{
	incident.EventOpened:       openedSentence,
	incident.EventAlarm:        alarmSentence,
	incident.EventRecovered:    func(incident.Event, Names, string) string { return "Every linked alarm is OK again" },
	incident.EventAcknowledged: verb("acknowledged the incident"),
	incident.EventMitigated:    verb("marked the incident mitigated"),
	incident.EventResolved:     verb("resolved the incident"),
	incident.EventClosed:       verb("closed the incident"),
	incident.EventReopened:     verb("reopened the incident"),
	incident.EventStatusUpdate: verb("posted a status update"),
	incident.EventNote:         verb("noted"),
	incident.EventFollowup:     verb("added a follow-up"),
	incident.EventSeverity:     severitySentence,
	incident.EventRole:         roleSentence,
	incident.EventTitle: func(e incident.Event, _ Names, who string) string {
		return who + " renamed the incident: " + e.Data["title"]
	},
	incident.EventCorrected: correctedSentence,
	incident.EventChannel:   channelSentence,
	incident.EventHeader: func(_ incident.Event, _ Names, who string) string {
		return who + " pinned the incident's header in the channel"
	},
	incident.EventAnnounced: func(_ incident.Event, _ Names, who string) string {
		return who + " announced the incident in the announcements channel"
	},
	incident.EventEscalated: escalatedSentence,
	incident.EventChecklist: checklistSentence,
	incident.EventRunbook:   runbookSentence,
	incident.EventInfo: func(e incident.Event, _ Names, who string) string {
		if e.Actor != "tocsin" {
			return withColon(who, or(e.Text, "a notice"))
		}
		return or(oneLine(e.Text), "tocsin noticed something")
	},
}

// verb is the sentence "<who> <what>", with the event's text after a colon.
func verb(what string) sentence {
	return func(e incident.Event, _ Names, who string) string { return withColon(who+" "+what, e.Text) }
}

// withColon appends ": text" when there is text, on one line.
func withColon(s, text string) string {
	if t := oneLine(text); t != "" {
		return s + ": " + t
	}
	return s
}

// oneLine folds every run of white space, newlines included, into a space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func openedSentence(e incident.Event, _ Names, who string) string {
	d := e.Data
	sev := ""
	if d["severity"] != "" {
		sev = " (" + d["severity"] + ")"
	}
	if d["source"] == "declared" {
		return withColon(who+" declared the incident"+sev, d["title"])
	}
	return withColon("Alarm "+or(d["alarm_name"], "(unnamed)")+" opened the incident"+sev, d["title"])
}

func alarmSentence(e incident.Event, _ Names, _ string) string {
	d := e.Data
	name, from, to := or(d["alarm_name"], "(unnamed)"), or(d["old_state"], "?"), or(d["state"], "?")
	switch to {
	case string(incident.StateAlarm):
		return fmt.Sprintf("Alarm %s fired (%s → %s)", name, from, to)
	case string(incident.StateOK):
		return fmt.Sprintf("Alarm %s recovered (%s → %s)", name, from, to)
	}
	return fmt.Sprintf("Alarm %s went from %s to %s", name, from, to)
}

func severitySentence(e incident.Event, _ Names, who string) string {
	if p := e.Data["previous"]; p != "" {
		return fmt.Sprintf("%s changed the severity from %s to %s", who, p, or(e.Data["severity"], "?"))
	}
	return who + " set the severity to " + or(e.Data["severity"], "?")
}

func roleSentence(e incident.Event, n Names, who string) string {
	role, user := or(e.Data["role"], "a"), e.Data["user"]
	switch {
	case user == "":
		return who + " cleared the " + role + " role"
	case user == e.Actor:
		return who + " took the " + role + " role"
	}
	return fmt.Sprintf("%s made %s %s", who, Name(n, user), role)
}

// correctedFields names the lifecycle times a correction can move.
var correctedFields = map[string]string{
	"started": "start of impact", "detected": "detection time", "acknowledged": "acknowledgement time",
	"mitigated": "mitigation time", "resolved": "resolution time",
}

func correctedSentence(e incident.Event, _ Names, who string) string {
	d := e.Data
	s := fmt.Sprintf("%s moved the %s to %s UTC", who, or(correctedFields[d["field"]], d["field"]+" time"), correctedTime(d["at"]))
	if d["previous"] != "" {
		s += " (was " + correctedTime(d["previous"]) + ")"
	}
	if d["method"] != "" {
		s += ", " + d["method"]
	}
	return s
}

// correctedTime renders an RFC 3339 value of a correction as UTC to the second.
func correctedTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return or(s, "unknown")
	}
	return utc(t)
}

func channelSentence(e incident.Event, _ Names, who string) string {
	d := e.Data
	switch {
	case d["renamed_from"] != "":
		return fmt.Sprintf("%s renamed the channel #%s to #%s", who, d["renamed_from"], d["channel_name"])
	case d["standby"] == "yes":
		return fmt.Sprintf("%s took the standby channel #%s", who, d["channel_name"])
	}
	return fmt.Sprintf("%s created the Slack channel #%s", who, d["channel_name"])
}

func escalatedSentence(e incident.Event, n Names, _ string) string {
	how := "notified"
	if e.Data["paged"] == "yes" {
		how = "paged"
	}
	return fmt.Sprintf("Escalation step %s %s %s", or(e.Data["step"], "?"), how, or(nameList(n, e.Data["targets"]), "no one"))
}

func checklistSentence(e incident.Event, _ Names, who string) string {
	how := "unticked"
	if e.Data["done"] == "true" {
		how = "ticked"
	}
	return fmt.Sprintf("%s %s the checklist item “%s”", who, how, or(e.Data["item"], "?"))
}

// or returns s, or fallback when s is blank.
func or(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}
