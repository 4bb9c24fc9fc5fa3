package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// TestEngine_DigestOnce: the digest for one scheduled time is enqueued once
// however often it is handed over (a restart before the schedule recorded
// its run), and a later week's digest is a new one.
func TestEngine_DigestOnce(t *testing.T) {
	h := newHarness(t)
	due := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	post := dispatch.DigestPost{Due: due, Channel: "CDIGEST", Text: "*Incident digest*", Chart: []byte("\x89PNG")}
	for range 3 {
		if err := h.engine.Digest(context.Background(), post); err != nil {
			t.Fatal(err)
		}
	}
	post.Due = due.Add(7 * 24 * time.Hour)
	if err := h.engine.Digest(context.Background(), post); err != nil {
		t.Fatal(err)
	}
	h.drain()
	n := 0
	for _, k := range h.slack.kinds {
		if k == dispatch.EffSlackDigest {
			n++
		}
	}
	if n != 2 {
		t.Errorf("digest effects performed = %d, want 2 (one a week)", n)
	}
	if err := h.engine.Digest(context.Background(), dispatch.DigestPost{Due: due}); err == nil {
		t.Error("a digest without channel and text was accepted")
	}
}
