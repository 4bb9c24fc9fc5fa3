package demo

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/golden"
	"github.com/tocsin-dev/tocsin/incident"
)

// What varies from one run of the demo to the next, and the stable text
// the golden review has in its place.
var reviewVariables = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`), "YYYY-MM-DD hh:mm:ss"},
	{regexp.MustCompile(`http://127\.0\.0\.1:\d+`), "http://127.0.0.1:PORT"},
	{regexp.MustCompile(`T[+-](\d+h)?(\d+m)?\d+s\b`), "T+<offset>"},
	{regexp.MustCompile(`\b(\d+h\d\dm|\d+m\d\ds|\d+s)\b`), "<duration>"},
}

// checkDemoReview compares INC-1's review draft, as uploaded to Slack, with
// testdata/review.golden (go test -run Demo -update rewrites it),
// after replacing what varies per run, and its metrics with the incident's
// timestamps.
func checkDemoReview(t *testing.T, s *demoSnapshot) {
	md := string(file(t, s, "inc-1-search-cpu-high", "inc-1-review.md").Data)
	inc := s.incidents[0]
	for _, m := range incident.MetricNames() {
		want := "missing"
		if d, ok := inc.Duration(m); ok {
			want = d.Round(time.Second).String()
		}
		row := regexp.MustCompile(`\| ` + m + ` \| (\S+) \|`).FindStringSubmatch(md)
		got := ""
		if row != nil {
			got = row[1]
			if d, err := time.ParseDuration(got); err == nil {
				got = d.String()
			}
		}
		if got != want {
			t.Errorf("the review's %s is %q; the incident's timestamps give %s", m, got, want)
		}
	}
	// The channel is created while the first run starts: its row's place
	// in the timeline varies. It must be there once; the golden file leaves
	// it out.
	row := regexp.MustCompile(`(?m)^\| [^|]+ \| [^|]+ \| tocsin created the Slack channel \\#inc-1-search-cpu-high \|\n`)
	if n := len(row.FindAllString(md, -1)); n != 1 {
		t.Errorf("the review lists the channel's creation %d times, want once", n)
	}
	md = row.ReplaceAllString(md, "")
	for _, v := range reviewVariables {
		md = v.re.ReplaceAllString(md, v.with)
	}
	golden.Check(t, filepath.Join("testdata", "review.golden"), md)
}

var narrationLine = regexp.MustCompile(`^ +\+\d+\.\ds  \S+ +\S`)

// checkDemoNarration: the newcomer's view. Every stand-in is labelled, the
// URLs are given, every step is narrated, and every line of the log has
// its time and actor.
func checkDemoNarration(t *testing.T, s *demoSnapshot, out string) {
	for _, want := range []string{
		"Slack Web API     http://127.0.0.1:", "(local stand-in)\n  SSM, CloudWatch", "Dashboard         " + s.base + "/",
		"sign in with the API token " + s.creds.apiToken, s.base + "/slack-view/", "demo-search-cpu", "after 15s",
		"cloudwatch search-cpu-high OK → ALARM, notified through SNS: POST /sns 200 OK",
		"tocsin     INC-1 opened by alarm search-cpu-high: SEV2, service search, playbook demo-search-cpu",
		"tocsin     INC-2: alarm checkout-alb-elb-5xx OK → ALARM", "tocsin     INC-2 severity SEV2 → SEV1 (3 alarms firing)",
		"slack      #inc-1-search-cpu-high created", "ssm        SendCommand AWS-RunShellScript",
		"tocsin     INC-1 not acknowledged after 15s: escalation step 1", "alice      /incident ack",
		"bob        /incident runbook restart-ec2-instance", "alice      clicks [Approve]",
		"ssm        StartAutomationExecution AWS-RestartEC2Instance with InstanceId=[" + demoInstance + "]",
		"automation", ": InProgress", ": Success", "uploaded inc-1-review.md", "2 incidents.", "Medians: MTTD ", "the metrics view (http://127.0.0.1:",
		"Summary (the scenario took",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the narration does not say %q", want)
		}
	}
	if n := strings.Count(out, "(local stand-in)"); n < 3 {
		t.Errorf("%d stand-ins labelled (local stand-in), want Slack, SSM/CloudWatch and SNS", n)
	}
	for i := 1; i <= 7; i++ {
		if !strings.Contains(out, "\n── "+string(rune('0'+i))+". ") {
			t.Errorf("step %d is not announced", i)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "+") && !narrationLine.MatchString(line) {
			t.Errorf("narration line without time and actor: %q", line)
		}
	}
}
