package web

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/golden"
)

// get fetches target from the dashboard, signed in.
func get(tb testing.TB, h http.Handler, target string) (*http.Response, string) {
	tb.Helper()
	return serve(tb, h, withSession(tb, h, httptest.NewRequest("GET", target, nil)))
}

// mustGetOK is get's body, the test stopping unless the page is 200 OK.
func mustGetOK(tb testing.TB, h http.Handler, target string) string {
	tb.Helper()
	resp, body := get(tb, h, target)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: status %d:\n%s", target, resp.StatusCode, body)
	}
	return body
}

// wantContains fails for every want missing from body.
func wantContains(tb testing.TB, body string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			tb.Errorf("page lacks %q", w)
		}
	}
}

func TestDashboard_RequiresLogin(t *testing.T) {
	mux := newMux(seededSource(t))
	for _, target := range []string{"/", "/incidents/1", "/incidents/bad", "/metrics-view", "/no-such-page"} {
		resp, _ := serve(t, mux, httptest.NewRequest("GET", target, nil))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("GET %s: status %d, Location %q; want 303 to /login", target, resp.StatusCode, resp.Header.Get("Location"))
		}
		r := httptest.NewRequest("GET", target, nil)
		r.AddCookie(&http.Cookie{Name: cookieName, Value: testToken}) // the token itself is not a session
		if resp, _ := serve(t, mux, r); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("GET %s with the raw token as cookie: status %d, want 303", target, resp.StatusCode)
		}
	}
	resp, _ := serve(t, mux, httptest.NewRequest("GET", "/api/incidents", nil))
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/incidents: status %d, want 401 (the API does not redirect)", resp.StatusCode)
	}
	resp, _ = get(t, mux, "/api/incidents")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /api/incidents with the session cookie: status %d", resp.StatusCode)
	}
}

func TestDashboard_List(t *testing.T) {
	resp, body := get(t, newMux(seededSource(t)), "/")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	wantContains(t, body,
		`<meta http-equiv="refresh" content="10">`, `<meta name="viewport"`,
		`href="/incidents/1"`, "API 5xx rate above 5%", "api", "alice", "1h40m", "1 of 1", "api-5xx", "mitigated",
		`href="/incidents/2"`, "SEV1", "10m00s",
		`id="history"`, "Checkout latency", "2025-03-09 10:00:00 UTC", "2h00m", "Old outage", "4 incidents, newest first.",
	)
	open := body[:strings.Index(body, `id="history"`)]
	if strings.Index(open, "INC-2") > strings.Index(open, "INC-1") {
		t.Error("the SEV1 incident is not listed first")
	}
	if strings.Contains(open, "Old outage") {
		t.Error("a resolved incident is listed as open")
	}
	hist := body[strings.Index(body, `id="history"`):]
	if i := func(id string) int { return strings.Index(hist, id+"</a>") }; !(i("INC-2") < i("INC-1") && i("INC-1") < i("INC-3") && i("INC-3") < i("INC-4")) {
		t.Error("the history is not newest first")
	}
}

func TestDashboard_Incident(t *testing.T) {
	mux := newMux(seededSource(t))
	body := mustGetOK(t, mux, "/incidents/1")
	wantContains(t, body,
		"INC-1 API 5xx rate above 5%", "inc-1-api-5xx", "api-errors",
		"2025-03-10 10:20:00 UTC", "2025-03-10 10:25:00 UTC", // started, detected
		"5m00s", "40m00s", "missing", // MTTD, MTTA... MTTR
		`id="timeline"`, "bob noted: Deploy 4711 went out at 10:15; rolling back",
		"<dt>runbook</dt><dd>restart-api</dd>", "Alarm on deploy error budget",
		"Review draft", `<div id="review-draft" class="review">`, "<h3>Post-incident review: INC-1 API 5xx rate above 5%</h3>",
	)
	if strings.Contains(body, `id="tampered"`) {
		t.Error("a verified timeline is flagged as tampered")
	}
	if resp, _ := get(t, mux, "/incidents/INC-1"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /incidents/INC-1: status %d", resp.StatusCode)
	}
}

