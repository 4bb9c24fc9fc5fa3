package bot

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/incident"
)

// headerStates are the fixed incident at three points of its life.
func headerStates() map[string]incident.Incident {
	at := func(h, m int) time.Time { return time.Date(2024, 5, 1, h, m, 0, 0, time.UTC) }
	detected := fixedIncident()
	detected.Roles = nil
	working := fixedIncident()
	working.Status, working.AcknowledgedAt = incident.StatusAcknowledged, at(14, 5)
	working.Roles = map[incident.Role]string{incident.RoleCommander: "U0ALICE", incident.RoleComms: "U0BOB"}
	working.LastUpdate = incident.Update{Text: "Rolled back the 13:50 deploy; watching the error rate", By: "U0BOB", At: at(14, 20)}
	working.Alarms[0].State, working.Recovered = incident.StateOK, true
	resolved := working
	resolved.Status, resolved.MitigatedAt, resolved.ResolvedAt = incident.StatusResolved, at(14, 25), at(15, 7)
	declared := incident.Incident{ID: 43, Title: "Checkout is failing", Severity: incident.SEV1, Status: incident.StatusDeclared,
		Source: "declared", Playbook: "default", StartMethod: "declared by U0CAROL",
		Roles:      map[incident.Role]string{incident.RoleCommander: "U0CAROL"},
		Channel:    incident.Channel{ID: "C0INC43", Name: "inc-43-checkout-is-failing"},
		Timestamps: incident.Timestamps{StartedAt: at(9, 1), DetectedAt: at(9, 1)}, UpdatedAt: at(9, 1)}
	return map[string]incident.Incident{"detected": detected, "acknowledged": working, "resolved": resolved, "declared": declared}
}

// TestHeaderBlocks_States: the header of each state (goldens), without a
// field that shows nothing, with every time for the reader's own time zone.
func TestHeaderBlocks_States(t *testing.T) {
	for name, inc := range headerStates() {
		t.Run(name, func(t *testing.T) {
			blocks := HeaderBlocks(inc)
			checkGolden(t, "header-"+name+".golden", blocks)
			checkGlance(t, blocks)
		})
	}
}

func TestAnnouncementBlocks_Golden(t *testing.T) {
	states := headerStates()
	checkGolden(t, "announce-acknowledged.golden", announcementBlocks(states["acknowledged"], ""))
	checkGolden(t, "announce-resolved.golden", announcementBlocks(states["resolved"], ""))
}

// dateMarkup is Slack's date formatting, whose fallback says UTC.
var dateMarkup = regexp.MustCompile(`<!date\^[0-9]+\^[^|>]*\|[^>]*>`)

// checkGlance fails for a field without a value (a dash) and for a time
// written as UTC outside a <!date> fallback.
func checkGlance(t *testing.T, blocks []slack.Block) {
	t.Helper()
	walkTexts(t, blocks, func(typ, text string) {
		if strings.HasSuffix(text, "\n—") || text == "—" {
			t.Errorf("an empty field: %q", text)
		}
		outside := dateMarkup.ReplaceAllString(text, "")
		if strings.Contains(outside, " UTC") {
			t.Errorf("a time not in the reader's time zone: %q", text)
		}
	})
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		42 * time.Second: "42 s", 12 * time.Minute: "12 min", 62 * time.Minute: "1 h 2 min", 50 * time.Hour: "2 d 2 h",
	} {
		if got := span(d); got != want {
			t.Errorf("span(%v) = %q, want %q", d, got, want)
		}
	}
}
