package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestReview_SavedEditsSurviveRegeneration: people edit the draft and save
// it; later the draft is regenerated from a longer timeline, and what they
// wrote is still there.
func TestReview_SavedEditsSurviveRegeneration(t *testing.T) {
	h := Start(t, Options{})
	h.PostSNS(h.Notification("rev-1", AlarmMessage("search-5xx", "search", "ALARM", "OK", time.Now().Add(-time.Minute))))
	_, draft := h.Get("/api/incidents/INC-1/review.md", APIToken)
	const ours = "The on-call engineer had rehearsed this failover last week."
	edited := strings.Replace(draft, "_Replace this line: What helped us detect, respond or recover?_", ours, 1)
	if edited == draft {
		t.Fatalf("draft has no 'What went well' placeholder:\n%s", draft)
	}
	bearer := http.Header{"Authorization": {"Bearer " + APIToken}}
	if code, body := h.Do("PUT", "/api/incidents/INC-1/review.md", bearer, edited); code != http.StatusNoContent {
		t.Fatalf("save: %d %s", code, body)
	}
	h.PostSNS(h.Notification("rev-2", AlarmMessage("search-latency", "search", "ALARM", "OK", time.Now()))) // the timeline grows
	_, regenerated := h.Get("/api/incidents/INC-1/review.md", APIToken)
	if !strings.Contains(regenerated, ours) {
		t.Errorf("the saved text was overwritten:\n%s", regenerated)
	}
	if !strings.Contains(regenerated, "search-latency") {
		t.Errorf("the regenerated draft lacks the new timeline entry:\n%s", regenerated)
	}
	if code, _ := h.Do("PUT", "/api/incidents/INC-1/review.md", nil, edited); code != http.StatusUnauthorized {
		t.Errorf("saving without the token: %d, want 401", code)
	}
}
