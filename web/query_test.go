package web

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/golden"
	"github.com/tocsin-dev/tocsin/incident"
)

// listed are the incidents of a list page's history, in order.
var listedRow = regexp.MustCompile(`<td class="nowrap" data-label="Incident"><a href="/incidents/\d+">(INC-\d+)</a>`)

func historyOf(tb testing.TB, body string) []string {
	tb.Helper()
	i := strings.Index(body, `id="history"`)
	if i < 0 {
		tb.Fatalf("no history on the page:\n%s", body)
	}
	var ids []string
	for _, m := range listedRow.FindAllStringSubmatch(body[i:], -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestDashboard_Search: each filter of the list, alone and together, on
// the page and in GET /api/incidents, which take the same parameters.
func TestDashboard_Search(t *testing.T) {
	mux := newMux(seededSource(t))
	for query, want := range map[string][]string{
		"":                                       {"INC-2", "INC-1", "INC-3", "INC-4"},
		"service=api":                            {"INC-1"},
		"service=(none)":                         {"INC-4"},
		"severity=sev1":                          {"INC-2"},
		"severity=SEV3,sev4":                     {"INC-3", "INC-4"},
		"status=open":                            {"INC-2", "INC-1"},
		"status=resolved":                        {"INC-3", "INC-4"},
		"status=mitigated":                       {"INC-1"},
		"q=latency":                              {"INC-3"},
		"q=ALICE":                                {"INC-1"}, // the commander's name
		"q=api-5xx":                              {"INC-1"}, // an alarm's name
		"q=inc-3":                                {"INC-3"},
		"q=checkout+latency":                     {"INC-3"},
		"q=checkout+outage":                      nil,
		"since=2d":                               {"INC-2", "INC-1", "INC-3"},
		"since=2025-03-09&until=2025-03-09":      {"INC-3"},
		"until=2025-03-01":                       {"INC-4"},
		"since=2025-03-10T10:00:00Z&status=open": {"INC-2", "INC-1"},
		"per_page=2":                             {"INC-2", "INC-1"},
		"per_page=2&page=2":                      {"INC-3", "INC-4"},
		"per_page=2&page=3":                      nil,
	} {
		t.Run(query, func(t *testing.T) {
			if got := historyOf(t, mustGetOK(t, mux, "/?"+query)); !slices.Equal(got, want) {
				t.Errorf("the list shows %v, want %v", got, want)
			}
			_, body := get(t, mux, "/api/incidents?"+query)
			var incs []incident.Incident
			if err := json.Unmarshal([]byte(body), &incs); err != nil {
				t.Fatalf("GET /api/incidents?%s: %v\n%s", query, err, body)
			}
			var got []string
			for _, inc := range incs {
				got = append(got, inc.ID.String())
			}
			if !slices.Equal(got, want) {
				t.Errorf("GET /api/incidents?%s = %v, want %v", query, got, want)
			}
		})
	}
}

func TestDashboard_SearchPages(t *testing.T) {
	mux := newMux(seededSource(t))
	body := mustGetOK(t, mux, "/?status=resolved&per_page=1&page=2")
	golden.Check(t, filepath.Join("testdata", "list_search.golden"), mainOf(t, body))
	if strings.Contains(body, `http-equiv="refresh"`) {
		t.Error("a search reloads itself (and would lose what is typed)")
	}
	resp, _ := get(t, mux, "/api/incidents?per_page=1&page=2")
	if resp.Header.Get("X-Total-Count") != "4" ||
		resp.Header.Get("Link") != `</api/incidents?page=1&per_page=1>; rel="prev", </api/incidents?page=3&per_page=1>; rel="next"` {
		t.Errorf("X-Total-Count %q, Link %q", resp.Header.Get("X-Total-Count"), resp.Header.Get("Link"))
	}
}

// TestDashboard_SearchRefused: a bad parameter gets 400 naming it, on the
// page and in the API.
func TestDashboard_SearchRefused(t *testing.T) {
	mux := newMux(seededSource(t))
	for query, says := range map[string]string{
		"severity=sev9":       `severity &#34;sev9&#34; must be sev1, sev2, sev3 or sev4`,
		"status=burning":      `status &#34;burning&#34; must be open, resolved or one of detected`,
		"since=yesterday":     `since: &#34;yesterday&#34; is not a date`,
		"page=0":              `page &#34;0&#34; must be a whole number from 1`,
		"per_page=5000":       `per_page &#34;5000&#34; must be a whole number from 1 to 1000`,
		"severity=x&page=abc": `severity &#34;x&#34;`,
	} {
		resp, body := get(t, mux, "/?"+query)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, says) {
			t.Errorf("/?%s: status %d, want 400 saying %q:\n%s", query, resp.StatusCode, says, body)
		}
		if resp, _ := get(t, mux, "/api/incidents?"+query); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("/api/incidents?%s: status %d, want 400", query, resp.StatusCode)
		}
	}
}
