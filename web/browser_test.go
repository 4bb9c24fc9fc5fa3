package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tocsin-dev/tocsin/browsertest"
)

// artifacts is where screenshots go: $TOCSIN_ARTIFACTS, or .artifacts/ at
// the repository root (git-ignored).
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TOCSIN_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", ".artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create artifacts directory: %v", err)
	}
	return dir
}

// TestBrowser_Dashboard signs in with a real browser, reads the incident
// list, opens an incident, saves screenshots and signs out.
func TestBrowser_Dashboard(t *testing.T) {
	srv := httptest.NewServer(newMux(seededSource(t)))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	tab := browsertest.New(ctx, t, 1280, 900)

	browsertest.SignIn(tab, t, srv.URL, testToken)
	wantText(tab, t, "table#open", "INC-1", "API 5xx rate above 5%", "alice", xssTitle)
	search(tab, t)

	step(t, "open INC-1", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`a[href="/incidents/1"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol#timeline")),
	))
	wantText(tab, t, "ol#timeline", "bob noted: Deploy 4711 went out at 10:15; rolling back", "T+5m00s", "alice acknowledged the incident")
	checkStory(tab, t)
	wantText(tab, t, "#review h2", "Review draft")
	wantText(tab, t, "#review-draft", "Post-incident review: INC-1")
	if text := visibleText(tab, t, "#review-draft"); strings.Contains(text, "tocsin:human -->") || strings.Contains(text, `\#`) {
		t.Errorf("the review shows raw Markdown:\n%s", text)
	}
	editSection(tab, t)
	screenshot(tab, t, "dashboard-incident.png", 1280)

	onPhone(tab, t, srv.URL)
	step(t, "open the metrics", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`header a[href="/metrics-view"]`)),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")),
	))
	wantText(tab, t, "#charts", "MTTA per week (median)", "Incidents per week")
	screenshot(tab, t, "dashboard-metrics-phone.png", 780)
	browsertest.NoSideScroll(tab, t, "the metrics view")
	step(t, "follow the SEV1 count to its incidents", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#metrics-table tr.severity a[href*="severity=sev1"]`)),
		chromedp.WaitVisible(chromedp.CSS("table#history")),
	))
	wantText(tab, t, "#count", "1 incident matches")
	wantText(tab, t, "table#history", "INC-2")

	step(t, "sign out", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS("header button")),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.Navigate(srv.URL+"/incidents/1"), chromedp.WaitVisible(chromedp.CSS("#login")),
	))
}

// onPhone views the list and an incident 390 px wide, as on a phone: no
// page may scroll sideways.
func onPhone(tab context.Context, t *testing.T, base string) {
	t.Helper()
	step(t, "view the list on a phone", chromedp.Do(tab,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("table#open")),
	))
	browsertest.NoSideScroll(tab, t, "the list")
	screenshot(tab, t, "dashboard-list-phone.png", 780)
	step(t, "open an incident on a phone", chromedp.Do(tab,
		chromedp.Navigate(base+"/incidents/1"), chromedp.WaitVisible(chromedp.CSS("ol#timeline")),
	))
	browsertest.NoSideScroll(tab, t, "the incident page")
	step(t, "back to the list", chromedp.Do(tab, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("table#open"))))
}

