package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestStorm_Small runs the whole benchmark on a small storm, so that CI
// keeps it working: build, sign, send, drain, check, report. It asserts
// what the benchmark itself checks and no timing (timings belong in
// BENCHMARKS.md, not in tests).
func TestStorm_Small(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs tocsin as a child")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, log bytes.Buffer
	err := run(ctx, []string{"-n", "400", "-alarms", "40", "-services", "2", "-duration", "1s",
		"-quiet", "1s", "-standby", "1", "-forged", "0.05", "-unowned", "4", "-storm-after", "2", "-json"}, &out, &log)
	if err != nil {
		t.Fatalf("storm: %v\n%s", err, log.String())
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	c := r.Check
	// 2 services, and 4 unowned alarms: 2 incidents of their own, then 1
	// storm incident.
	if !c.OK || c.Incidents != 5 || c.Acknowledged != r.Workload.Distinct || c.OnTimeline != c.Acknowledged {
		t.Errorf("check = %+v; want 5 incidents and every one of %d MessageIds on a timeline once", c, r.Workload.Distinct)
	}
	if r.Ack.Acknowledged != 400 || r.Slack.Limited429 != 0 || !r.Drain.Drained {
		t.Errorf("acknowledged %d of 400, %d 429s, drained %v", r.Ack.Acknowledged, r.Slack.Limited429, r.Drain.Drained)
	}
	if r.Workload.Forged != 20 || c.ForgedRefused != 20 || c.ForgedAccepted != 0 {
		t.Errorf("forged: %d sent, %d refused, %d not; want all 20 refused", r.Workload.Forged, c.ForgedRefused, c.ForgedAccepted)
	}
	if r.Slack.FromStandby < 1 || r.Slack.NoChannel != 0 {
		t.Errorf("%d incidents from standby (want at least 1), %d without a channel", r.Slack.FromStandby, r.Slack.NoChannel)
	}
	if r.PeakRSS <= 0 || r.Store.UsedBytes <= 0 || r.Ack.CPUSeconds <= 0 {
		t.Errorf("RSS %d, store used %d, CPU %.2f s: a measurement is missing", r.PeakRSS, r.Store.UsedBytes, r.Ack.CPUSeconds)
	}
}
