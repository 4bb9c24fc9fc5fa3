package bot

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// TestExecutor_RunStatusNeverGoesBack: a progress report that comes due
// after the run's result (pacing deferred it) must not overwrite the result.
func TestExecutor_RunStatusNeverGoesBack(t *testing.T) {
	s := MustSlack(t)
	ex := newTestExecutor(t, s, nil)
	inc := mustIncidentWithChannel(t, ex)
	status := func(data map[string]string) incident.Effect {
		data["run"], data["runbook"] = "42-7", "restart-api"
		return incident.Effect{Kind: dispatch.EffSlackRunStatus, Incident: 42, Data: data}
	}
	mustExecute(t, ex, status(map[string]string{"first": "1", "text": "started"}), &inc)
	mustExecute(t, ex, status(map[string]string{"final": "1", "text": "restart-api (run 42-7) finished: Success"}), &inc)
	mustExecute(t, ex, status(map[string]string{"text": "restart-api (run 42-7): InProgress"}), &inc)
	var texts []string
	for _, m := range s.Messages(inc.Channel.ID)[1:] { // after the header
		texts = append(texts, m.Text)
	}
	if len(texts) != 1 || !strings.Contains(texts[0], "finished: Success") {
		t.Errorf("run status messages %q; want the one message, showing the result", texts)
	}
}
