package web

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var countLink = regexp.MustCompile(`<td class="num"><a href="([^"]+)">(\d+)</a></td>`)

// TestDashboard_MetricsLinks: every count in the metrics table links to
// the list of exactly the incidents it counts.
func TestDashboard_MetricsLinks(t *testing.T) {
	mux := newMux(seededSource(t))
	body := mustGetOK(t, mux, "/metrics-view?since=90d")
	links := countLink.FindAllStringSubmatch(body, -1)
	if len(links) < 6 { // all, three severities, services
		t.Fatalf("the table links %d counts:\\n%s", len(links), body)
	}
	for _, l := range links {
		href, want := html.UnescapeString(l[1]), l[2]
		list := mustGetOK(t, mux, href)
		n := strconv.Itoa(len(historyOf(t, list)))
		if n != want || !strings.Contains(list, want+" incident") {
			t.Errorf("%s lists %s incidents; the metrics count %s", href, n, want)
		}
	}
}

// TestDashboard_MetricsScales: each metric has a chart of its own, so a
// median of seconds is not flattened next to one of hours.
func TestDashboard_MetricsScales(t *testing.T) {
	body := mustGetOK(t, newMux(seededSource(t)), "/metrics-view?since=90d")
	for _, title := range []string{"Incidents per week", "MTTD per week (median)", "MTTA per week (median)",
		"MTTM per week (median)", "MTTR per week (median)"} {
		if strings.Count(body, `aria-label="`+title+`"`) != 1 {
			t.Errorf("no chart %q of its own", title)
		}
	}
	if strings.Contains(body, "<h3>") {
		t.Error("the metrics repeat a table per group")
	}
}