// TestDashboard_IncidentGolden keeps the whole incident page: the facts
// (status coloured, the channel linked, the start of impact's time then its
// method) and the timeline told as a story.
func TestDashboard_IncidentGolden(t *testing.T) {
	body := mustGetOK(t, newMux(seededSource(t)), "/incidents/1")
	body = csrfValue.ReplaceAllString(body, `name="csrf" value="CSRF"`) // random per session
	golden.Check(t, filepath.Join("testdata", "incident.golden"), mainOf(t, body))
}

// mainOf is a page's <main> element: what a golden keeps, without the
// layout's styles.
func mainOf(tb testing.TB, page string) string {
	tb.Helper()
	i, j := strings.Index(page, "<main>"), strings.Index(page, "</main>")
	if i < 0 || j < i {
		tb.Fatalf("the page has no <main>:\n%s", page)
	}
	return page[i : j+len("</main>")]
}

var csrfValue = regexp.MustCompile(`name="csrf" value="[^"]*"`)

// TestDashboard_Story checks what the timeline promises: a sentence for
// every event and no raw key=value text outside the details, milestones
// marked, bookkeeping marked for hiding, times since the start of impact.
func TestDashboard_Story(t *testing.T) {
	body := mustGetOK(t, newMux(seededSource(t)), "/incidents/1")
	tl := body[strings.Index(body, `<ol id="timeline"`):]
	tl = tl[:strings.Index(tl, "</ol>")]
	items := strings.Split(tl, "<li ")[1:]
	if len(items) != 9 {
		t.Fatalf("the timeline has %d events, want 9", len(items))
	}
	for i, it := range items {
		visible, _, _ := strings.Cut(it, "<details>")
		if strings.Contains(visible, "=") && !strings.Contains(visible, `id="event-`) || strings.Contains(visible, "channel_id") {
			t.Errorf("event %d shows raw data outside its details: %s", i+1, visible)
		}
		if !strings.Contains(it, `<span class="sentence">`) || strings.Contains(it, `<span class="sentence"></span>`) {
			t.Errorf("event %d has no sentence: %s", i+1, it)
		}
		if strings.Contains(visible, "2025-03-10") && !strings.Contains(visible, `title="2025-03-10`) {
			t.Errorf("event %d shows the full date instead of the time since the start: %s", i+1, visible)
		}
	}
	for _, want := range []struct{ seq, class, text string }{
		{"1", "event milestone", "T&#43;5m00s"}, {"2", "event system", "tocsin created the Slack channel #inc-1-api-5xx"},
		{"3", "event system", "tocsin pinned"}, {"4", "event milestone", "alice acknowledged the incident"},
		{"8", "event milestone", "alice marked the incident mitigated"},
	} {
		if !strings.Contains(tl, `<li id="event-`+want.seq+`" class="`+want.class+`">`) {
			t.Errorf("event %s is not marked %q", want.seq, want.class)
		}
		if !strings.Contains(items[mustAtoi(t, want.seq)-1], want.text) {
			t.Errorf("event %s lacks %q", want.seq, want.text)
		}
	}
	wantContains(t, body, `id="show-system"`, "Show tocsin's bookkeeping (2 events)",
		`href="https://slack.com/app_redirect?channel=C1"`, `<span class="status st-mitigated">mitigated</span>`,
		"2025-03-10 10:20:00 UTC <span class=\"muted\">(breach)</span>")
}

