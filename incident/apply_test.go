package incident_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

var t0 = time.Date(2021, 12, 19, 23, 5, 5, 0, time.UTC)

// chain builds a real timeline the way the store does.
func chain(id incident.ID, evs ...incident.Event) []incident.Event {
	prev := ""
	for i := range evs {
		evs[i].Chain(id, i, prev)
		prev = evs[i].Hash
	}
	return evs
}

func scenario() []incident.Event {
	arn := "arn:aws:cloudwatch:us-east-2:1:alarm:api-5xx"
	return chain(7,
		incident.Event{Type: incident.EventOpened, At: t0, Actor: "alarm:api-5xx", Data: map[string]string{
			"title": "api 5xx", "severity": "SEV2", "service": "api", "group_key": "pb:alb:api", "source": "alarm",
			"started_at": incident.FormatTime(t0.Add(-4 * time.Minute)), "detected_at": incident.FormatTime(t0),
			"alarm_name": "api-5xx", "alarm_arn": arn, "state": "ALARM", "changed_at": incident.FormatTime(t0)}},
		incident.Event{Type: incident.EventAlarm, At: t0.Add(time.Minute), Actor: "alarm:api-5xx", Data: map[string]string{
			"alarm_name": "api-5xx", "alarm_arn": arn, "state": "OK", "changed_at": incident.FormatTime(t0.Add(time.Minute))}},
		incident.Event{Type: incident.EventAlarm, At: t0.Add(2 * time.Minute), Actor: "alarm:api-5xx", Data: map[string]string{
			"alarm_name": "api-5xx", "alarm_arn": arn, "state": "ALARM", "changed_at": incident.FormatTime(t0.Add(2 * time.Minute))}},
		incident.Event{Type: incident.EventAcknowledged, At: t0.Add(3 * time.Minute), Actor: "U1"},
		incident.Event{Type: incident.EventRole, At: t0.Add(3 * time.Minute), Actor: "U1", Data: map[string]string{"role": "commander", "user": "U1"}},
		incident.Event{Type: incident.EventSeverity, At: t0.Add(4 * time.Minute), Actor: "U1", Data: map[string]string{"severity": "SEV1"}},
		incident.Event{Type: incident.EventCorrected, At: t0.Add(5 * time.Minute), Actor: "U1", Data: map[string]string{"field": "started", "at": incident.FormatTime(t0.Add(-10 * time.Minute))}},
		incident.Event{Type: incident.EventMitigated, At: t0.Add(10 * time.Minute), Actor: "U1"},
		incident.Event{Type: incident.EventResolved, At: t0.Add(20 * time.Minute), Actor: "U1", Text: "rolled back"},
		incident.Event{Type: incident.EventReopened, At: t0.Add(30 * time.Minute), Actor: "U2", Text: "again"},
		incident.Event{Type: incident.EventResolved, At: t0.Add(40 * time.Minute), Actor: "U2"},
	)
}

func TestReplay(t *testing.T) {
	inc, err := incident.Replay(scenario())
	if err != nil {
		t.Fatal(err)
	}
	want := incident.Timestamps{
		StartedAt:      t0.Add(-10 * time.Minute),
		DetectedAt:     t0,
		AcknowledgedAt: t0.Add(3 * time.Minute),
		ResolvedAt:     t0.Add(40 * time.Minute),
	}
	if diff := cmp.Diff(want, inc.Timestamps); diff != "" {
		t.Errorf("timestamps (-want +got):\n%s", diff)
	}
	if inc.ID != 7 || inc.Status != incident.StatusResolved || inc.Severity != incident.SEV1 || inc.Reopens != 1 {
		t.Errorf("got id %v status %v sev %v reopens %d", inc.ID, inc.Status, inc.Severity, inc.Reopens)
	}
	if len(inc.Alarms) != 1 || inc.Alarms[0].Flaps != 1 || inc.Alarms[0].Alarms != 2 {
		t.Errorf("alarms = %+v, want one alarm, fired twice, one flap", inc.Alarms)
	}
	if inc.RoleHolder(incident.RoleCommander) != "U1" || inc.StartMethod != "corrected by U1" {
		t.Errorf("roles %v start method %q", inc.Roles, inc.StartMethod)
	}
	if d, ok := inc.Duration(incident.MTTR); !ok || d != 50*time.Minute {
		t.Errorf("MTTR = %v, %v; want 50m (the last resolution after the corrected start)", d, ok)
	}
	if _, ok := inc.Duration(incident.MTTM); ok {
		t.Error("MTTM present after a reopen cleared the mitigation; want missing")
	}
}

func TestReplay_OutOfOrderAlarm(t *testing.T) {
	evs := scenario()[:1]
	arn := evs[0].Data["alarm_arn"]
	late := incident.Event{Type: incident.EventAlarm, At: t0.Add(time.Minute), Data: map[string]string{
		"alarm_arn": arn, "state": "OK", "changed_at": incident.FormatTime(t0.Add(-time.Minute))}}
	late.Chain(7, 1, evs[0].Hash)
	inc, err := incident.Replay(append(evs, late))
	if err != nil {
		t.Fatal(err)
	}
	if inc.Alarms[0].State != incident.StateAlarm {
		t.Errorf("a late, older OK replaced the newer ALARM: %+v", inc.Alarms[0])
	}
}

