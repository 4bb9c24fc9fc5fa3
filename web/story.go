package web

import (
	"maps"
	"slices"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// Story is an incident's timeline told for people: one sentence per event
// (report.Tell, the same sentences as the review), times since the start
// of impact, milestones marked, and the raw event behind a disclosure.
type Story struct {
	Base    string // when T+0s is, UTC
	Events  []eventRow
	Systems int // how many events are tocsin's bookkeeping (hidden at first)
}

// eventRow is one timeline entry.
type eventRow struct {
	Seq       int
	Offset    string // T+4m05s
	At        string // the full UTC time
	ISO       string // the same, RFC 3339, for <time datetime>
	Sentence  string
	Milestone string
	System    bool
	Raw       []pair // the event as recorded: type, actor, text, data
}

// newStory tells evs relative to the start of impact, else the first event.
func newStory(n Names, inc incident.Incident, evs []incident.Event) Story {
	base := inc.StartedAt
	if base.IsZero() && len(evs) > 0 {
		base = evs[0].At
	}
	s := Story{Base: utcTime(base)}
	for _, e := range evs {
		m := report.Tell(e, n)
		if m.System {
			s.Systems++
		}
		s.Events = append(s.Events, eventRow{
			Seq: e.Seq, Offset: report.Offset(e.At, base), At: utcTime(e.At), ISO: e.At.UTC().Format(time.RFC3339),
			Sentence: m.Sentence, Milestone: m.Milestone, System: m.System, Raw: raw(e),
		})
	}
	return s
}

// raw is the event as it was recorded, for the details disclosure.
func raw(e incident.Event) []pair {
	out := []pair{{"type", string(e.Type)}, {"actor", orDash(e.Actor)}}
	if e.Text != "" {
		out = append(out, pair{"text", e.Text})
	}
	for _, k := range slices.Sorted(maps.Keys(e.Data)) {
		out = append(out, pair{k, e.Data[k]})
	}
	return out
}
