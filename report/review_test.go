package report

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/golden"
	"github.com/tocsin-dev/tocsin/incident"
)

var reviewNow = time.Date(2021, 12, 21, 9, 0, 0, 0, time.UTC)

func hm(h, m, s int) time.Time { return time.Date(2021, 12, 19, h, m, s, 0, time.UTC) }

// inc42 is a full, real timeline: an alarm opens the incident, people
// acknowledge, raise the severity, run a runbook, correct the start, resolve,
// reopen and resolve again.
func inc42(tb testing.TB) *timeline {
	arn := "arn:aws:cloudwatch:us-east-2:123456789012:alarm:api-5xx"
	return newTimeline(tb, 42).
		add(hm(23, 5, 5), incident.EventOpened, "tocsin", "", "title", "API 5xx > 5% | checkout <!channel>", "severity", "SEV3",
			"service", "api", "source", "alarm", "playbook", "api-default", "alarm_name", "api-5xx", "alarm_arn", arn, "state", "ALARM",
			"started_at", incident.FormatTime(hm(23, 1, 5)), "detected_at", incident.FormatTime(hm(23, 5, 5)), "start_method", "breach-start").
		add(hm(23, 5, 10), incident.EventChannel, "tocsin", "", "channel_id", "C42", "channel_name", "inc-42-api-5xx").
		add(hm(23, 5, 11), incident.EventHeader, "tocsin", "", "ts", "1639955111.000100").
		add(hm(23, 6, 0), incident.EventEscalated, "tocsin", "", "step", "1", "targets", "U111").
		add(hm(23, 9, 30), incident.EventAcknowledged, "U111", "").
		add(hm(23, 10, 0), incident.EventRole, "U111", "", "role", "commander", "user", "U111").
		add(hm(23, 11, 0), incident.EventSeverity, "U111", "", "severity", "SEV2", "previous", "SEV3").
		add(hm(23, 12, 0), incident.EventNote, "U222", "Deploy 1234 went out at 22:58, suspect it. cc <@U999> *now* _pls_").
		add(hm(23, 13, 0), incident.EventRunbook, "U111", "", "run", "r-1", "runbook", "restart-api", "step", "requested").
		add(hm(23, 14, 0), incident.EventRunbook, "U333", "", "run", "r-1", "runbook", "restart-api", "step", "approved").
		add(hm(23, 14, 5), incident.EventRunbook, "tocsin", "", "run", "r-1", "runbook", "restart-api", "step", "started").
		add(hm(23, 16, 0), incident.EventRunbook, "tocsin", "", "run", "r-1", "runbook", "restart-api", "step", "finished", "status", "Success").
		add(hm(23, 17, 0), incident.EventAlarm, "tocsin", "", "alarm_name", "api-5xx", "alarm_arn", arn, "state", "OK", "old_state", "ALARM",
			"changed_at", incident.FormatTime(hm(23, 16, 50)), "found_by", "sns", "namespace", "AWS/ApiGateway", "metric", "5XXError").
		add(hm(23, 17, 1), incident.EventRecovered, "tocsin", "").
		add(hm(23, 20, 0), incident.EventMitigated, "U111", "").
		add(hm(23, 25, 0), incident.EventStatusUpdate, "U111", "Rolled back deploy 1234; errors back to baseline.").
		add(hm(23, 30, 0), incident.EventCorrected, "U111", "", "field", "started", "at", incident.FormatTime(hm(23, 0, 0)),
			"previous", incident.FormatTime(hm(23, 1, 5))).
		add(hm(23, 40, 0), incident.EventFollowup, "U222", "Add a canary | for checkout").
		add(hm(23, 41, 0), incident.EventFollowup, "U111", "Alert on deploy error rate").
		add(hm(24, 12, 0), incident.EventResolved, "U111", "Rolled back deploy 1234").
		add(hm(24, 30, 0), incident.EventReopened, "U222", "errors again").
		add(hm(24, 35, 0), incident.EventRunbook, "U222", "", "run", "r-2", "runbook", "flush-cache", "step", "requested").
		add(hm(24, 36, 0), incident.EventRunbook, "U333", "", "run", "r-2", "runbook", "flush-cache", "step", "denied").
		add(hm(24, 45, 0), incident.EventResolved, "U222", "Purged the bad cache entries.\nWatching for an hour.").
		add(hm(34, 0, 0), incident.EventClosed, "U111", "")
}