func TestVerify_Tampered(t *testing.T) {
	cases := map[string]func([]incident.Event){
		"text changed":  func(e []incident.Event) { e[3].Text = "nothing to see" },
		"actor changed": func(e []incident.Event) { e[8].Actor = "U9" },
		"data changed":  func(e []incident.Event) { e[5].Data["severity"] = "SEV4" },
		"time changed":  func(e []incident.Event) { e[2].At = e[2].At.Add(time.Second) },
		"reordered":     func(e []incident.Event) { e[4], e[5] = e[5], e[4] },
		"rehashed edit": func(e []incident.Event) { e[3].Text = "x"; e[3].Hash = e[3].ComputeHash() },
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			evs := scenario()
			tamper(evs)
			if _, err := incident.Replay(evs); !errors.Is(err, incident.ErrTampered) {
				t.Errorf("Replay err = %v, want ErrTampered", err)
			}
		})
	}
	if err := incident.Verify(scenario()); err != nil {
		t.Errorf("untouched timeline: %v", err)
	}
}

func TestDuration_Missing(t *testing.T) {
	ts := incident.Timestamps{DetectedAt: t0}
	for _, m := range incident.MetricNames() {
		if d, ok := ts.Duration(m); ok {
			t.Errorf("%s = %v with StartedAt missing; want missing, never zero", m, d)
		}
	}
	ts = incident.Timestamps{StartedAt: t0, DetectedAt: t0.Add(-time.Minute)}
	if _, ok := ts.Duration(incident.MTTD); ok {
		t.Error("negative MTTD reported; want missing")
	}
}

func TestAlarmData_RoundTrip(t *testing.T) {
	th := 5.5
	a := incident.Alarm{Name: "api-5xx", ARN: "arn:aws:cloudwatch:us-east-1:1:alarm:api-5xx", Kind: incident.KindMetric,
		State: incident.StateAlarm, OldState: incident.StateOK, ChangedAt: t0, Reason: "Threshold Crossed", MessageID: "m1",
		FoundBy: "sns", Metric: incident.Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count", Stat: "Sum",
			Dimensions: []incident.Dimension{{Name: "LoadBalancer", Value: "app/web/1"}}}, Threshold: &th, Period: 60,
		Comparison: "GreaterThanThreshold", Metrics: []incident.Metric{{ID: "m1", Namespace: "AWS/ApplicationELB",
			Name: "RequestCount", Stat: "Sum", Period: 60, ReturnData: true}}}
	got, ok := incident.AlarmFromData(incident.Event{Type: incident.EventAlarm, At: t0, Data: incident.AlarmData(a)})
	if !ok {
		t.Fatal("not recognised as an alarm event")
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, ok := incident.AlarmFromData(incident.Event{Type: incident.EventNote, Data: incident.AlarmData(a)}); ok {
		t.Error("a note was taken for an alarm")
	}
}

func TestFiringCount(t *testing.T) {
	inc := incident.Incident{Alarms: []incident.LinkedAlarm{
		{ARN: "a", State: incident.StateAlarm}, {ARN: "b", State: incident.StateOK}, {ARN: "c", State: incident.StateAlarm}}}
	if n, f := inc.FiringCount(), inc.Firing(); n != 2 || len(f) != 2 || f[0].ARN != "a" || f[1].ARN != "c" {
		t.Errorf("FiringCount %d, Firing %+v; want 2: a and c in joining order", n, f)
	}
}

func TestReplay_ChecklistAnnouncementUpdate(t *testing.T) {
	tick := func(item, done string) incident.Event {
		return incident.Event{Type: incident.EventChecklist, At: t0, Actor: "U1", Data: map[string]string{"item": item, "done": done}}
	}
	evs := chain(7, scenario()[0],
		incident.Event{Type: incident.EventAnnounced, At: t0, Actor: "tocsin", Data: map[string]string{"channel": "C1", "ts": "1.5"}},
		tick("0", "true"), tick("2", "true"), tick("0", "false"), tick("x", "true"),
		incident.Event{Type: incident.EventStatusUpdate, At: t0.Add(time.Minute), Actor: "U2", Text: "rolled back"})
	inc, err := incident.Replay(evs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[int]bool{2: true}, inc.Ticked); diff != "" {
		t.Errorf("ticked (-want +got):\n%s", diff)
	}
	if want := (incident.Update{Text: "rolled back", By: "U2", At: t0.Add(time.Minute)}); inc.LastUpdate != want {
		t.Errorf("last update = %+v, want %+v", inc.LastUpdate, want)
	}
	if inc.Channel.AnnounceChannel != "C1" || inc.Channel.AnnounceTS != "1.5" {
		t.Errorf("announcement = %+v", inc.Channel)
	}
}
