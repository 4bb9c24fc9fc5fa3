package intake

import (
	"strings"
	"testing"
)

// TestHandler_refusalsLoggedSampled: a flood of refused messages from one
// client is counted in full but logged once a second, so junk cannot flood
// the log.
func TestHandler_refusalsLoggedSampled(t *testing.T) {
	r := newRig(t, nil)
	for i := range 200 {
		env := with(r.f.sign(t, "2", notification("hi")), "TopicArn", otherTopic)
		env["MessageId"] = strings.Repeat("x", i+1)
		if w := r.post(t, env); w.Code != 403 {
			t.Fatalf("refusal %d: %d", i, w.Code)
		}
	}
	if n := strings.Count(r.logs.String(), "sns message refused"); n != 1 {
		t.Errorf("log lines for 200 refusals in one second = %d, want 1", n)
	}
	if n := r.counted(t, TypeNotification, "unknown_topic"); n != 200 {
		t.Errorf("refusals counted = %v, want 200", n)
	}
}
