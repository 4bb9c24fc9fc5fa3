package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// idSource holds one incident whose people are Slack ids, as in real use.
func idSource(tb testing.TB) *fakeSource {
	f := &fakeSource{}
	f.add(tb, 7,
		ev(incident.EventOpened, at(-50*time.Minute), "U0ALICE", "", "title", "Checkout errors", "severity", "SEV2",
			"service", "checkout", "source", "declared", "start_method", "declared by U0ALICE"),
		ev(incident.EventEscalated, at(-45*time.Minute), "tocsin", "", "step", "1", "targets", "S0ONCALL,U0BOB"),
		ev(incident.EventRole, at(-40*time.Minute), "U0ALICE", "", "role", "commander", "user", "U0BOB"),
		ev(incident.EventAcknowledged, at(-39*time.Minute), "U0BOB", ""),
		ev(incident.EventNote, at(-30*time.Minute), "U0CAROL", "Rolling back"),
	)
	return f
}

// namesMux serves idSource with testDirectory.
func namesMux(tb testing.TB) http.Handler {
	cfg := testConfig(idSource(tb))
	cfg.Names = testDirectory
	return muxFor(cfg)
}

var rawDetails = regexp.MustCompile(`(?s)<details><summary>details</summary>.*?</details>`)

var testDirectory = report.NameMap{"U0ALICE": "Alice Adams", "U0BOB": "bob", "S0ONCALL": "Platform on-call"}

// TestDashboard_Names: every page that leaves Slack names people; an id the
// directory does not know stays an id.
func TestDashboard_Names(t *testing.T) {
	mux := namesMux(t)
	page := mustGetOK(t, mux, "/incidents/7")
	list := mustGetOK(t, mux, "/")
	_, md := get(t, mux, "/api/incidents/7/review.md")
	visible := rawDetails.ReplaceAllString(page, "") // the raw event keeps its ids, behind a disclosure
	for name, text := range map[string]string{"incident page": visible, "list": list, "review": md} {
		for _, id := range []string{"U0ALICE", "U0BOB", "S0ONCALL"} {
			if strings.Contains(text, id) {
				t.Errorf("the %s shows the id %s", name, id)
			}
		}
	}
	wantContains(t, list, "<td data-label=\"Commander\">bob</td>")
	wantContains(t, md, "- Role commander: bob", "Escalation step 1 notified Platform on-call, bob", "U0CAROL noted: Rolling back")

	_, body := get(t, mux, "/api/incidents/7")
	var v IncidentView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"U0ALICE": "Alice Adams", "U0BOB": "bob", "S0ONCALL": "Platform on-call"}
	if len(v.Names) != len(want) || v.Names["U0ALICE"] != want["U0ALICE"] || v.Names["S0ONCALL"] != want["S0ONCALL"] || v.Names["U0BOB"] != "bob" {
		t.Errorf("the API's names = %v, want %v", v.Names, want)
	}
	_, body = get(t, mux, "/api/names?id=U0ALICE&id=S0ONCALL&id=U0NEW")
	if body != "{\n  \"S0ONCALL\": \"Platform on-call\",\n  \"U0ALICE\": \"Alice Adams\",\n  \"U0NEW\": \"U0NEW\"\n}\n" {
		t.Errorf("GET /api/names = %s", body)
	}
}
