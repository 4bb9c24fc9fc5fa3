package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/app"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/store"
)

// seedStore writes one acknowledged incident, resolved at now, and
// optionally a digest last run into a new store file, as an earlier tocsin
// would have.
func seedStore(t *testing.T, path string, lastRun, now time.Time) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now = now.Add(10 * time.Minute)
	err = db.Update(context.Background(), func(tx incident.Tx) error {
		inc, err := tx.Open(incident.Event{Type: incident.EventOpened, At: now.Add(-time.Hour), Actor: "alarm:api-5xx", Data: map[string]string{
			"title": "api 5xx", "severity": "SEV2", "service": "api", "source": "alarm", "alarm_name": "api-5xx",
			"alarm_arn": "arn:aws:cloudwatch:us-east-1:1:alarm:api-5xx", "state": "ALARM",
			"started_at": incident.FormatTime(now.Add(-70 * time.Minute)), "detected_at": incident.FormatTime(now.Add(-time.Hour))}})
		if err != nil {
			return err
		}
		_, err = tx.Append(inc.ID, incident.Event{Type: incident.EventAcknowledged, At: now.Add(-50 * time.Minute), Actor: "U0ALICE"},
			incident.Event{Type: incident.EventResolved, At: now.Add(-10 * time.Minute), Actor: "U0ALICE"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !lastRun.IsZero() {
		if err := db.Put(context.Background(), app.DigestLastRunKey, []byte(lastRun.Format(time.RFC3339Nano))); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDigest_CatchesUpOnceAcrossRestarts: a digest missed while tocsin was
// down is sent once on start, and a restart does not send it again.
func TestDigest_CatchesUpOnceAcrossRestarts(t *testing.T) {
	// A Thursday: the day this test used to fail on when it read the wall clock.
	testDigestCatchUp(t, time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
}

// TestDigest_EveryWeekday runs the catch-up with tocsin's clock on each of
// the seven days of the week: the digest covers the last completed week
// whatever the day.
func TestDigest_EveryWeekday(t *testing.T) {
	monday := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for d := range 7 {
		now := monday.AddDate(0, 0, d)
		t.Run(now.Weekday().String(), func(t *testing.T) { testDigestCatchUp(t, now) })
	}
}

func testDigestCatchUp(t *testing.T, now time.Time) {
	h := New(t, Options{Slack: &sim.SlackOptions{Channels: []string{"eng-digest"}}, Now: Clock(now),
		Env: map[string]string{"TOCSIN_DIGEST_CHANNEL": "#eng-digest", "TOCSIN_DIGEST_SCHEDULE": "0 9 * * MON", "TOCSIN_TIMEZONE": "Europe/Berlin"}})
	ch, _ := h.Slack.ChannelByName("eng-digest")
	sched, err := report.NewSchedule("0 9 * * MON", "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	lastRun := now.Add(-9 * 24 * time.Hour)
	due, ok := sched.Due(lastRun, now)
	if !ok {
		t.Fatalf("no digest due at %s after %s", now, lastRun)
	}
	seedStore(t, h.Getenv("TOCSIN_DB"), lastRun, due.Add(-48*time.Hour)) // inside the week the digest covers
	h.Start()
	h.WaitFor("the digest", func() bool { return len(h.Slack.Messages(ch.ID)) > 0 })
	if m := h.Slack.Messages(ch.ID)[0]; !strings.Contains(m.Text, "Incident digest") || !strings.Contains(m.Text, "api-5xx") ||
		!strings.Contains(m.Text, "*Incidents:* 1 this week") {
		t.Errorf("digest text at %s: %q", now.Weekday(), m.Text)
	}
	h.WaitFor("the trend chart", func() bool { return len(h.Slack.Files()) == 1 })
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	h.Start()
	time.Sleep(500 * time.Millisecond) // a repeat would be sent at once on start
	h.Stop()
	digests := 0
	for _, m := range h.Slack.Messages(ch.ID) { // the chart's upload is a message of its own
		if strings.Contains(m.Text, "Incident digest") {
			digests++
		}
	}
	if digests != 1 || len(h.Slack.Files()) != 1 {
		t.Errorf("digests sent = %d (charts %d) across a restart, want 1", digests, len(h.Slack.Files()))
	}
}

// TestPublish_PutMetricData publishes the metrics to CloudWatch.
func TestPublish_PutMetricData(t *testing.T) {
	cw := sim.NewCloudWatch(sim.CloudWatchOptions{})
	h := New(t, Options{AWS: &sim.AWS{CloudWatch: cw}, Env: map[string]string{"TOCSIN_CLOUDWATCH_NAMESPACE": "Tocsin/Incidents"}})
	seedStore(t, h.Getenv("TOCSIN_DB"), time.Time{}, time.Now().Add(-48*time.Hour))
	h.Start()
	h.WaitFor("PutMetricData", func() bool { return len(cw.Datums("Tocsin/Incidents")) > 0 })
	got := map[string]bool{}
	for _, d := range cw.Datums("Tocsin/Incidents") {
		got[d.MetricName] = true
	}
	for _, m := range []string{"MTTD", "MTTA", "MTTR"} {
		if !got[m] {
			t.Errorf("no %s datum published: %v", m, got)
		}
	}
}
