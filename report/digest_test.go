package report

import (
	"bytes"
	"image/png"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/golden"
	"github.com/tocsin-dev/tocsin/incident"
)

func dt(day, h, m int) time.Time { return time.Date(2021, 12, day, h, m, 0, 0, time.UTC) }

// alarmOpened is the first event of an alarm-opened incident.
func alarmOpened(tl *timeline, at, started time.Time, alarm, title, sev, service string) *timeline {
	return tl.add(at, incident.EventOpened, "tocsin", "", "title", title, "severity", sev, "service", service,
		"source", "alarm", "alarm_name", alarm, "alarm_arn", "arn:aws:cloudwatch:us-east-2:1:alarm:"+alarm, "state", "ALARM",
		"started_at", incident.FormatTime(started), "detected_at", incident.FormatTime(at), "start_method", "breach-start")
}

func alarmState(tl *timeline, at time.Time, alarm, from, to string) *timeline {
	return tl.add(at, incident.EventAlarm, "tocsin", "", "alarm_name", alarm, "alarm_arn", "arn:aws:cloudwatch:us-east-2:1:alarm:"+alarm,
		"state", to, "old_state", from, "changed_at", incident.FormatTime(at))
}

// digestWeek is the week ending Monday 20 Dec 2021 09:00 in New York.
func digestWeek(t *testing.T) ([]incident.Incident, map[incident.ID][]incident.Event, time.Time, *time.Location) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	var tls []*timeline
	tls = append(tls, inc42(t))

	tl := alarmOpened(newTimeline(t, 43), dt(15, 10, 0), dt(15, 9, 58), "api-5xx", "API 5xx (flapping)", "SEV3", "api")
	alarmState(tl, dt(15, 10, 5), "api-5xx", "ALARM", "OK")
	alarmState(tl, dt(15, 10, 10), "api-5xx", "OK", "ALARM")
	alarmState(tl, dt(15, 10, 15), "api-5xx", "ALARM", "OK")
	alarmState(tl, dt(15, 10, 20), "api-5xx", "OK", "ALARM")
	alarmState(tl, dt(15, 10, 30), "api-5xx", "ALARM", "OK")
	tls = append(tls, tl.add(dt(15, 11, 0), incident.EventResolved, "U111", "flapping threshold"))

	tl = alarmOpened(newTimeline(t, 44), dt(14, 8, 0), dt(14, 7, 50), "db-cpu", "DB CPU", "SEV2", "db").
		add(dt(14, 8, 3), incident.EventAcknowledged, "U333", "").
		add(dt(14, 8, 5), incident.EventRunbook, "U333", "", "run", "r-3", "runbook", "restart-db", "step", "requested").
		add(dt(14, 8, 6), incident.EventRunbook, "tocsin", "", "run", "r-3", "runbook", "restart-db", "step", "started").
		add(dt(14, 8, 20), incident.EventRunbook, "tocsin", "", "run", "r-3", "runbook", "restart-db", "step", "finished", "status", "Failed").
		add(dt(14, 8, 30), incident.EventMitigated, "U333", "").
		add(dt(14, 9, 0), incident.EventResolved, "U333", "scaled up").
		add(dt(14, 9, 5), incident.EventFollowup, "U333", "Right-size the <db> & its cache")
	tls = append(tls, tl)

	tls = append(tls, newTimeline(t, 45).
		add(dt(16, 12, 0), incident.EventOpened, "U5", "", "title", "Checkout errors <!here>", "severity", "SEV1", "service", "checkout", "source", "declared").
		add(dt(16, 12, 5), incident.EventAcknowledged, "U5", "").
		add(dt(16, 13, 0), incident.EventFollowup, "U5", "Write the EU failover runbook"))

	tl = alarmOpened(newTimeline(t, 46), dt(17, 3, 0), dt(17, 3, 0), "queue-depth", "Queue backlog", "SEV4", "worker")
	for i, s := range []string{"OK", "ALARM", "OK", "ALARM", "OK", "ALARM"} {
		alarmState(tl, dt(17, 3, 10*(i+1)), "queue-depth", map[string]string{"OK": "ALARM", "ALARM": "OK"}[s], s)
	}
	tls = append(tls, tl.add(dt(17, 5, 0), incident.EventResolved, "U5", "auto-scaled"))

	tls = append(tls, alarmOpened(newTimeline(t, 40), dt(8, 12, 0), dt(8, 11, 55), "api-5xx", "API 5xx", "SEV2", "api").
		add(dt(8, 12, 10), incident.EventAcknowledged, "U111", "").
		add(dt(8, 14, 0), incident.EventResolved, "U111", ""))
	tls = append(tls, alarmOpened(newTimeline(t, 41), dt(10, 6, 0), dt(10, 5, 40), "db-cpu", "DB CPU", "SEV3", "db").
		add(dt(10, 6, 20), incident.EventAcknowledged, "U333", "").
		add(dt(10, 7, 0), incident.EventResolved, "U333", "").
		add(dt(10, 7, 5), incident.EventFollowup, "U333", "Tune the db-cpu threshold"))

	events := map[incident.ID][]incident.Event{}
	var incs []incident.Incident
	for _, tl := range tls {
		incs = append(incs, tl.incident())
		events[tl.id] = tl.events
	}
	nov3 := time.Date(2021, 11, 3, 10, 0, 0, 0, time.UTC)
	oct20 := time.Date(2021, 10, 20, 10, 0, 0, 0, time.UTC)
	incs = append(incs,
		incident.Incident{ID: 30, Severity: incident.SEV2, Service: "api", Timestamps: incident.Timestamps{StartedAt: nov3, DetectedAt: nov3, ResolvedAt: nov3.Add(3 * time.Hour)}},
		incident.Incident{ID: 31, Severity: incident.SEV3, Service: "api", Followups: []string{"too old to list"}, Timestamps: incident.Timestamps{StartedAt: oct20}},
	)
	return incs, events, time.Date(2021, 12, 20, 9, 0, 0, 0, ny), ny
}

