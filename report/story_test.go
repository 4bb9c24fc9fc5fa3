package report

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/golden"
	"github.com/tocsin-dev/tocsin/incident"
)

var testNames = NameMap{"U111": "Alice", "U222": "Bob", "U333": "Carol", "S0ONCALL": "On-call"}

// storyEvents are events of every type, with the data tocsin writes.
func storyEvents(tb testing.TB) []incident.Event {
	tl := inc42(tb)
	tl.add(hm(34, 1, 0), incident.EventTitle, "U111", "", "title", "API errors after deploy 1234").
		add(hm(34, 2, 0), incident.EventChecklist, "U222", "", "item", "Check the dashboards", "done", "true").
		add(hm(34, 3, 0), incident.EventChecklist, "U222", "", "item", "Check the dashboards").
		add(hm(34, 4, 0), incident.EventEscalated, "tocsin", "", "step", "2", "targets", "S0ONCALL,U222", "paged", "yes").
		add(hm(34, 5, 0), incident.EventRole, "U111", "", "role", "scribe", "user", "U333").
		add(hm(34, 6, 0), incident.EventRole, "U111", "", "role", "scribe").
		add(hm(34, 7, 0), incident.EventInfo, "tocsin", "tocsin could not post to Slack").
		add(hm(34, 8, 0), incident.EventChannel, "tocsin", "", "channel_id", "C42", "channel_name", "inc-42-api-errors", "renamed_from", "inc-42-api-5xx").
		add(hm(34, 9, 0), incident.EventRunbook, "U111", "U111 asked to run restart-api (approval: 1 of role:commander)",
			"run", "r-3", "runbook", "restart-api", "step", "requested", "by", "U111").
		add(hm(34, 9, 30), incident.EventRunbook, "tocsin", "", "run", "r-3", "runbook", "restart-api", "step", "progress", "detail", "1 of 2 steps done").
		add(hm(34, 10, 0), incident.EventRunbook, "tocsin", "", "run", "r-3", "runbook", "restart-api", "step", "finished",
			"status", "Failed", "result", "failed", "detail", "step 2 timed out").
		add(hm(34, 11, 0), incident.EventCorrected, "tocsin", "", "field", "started", "at", incident.FormatTime(hm(22, 59, 0)),
			"previous", incident.FormatTime(hm(23, 0, 0)), "method", "by the metric's datapoints")
	return tl.events
}

// TestTell_Golden tells every event type, naming people; the golden shows
// each event's sentence, milestone and whether it is bookkeeping.
func TestTell_Golden(t *testing.T) {
	var b strings.Builder
	for _, e := range storyEvents(t) {
		m := Tell(e, testNames)
		fmt.Fprintf(&b, "%-2d %-14s %-12s %-6t %s\n", e.Seq, e.Type, m.Milestone, m.System, m.Sentence)
	}
	golden.Check(t, filepath.Join("testdata", "story.golden"), b.String())
}

func TestTell_UnknownIDsStay(t *testing.T) {
	e := incident.Event{Type: incident.EventRole, Actor: "U999", Data: map[string]string{"role": "commander", "user": "U998"}}
	if got, want := Tell(e, nil).Sentence, "U999 made U998 commander"; got != want {
		t.Errorf("Tell with no names = %q, want %q", got, want)
	}
	e.Actor = "alarm:api-5xx"
	if got, want := Tell(e, testNames).Sentence, "alarm api-5xx made U998 commander"; got != want {
		t.Errorf("Tell = %q, want %q", got, want)
	}
}
