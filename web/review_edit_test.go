package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// editor is a signed-in visitor of one dashboard, with its session's CSRF
// token read from the incident page as a browser would.
type editor struct {
	tb      testing.TB
	mux     http.Handler
	reviews *fakeReviews
	cookie  string
	csrf    string
	was     map[string]string // the "was" digest of each section's form
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	wasFields = regexp.MustCompile(`name="section" value="([^"]+)">\s*<input type="hidden" name="was" value="([^"]+)"`)
)

func newEditor(tb testing.TB) *editor {
	tb.Helper()
	cfg := testConfig(seededSource(tb))
	e := &editor{tb: tb, mux: muxFor(cfg), reviews: cfg.Reviews.(*fakeReviews)}
	e.cookie = mustSignIn(tb, e.mux)
	e.reload()
	return e
}

// reload reads the incident page and its forms' hidden fields.
func (e *editor) reload() string {
	e.tb.Helper()
	r := httptest.NewRequest("GET", "/incidents/1", nil)
	r.AddCookie(&http.Cookie{Name: cookieName, Value: e.cookie})
	resp, body := serve(e.tb, e.mux, r)
	if resp.StatusCode != http.StatusOK {
		e.tb.Fatalf("GET /incidents/1: %d", resp.StatusCode)
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		e.tb.Fatal("the incident page has no review form")
	}
	e.csrf, e.was = m[1], map[string]string{}
	for _, f := range wasFields.FindAllStringSubmatch(body, -1) {
		e.was[f[1]] = f[2]
	}
	return body
}

// post submits a section's form; change edits the form first.
func (e *editor) post(section, text string, change func(url.Values, *http.Request)) (*http.Response, string) {
	e.tb.Helper()
	form := url.Values{"csrf": {e.csrf}, "section": {section}, "was": {e.was[section]}, "text": {text}}
	r := httptest.NewRequest("POST", "/incidents/1/review", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://example.com")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(&http.Cookie{Name: cookieName, Value: e.cookie})
	if change != nil {
		change(form, r)
	}
	enc := form.Encode()
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(enc)), int64(len(enc))
	return serve(e.tb, e.mux, r)
}

func TestReviewEdit_Saves(t *testing.T) {
	e := newEditor(t)
	resp, _ := e.post("what went well", "The rollback was **quick**.\r\n\r\n- paging reached <b>alice</b>", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/incidents/1#review" {
		t.Fatalf("save: status %d, Location %q; want 303 to the review", resp.StatusCode, resp.Header.Get("Location"))
	}
	saved := e.reviews.saved[1]
	if !strings.Contains(saved, "## What went well\n\nThe rollback was **quick**.\n\n- paging reached <b>alice</b>\n<!-- /tocsin:human -->") {
		t.Errorf("the saved review lacks the section:\n%s", saved)
	}
	if !strings.Contains(saved, "_Replace this line: What slowed us down or made things worse?_") {
		t.Error("the other sections are not kept as they were")
	}
	body := e.reload()
	wantContains(t, body, "<p>The rollback was <strong>quick</strong>.</p>", "<li>paging reached &lt;b&gt;alice&lt;/b&gt;",
		">The rollback was **quick**.\n\n- paging reached &lt;b&gt;alice&lt;/b&gt;</textarea>")
	// The API's Markdown is the same merge.
	_, md := get(t, e.mux, "/api/incidents/1/review.md")
	if !strings.Contains(md, "The rollback was **quick**.") {
		t.Error("GET review.md does not show the edit")
	}
	// Emptying the section puts the prompt back.
	if resp, _ := e.post("what went well", "  ", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("empty save: status %d", resp.StatusCode)
	}
	wantContains(t, e.reload(), "<p><em>Replace this line: What helped us detect, respond or recover?</em></p>")
}

// TestReviewEdit_Refused checks that a forged, stale or bad submission is
// refused with a sentence and changes nothing.
func TestReviewEdit_Refused(t *testing.T) {
	other := newEditor(t) // another dashboard's session and token
	tests := []struct {
		name   string
		text   string
		change func(url.Values, *http.Request)
		status int
		says   string
	}{
		{"no token", "x", func(f url.Values, _ *http.Request) { f.Del("csrf") }, http.StatusForbidden, "did not come from your dashboard session"},
		{"wrong token", "x", func(f url.Values, _ *http.Request) { f.Set("csrf", "x"+f.Get("csrf")) }, http.StatusForbidden, "nothing was saved"},
		{"another session's token", "x", func(f url.Values, _ *http.Request) { f.Set("csrf", other.csrf) }, http.StatusForbidden, "nothing was saved"},
		{"cross-site", "x", func(_ url.Values, r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, http.StatusForbidden, "nothing was saved"},
		{"unknown section", "x", func(f url.Values, _ *http.Request) { f.Set("section", "summary") }, http.StatusBadRequest, "has no section"},
		{"marker in the text", "a\n<!-- /tocsin:human -->\nb", nil, http.StatusBadRequest, "section markers"},
		{"changed meanwhile", "my words", func(f url.Values, _ *http.Request) { f.Set("was", "0123") }, http.StatusConflict, "my words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEditor(t)
			resp, body := e.post("what went well", tt.text, tt.change)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.says) {
				t.Errorf("status %d, want %d with %q:\n%s", resp.StatusCode, tt.status, tt.says, body)
			}
			if e.reviews.saves != 0 {
				t.Errorf("a refused submission saved the review:\n%s", e.reviews.saved[1])
			}
		})
	}
	t.Run("bearer token", func(t *testing.T) {
		e := newEditor(t)
		resp, _ := e.post("what went well", "x", func(f url.Values, r *http.Request) {
			r.Header.Del("Cookie")
			r.Header.Set("Authorization", "Bearer "+testToken)
		})
		if resp.StatusCode != http.StatusForbidden || e.reviews.saves != 0 {
			t.Error("a form post without a session saved the review")
		}
	})
}