func TestBuildDigest(t *testing.T) {
	incs, events, weekEnd, ny := digestWeek(t)
	d := BuildDigest(incs, events, weekEnd, ny, DigestOptions{Names: testNames, Dashboard: "https://tocsin.example.com"})

	if d.Incidents != 5 || d.LastWeekIncidents != 2 {
		t.Errorf("incidents %d and %d, want 5 this week and 2 the week before", d.Incidents, d.LastWeekIncidents)
	}
	// db-cpu's incident was acknowledged and mitigated: it led to action and
	// is not noise. One of api-5xx's two incidents did, the other not.
	wantAlarms := []AlarmNoise{
		{Name: "queue-depth", Fired: 4, Incidents: 1, Noise: 4},
		{Name: "api-5xx", Fired: 4, Incidents: 2, Acknowledged: 1, WithRunbook: 1, Actioned: 1, Noise: 3},
	}
	if diff := cmp.Diff(wantAlarms, d.NoisyAlarms); diff != "" {
		t.Errorf("noisy alarms (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(RunbookStats{Runs: 2, Succeeded: 1, Failed: 1}, d.Runbooks); diff != "" {
		t.Errorf("runbooks (-want +got):\n%s", diff)
	}
	// MTTD this week: 5m05s, 2m, 10m, 0s, 0s → mean 3m25s; last week 5m, 20m → 12m30s.
	mttd := d.Metrics[0]
	if change, ok := mttd.Change(); mttd.This.Mean != 205*time.Second || mttd.Last.Mean != 750*time.Second || !ok || change != -545*time.Second {
		t.Errorf("MTTD %+v, change %v", mttd, change)
	}
	if len(d.Trend) != trendWeeks || !d.Trend[7].Start.Equal(d.WeekStart) || d.Trend[1].Incidents != 1 {
		t.Errorf("trend %+v", d.Trend)
	}
	if got := d.Trend[2].Start.Sub(d.Trend[1].Start); got != 7*24*time.Hour+time.Hour {
		t.Errorf("the week across the end of daylight saving lasts %v, want 169h", got)
	}
	golden.Check(t, filepath.Join("testdata", "digest.golden"), d.Markdown())
}

func TestBuildDigest_Empty(t *testing.T) {
	d := BuildDigest(nil, nil, time.Date(2021, 12, 20, 9, 0, 0, 0, time.UTC), nil, DigestOptions{})
	golden.Check(t, filepath.Join("testdata", "digest_empty.golden"), d.Markdown())
}

func TestDigest_TrendPNG(t *testing.T) {
	incs, events, weekEnd, ny := digestWeek(t)
	for name, d := range map[string]Digest{
		"Full":  BuildDigest(incs, events, weekEnd, ny, DigestOptions{}),
		"Empty": BuildDigest(nil, nil, weekEnd, ny, DigestOptions{}),
	} {
		t.Run(name, func(t *testing.T) {
			b, err := d.TrendPNG()
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Size(); got.X != 800 || got.Y != 400 {
				t.Errorf("size %v, want 800x400", got)
			}
		})
	}
}
