package e2e

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// TestGraph_PostedOnOpen: when an alarm opens an incident, tocsin fetches the
// alarm's metric around the breach from CloudWatch (the stand-in speaks the
// SDK's CBOR protocol) and uploads a PNG of 800x400 into the channel. The
// image is kept in .artifacts/ for a look by eye.
func TestGraph_PostedOnOpen(t *testing.T) {
	cw := sim.NewCloudWatch(sim.CloudWatchOptions{})
	h := Start(t, Options{Slack: &sim.SlackOptions{}, AWS: &sim.AWS{CloudWatch: cw}})
	h.MustPostSNS(h.Notification("graph-1", AlarmMessage("orders-5xx", "orders", "ALARM", "OK", time.Now().Add(-time.Minute))))
	h.WaitFor("the graph shared in the channel", func() bool { return len(h.Slack.Files()) > 0 && h.Slack.Files()[0].Channel != "" })
	f := h.Slack.Files()[0]
	img, err := png.Decode(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatalf("uploaded %s is not a PNG: %v", f.Name, err)
	}
	if b := img.Bounds(); b.Dx() != 800 || b.Dy() != 400 {
		t.Errorf("graph is %dx%d, want 800x400", b.Dx(), b.Dy())
	}
	if !strings.HasSuffix(f.Name, ".png") || f.Channel == "" {
		t.Errorf("file %q shared to %q", f.Name, f.Channel)
	}
	called := map[string]bool{}
	for _, c := range cw.Calls() {
		called[c.Op] = true
	}
	if !called["GetMetricWidgetImage"] && !called["GetMetricData"] {
		t.Errorf("CloudWatch was not asked for the metric: %v", cw.Calls())
	}
	// The dashboard serves the same graph, which the review embeds.
	code, body := h.Get("/incidents/1/graph.png", APIToken)
	if _, err := png.Decode(strings.NewReader(body)); code != 200 || err != nil {
		t.Errorf("GET /incidents/1/graph.png: %d, %v", code, err)
	}
	if _, md := h.Get("/api/incidents/INC-1/review.md", APIToken); !strings.Contains(md, "](/incidents/1/graph.png)") {
		t.Errorf("the review does not embed the graph:\n%s", md)
	}
	dir := os.Getenv("TOCSIN_ARTIFACTS")
	if dir == "" {
		dir = ".artifacts" // beside the test; git ignores it
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "incident-graph.png"), f.Data, 0o644)
}
