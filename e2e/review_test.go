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
	f, base := startSNSServer(t)
	f.post(t, f.body(t, "rev-1", alarmJSON("search-5xx", "search", "ALARM", "OK", time.Now().Add(-time.Minute))))
	_, draft := get(t, base+"/api/incidents/INC-1/review.md", "test-token-0123")
	const ours = "The on-call engineer had rehearsed this failover last week."
	edited := strings.Replace(draft, "_Replace this line: What helped us detect, respond or recover?_", ours, 1)
	if edited == draft {
		t.Fatalf("draft has no 'What went well' placeholder:\n%s", draft)
	}
	req, _ := http.NewRequest("PUT", base+"/api/incidents/INC-1/review.md", strings.NewReader(edited))
	req.Header.Set("Authorization", "Bearer test-token-0123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("save: %v %v", resp, err)
	}
	f.post(t, f.body(t, "rev-2", alarmJSON("search-latency", "search", "ALARM", "OK", time.Now()))) // the timeline grows
	_, regenerated := get(t, base+"/api/incidents/INC-1/review.md", "test-token-0123")
	if !strings.Contains(regenerated, ours) {
		t.Errorf("the saved text was overwritten:\n%s", regenerated)
	}
	if !strings.Contains(regenerated, "search-latency") {
		t.Errorf("the regenerated draft lacks the new timeline entry:\n%s", regenerated)
	}
	req, _ = http.NewRequest("PUT", base+"/api/incidents/INC-1/review.md", strings.NewReader(edited))
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("saving without the token: %d, want 401", resp.StatusCode)
	}
}
