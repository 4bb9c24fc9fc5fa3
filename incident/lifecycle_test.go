package incident_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

func TestCanTransition(t *testing.T) {
	legal := map[[2]incident.Status]bool{}
	for _, p := range [][2]incident.Status{
		{"detected", "acknowledged"}, {"detected", "mitigated"}, {"detected", "resolved"},
		{"declared", "acknowledged"}, {"declared", "mitigated"}, {"declared", "resolved"},
		{"acknowledged", "mitigated"}, {"acknowledged", "resolved"},
		{"mitigated", "resolved"},
		{"resolved", "closed"}, {"resolved", "acknowledged"},
		{"closed", "acknowledged"},
	} {
		legal[p] = true
	}
	for _, from := range incident.Statuses() {
		for _, to := range incident.Statuses() {
			err := incident.CanTransition(from, to)
			if legal[[2]incident.Status{from, to}] {
				if err != nil {
					t.Errorf("%s -> %s: unexpected error %v", from, to, err)
				}
				continue
			}
			if !errors.Is(err, incident.ErrIllegalTransition) {
				t.Errorf("%s -> %s: err = %v, want ErrIllegalTransition", from, to, err)
				continue
			}
			if !strings.Contains(err.Error(), "from "+string(from)) || !strings.Contains(err.Error(), "allowed") {
				t.Errorf("%s -> %s: error %q does not name the state and the allowed ones", from, to, err)
			}
		}
	}
}

func TestTransition_Reopen(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, st := range []incident.Status{incident.StatusResolved, incident.StatusClosed} {
		inc := incident.Incident{Status: st}
		e, err := inc.Transition(incident.StatusAcknowledged, "U1", at, "still broken")
		if err != nil || e.Type != incident.EventReopened {
			t.Errorf("from %s: got %v, %v; want a reopened event", st, e.Type, err)
		}
	}
	inc := incident.Incident{Status: incident.StatusDetected}
	if e, _ := inc.Transition(incident.StatusAcknowledged, "U1", at, ""); e.Type != incident.EventAcknowledged {
		t.Errorf("from detected: got %v, want acknowledged", e.Type)
	}
}

func TestParse(t *testing.T) {
	if id, err := incident.ParseID("INC-42"); err != nil || id != 42 || id.String() != "INC-42" {
		t.Errorf("ParseID(INC-42) = %v, %v", id, err)
	}
	for _, bad := range []string{"", "INC-", "INC-0", "abc", "-1", "INC-x"} {
		if _, err := incident.ParseID(bad); !errors.Is(err, incident.ErrInvalid) {
			t.Errorf("ParseID(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
	for in, want := range map[string]incident.Severity{"sev1": 1, "SEV2": 2, "3": 3, " sev4 ": 4} {
		if got, err := incident.ParseSeverity(in); err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"sev0", "sev5", "", "high"} {
		if _, err := incident.ParseSeverity(bad); !errors.Is(err, incident.ErrInvalid) {
			t.Errorf("ParseSeverity(%q) err = %v", bad, err)
		}
	}
	if _, err := incident.ParseRole("janitor"); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("ParseRole(janitor) err = %v", err)
	}
}