func mustAtoi(tb testing.TB, s string) int {
	tb.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestDashboard_IncidentErrors(t *testing.T) {
	src := seededSource(t)
	mux := newMux(src)
	for target, want := range map[string]int{
		"/incidents/abc": http.StatusBadRequest,
		"/incidents/0":   http.StatusBadRequest,
		"/incidents/99":  http.StatusNotFound,
		"/nope":          http.StatusNotFound,
	} {
		resp, body := get(t, mux, target)
		if resp.StatusCode != want || !strings.Contains(body, "<h1>") {
			t.Errorf("GET %s: status %d, want %d with an HTML page", target, resp.StatusCode, want)
		}
	}
	src.err = errStore
	for _, target := range []string{"/", "/incidents/1", "/metrics-view"} {
		resp, body := get(t, mux, target)
		if resp.StatusCode != http.StatusInternalServerError || strings.Contains(body, "on fire") {
			t.Errorf("GET %s with a failing store: status %d, want 500 without internals", target, resp.StatusCode)
		}
	}
}

func TestDashboard_Tampered(t *testing.T) {
	src := seededSource(t)
	src.incs[1].evs[4].Text = "nothing to see here"
	_, body := get(t, newMux(src), "/incidents/1")
	wantContains(t, body, `id="tampered"`, "does not verify", "event 5 was changed")
}

func TestDashboard_Escaping(t *testing.T) {
	mux := newMux(seededSource(t))
	for _, target := range []string{"/", "/incidents/2"} {
		_, body := get(t, mux, target)
		for _, raw := range []string{"<script>", "<!channel>", "<img", "<b>pay", "</pre><script>"} {
			if strings.Contains(body, raw) {
				t.Errorf("GET %s: %q is not escaped", target, raw)
			}
		}
		wantContains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt;")
	}
}

func TestDashboard_Metrics(t *testing.T) {
	mux := newMux(seededSource(t))
	body := mustGetOK(t, mux, "/metrics-view?since=90d")
	golden.Check(t, filepath.Join("testdata", "metrics.golden"), mainOf(t, body))
	if !strings.Contains(body, "&lt;b&gt;") {
		t.Error("the hostile service name is not shown escaped")
	}
	if resp, _ := get(t, mux, "/metrics-view?since=yesterday"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad window: status %d, want 400", resp.StatusCode)
	}
	_, body = get(t, mux, "/metrics-view?since=2025-01-01T00:00:00Z&until=2025-01-02T00:00:00Z")
	wantContains(t, body, "<strong>0</strong> incidents", "Nothing measured in this window.")
}

func TestDashboard_SecurityHeaders(t *testing.T) {
	mux := newMux(seededSource(t))
	reqs := map[string]*http.Request{
		"list":        withSession(t, mux, httptest.NewRequest("GET", "/", nil)),
		"incident":    withSession(t, mux, httptest.NewRequest("GET", "/incidents/1", nil)),
		"metrics":     withSession(t, mux, httptest.NewRequest("GET", "/metrics-view", nil)),
		"not found":   withSession(t, mux, httptest.NewRequest("GET", "/incidents/99", nil)),
		"bad id":      withSession(t, mux, httptest.NewRequest("GET", "/incidents/x", nil)),
		"redirect":    httptest.NewRequest("GET", "/", nil),
		"login form":  httptest.NewRequest("GET", "/login", nil),
		"login":       loginRequest("/login", testToken),
		"login wrong": loginRequest("/login", "nope"),
		"logout":      httptest.NewRequest("POST", "/logout", nil),
	}
	for name, r := range reqs {
		r.Header.Set("Origin", "http://example.com")
		resp, _ := serve(t, mux, r)
		h := resp.Header
		if got := h.Get("Content-Security-Policy"); got != contentSecurityPolicy {
			t.Errorf("%s: CSP %q", name, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: nosniff %q, referrer %q", name, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		for k := range h {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s: CORS header %s", name, k)
			}
		}
	}
	r := httptest.NewRequest("OPTIONS", "/api/incidents", nil)
	r.Header.Set("Origin", "null")
	r.Header.Set("Access-Control-Request-Method", "GET")
	if resp, _ := serve(t, mux, r); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("a CORS preflight was answered")
	}
}

// TestDashboard_NamesGolden keeps the incident page of an incident whose
// people are Slack ids, named by the directory.
func TestDashboard_NamesGolden(t *testing.T) {
	page := mustGetOK(t, namesMux(t), "/incidents/7")
	golden.Check(t, filepath.Join("testdata", "incident_names.golden"), mainOf(t, csrfValue.ReplaceAllString(page, `value="CSRF"`)))
}