// search filters the list with the form and pages through it.
func search(tab context.Context, t *testing.T) {
	t.Helper()
	step(t, "search resolved incidents", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS("#search details.filters summary")),
		chromedp.SetValue(chromedp.CSS(`#search select[name="status"]`), "resolved"),
		chromedp.SendKeys(chromedp.CSS(`#search input[name="q"]`), "latency"),
		chromedp.Click(chromedp.CSS("#search button")),
		chromedp.WaitVisible(chromedp.CSS("table#history")),
	))
	wantText(tab, t, "#count", "1 incident matches")
	wantText(tab, t, "table#history", "INC-3", "Checkout latency")
	if text := visibleText(tab, t, "table#history"); strings.Contains(text, "Old outage") {
		t.Errorf("the search lists an incident it does not match:\n%s", text)
	}
	step(t, "page through all incidents", chromedp.Do(tab,
		chromedp.Navigate(strings.TrimSuffix(evalString(tab, t, "location.origin"), "/")+"/?per_page=2"),
		chromedp.WaitVisible(chromedp.CSS("#pages")),
		chromedp.Click(chromedp.CSS(`#pages a[rel="next"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pages a[rel="prev"]`)),
	))
	wantText(tab, t, "table#history", "INC-3", "INC-4")
	step(t, "back to the list", chromedp.Do(tab, chromedp.Click(chromedp.CSS(`header a.brand`)), chromedp.WaitVisible(chromedp.CSS("table#open"))))
}

// checkStory checks the timeline in the browser: tocsin's bookkeeping is
// hidden until the reader asks for it, and raw data stays behind details.
func checkStory(tab context.Context, t *testing.T) {
	t.Helper()
	if d := display(tab, t, "#event-2"); d != "none" {
		t.Errorf("the channel event shows before asking for system events (display %q)", d)
	}
	if text := visibleText(tab, t, "#event-1"); strings.Contains(text, "alarm_arn") {
		t.Errorf("the raw data shows without opening the details:\n%s", text)
	}
	step(t, "show system events and open a details", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS("#show-system")),
		chromedp.Click(chromedp.CSS("#event-1 summary")),
	))
	if d := display(tab, t, "#event-2"); d == "none" {
		t.Error("the channel event stays hidden after asking for system events")
	}
	wantText(tab, t, "#event-1", "alarm_arn", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx")
}

// editSection edits "What went well" in the browser and sees it rendered.
func editSection(tab context.Context, t *testing.T) {
	t.Helper()
	form := "#section-what-went-well"
	step(t, "edit a section", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(form+" summary")),
		chromedp.SendKeys(chromedp.CSS(form+" textarea"), "The rollback took **two minutes**."),
		chromedp.Click(chromedp.CSS(form+" button")),
		chromedp.WaitVisible(chromedp.CSS(form+" strong")),
	))
	wantText(tab, t, form, "The rollback took two minutes.")
	if loc, err := chromedp.Run(tab, chromedp.Location()); err != nil || !strings.HasSuffix(loc, "/incidents/1#review") {
		t.Errorf("after saving the browser is at %q (%v), want the review", loc, err)
	}
}

// display is the computed CSS display of the element css selects.
func display(tab context.Context, t *testing.T, css string) string {
	t.Helper()
	return evalString(tab, t, fmt.Sprintf("getComputedStyle(document.querySelector(%q)).display", css))
}

// visibleText is the element's rendered text (innerText), which leaves out
// what is hidden, such as a closed details' content.
func visibleText(tab context.Context, t *testing.T, css string) string {
	t.Helper()
	return evalString(tab, t, fmt.Sprintf("document.querySelector(%q).innerText", css))
}

// evalString evaluates a JavaScript expression in the tab.
func evalString(tab context.Context, t *testing.T, expr string) string {
	t.Helper()
	return browsertest.Eval(tab, t, expr)
}

// screenshot saves a full-page PNG of the tab, width pixels wide, in the
// artifacts directory (browsertest checks that the page rendered).
func screenshot(tab context.Context, t *testing.T, name string, width int) {
	t.Helper()
	browsertest.Save(t, artifacts(t), name, browsertest.Screenshot(tab, t, width))
}

func step(t *testing.T, name string, err error) {
	t.Helper()
	browsertest.Step(t, name, err)
}

// wantText fails unless the element's visible text contains every want.
func wantText(tab context.Context, t *testing.T, css string, wants ...string) {
	t.Helper()
	text, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("read %s: %v", css, err)
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", css, w, text)
		}
	}
}