// declared7 is a declared incident that is still open, with most
// timestamps missing.
func declared7(tb testing.TB) *timeline {
	return newTimeline(tb, 7).
		add(hm(10, 0, 0), incident.EventOpened, "U5", "", "title", "Checkout is slow", "severity", "sev4", "source", "declared").
		add(hm(10, 2, 0), incident.EventNote, "U5", "# not a heading\n- not a list").
		add(hm(10, 3, 0), incident.EventRunbook, "U5", "", "run", "r-9", "runbook", "dump-threads", "step", "requested")
}

// relatedTo42 are incidents around INC-42: two related (one shared its
// alarm, one its service), one on another service, one too long before.
func relatedTo42(tb testing.TB) []incident.Incident {
	arn := "arn:aws:cloudwatch:us-east-2:123456789012:alarm:api-5xx"
	day := 24 * time.Hour
	return []incident.Incident{
		{ID: 40, Title: "API 5xx > 5%", Severity: incident.SEV3, Status: incident.StatusClosed,
			Alarms: []incident.LinkedAlarm{{Name: "api-5xx", ARN: arn}}, Timestamps: incident.Timestamps{StartedAt: hm(23, 0, 0).Add(-2 * day)}},
		{ID: 41, Title: "Slow API", Severity: incident.SEV2, Status: incident.StatusResolved, Service: "api",
			Timestamps: incident.Timestamps{StartedAt: hm(23, 0, 0).Add(10 * day)}},
		{ID: 39, Title: "Search down", Severity: incident.SEV1, Status: incident.StatusResolved, Service: "search",
			Timestamps: incident.Timestamps{StartedAt: hm(23, 0, 0).Add(-day)}},
		{ID: 10, Title: "Old API outage", Severity: incident.SEV1, Status: incident.StatusClosed, Service: "api",
			Timestamps: incident.Timestamps{StartedAt: hm(23, 0, 0).Add(-60 * day)}},
	}
}

func TestReview_Golden(t *testing.T) {
	i42 := inc42(t)
	tests := []struct {
		name string
		tl   *timeline
		opts ReviewOptions
	}{
		{"review_inc42.golden", i42, ReviewOptions{Names: testNames, Related: Related(i42.incident(), relatedTo42(t)),
			Dashboard: "https://tocsin.example.com/", Graph: true}},
		{"review_declared_open.golden", declared7(t), ReviewOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Review(tt.tl.incident(), tt.tl.events, reviewNow, tt.opts)
			golden.Check(t, filepath.Join("testdata", tt.name), got)
			withoutMarkers := strings.NewReplacer(HumanStart, "", HumanEnd, "").Replace(got)
			for _, bad := range []string{"<!channel>", "<@U999>", "<!", "<@"} {
				if strings.Contains(withoutMarkers, bad) {
					t.Errorf("review contains %q: a mention would notify people", bad)
				}
			}
		})
	}
}

func TestMD(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"<!channel> now", "&lt;!channel&gt; now"},
		{"ping <@U123ABC>", "ping &lt;@U123ABC&gt;"},
		{"a | b", `a \| b`},
		{"*bold* _it_ `code` [link](x) ~s~", "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x) \\~s\\~"},
		{"# heading", `\# heading`},
		{"- item", `\- item`},
		{"12. item", `12\. item`},
		{"2021 was fine", "2021 was fine"},
		{"one\ntwo\r\nthree", "one two three"},
		{`back\slash & <b>`, `back\\slash &amp; &lt;b&gt;`},
	}
	for _, tt := range tests {
		if got := md(tt.in); got != tt.want {
			t.Errorf("md(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOffset(t *testing.T) {
	base := hm(23, 1, 5)
	for at, want := range map[time.Time]string{
		hm(23, 1, 5): "T+0s", hm(23, 1, 50): "T+45s", hm(23, 4, 30): "T+3m25s", hm(23, 0, 0): "T-1m05s",
		hm(24, 2, 4): "T+1h00m59s", hm(49, 1, 5): "T+26h00m00s",
	} {
		if got := Offset(at, base); got != want {
			t.Errorf("Offset(%v) = %q, want %q", at, got, want)
		}
	}
}
