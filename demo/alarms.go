package demo

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// The demo's AWS account: one region, one topic, one instance.
const (
	demoAccount    = "123456789012"
	demoRegion     = "us-east-1"
	demoRegionName = "US East (N. Virginia)"
	demoTopic      = "arn:aws:sns:us-east-1:123456789012:tocsin-alarms"
	demoInstance   = "i-0abc123def4567890"
	demoLB         = "app/checkout/50dc6c495c0c9188"
	demoTG         = "targetgroup/checkout/73e2d6bc24d8a067"
	demoPeriod     = 60 // seconds
	demoEvals      = 3  // every demo alarm: 3 out of 3 datapoints
	// demoBreachLead is how long before the storm the metrics started to
	// breach: the impact start tocsin derives, and MTTD.
	demoBreachLead = 3 * time.Minute
)

// demoAlarm is a CloudWatch metric alarm of the demo, with the shape of its
// metric (a normal level, and a breaching one for the incident).
type demoAlarm struct {
	Name, Namespace, Metric, Stat, Comparison, Unit string
	Dims                                            [][2]string // in the order CloudWatch lists them
	Threshold, Normal, Breach                       float64
}

// demoAlarms: a search node's CPU, and the checkout load balancer that
// depends on it.
var demoAlarms = []demoAlarm{
	{Name: "search-cpu-high", Namespace: "AWS/EC2", Metric: "CPUUtilization", Stat: "Average", Unit: "Percent",
		Comparison: "GreaterThanOrEqualToThreshold", Threshold: 90, Normal: 34, Breach: 97,
		Dims: [][2]string{{"InstanceId", demoInstance}}},
	{Name: "checkout-alb-target-5xx", Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count", Stat: "Sum",
		Comparison: "GreaterThanOrEqualToThreshold", Threshold: 10, Normal: 1, Breach: 42,
		Dims: [][2]string{{"LoadBalancer", demoLB}}},
	{Name: "checkout-alb-elb-5xx", Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_ELB_5XX_Count", Stat: "Sum",
		Comparison: "GreaterThanOrEqualToThreshold", Threshold: 10, Normal: 0, Breach: 23,
		Dims: [][2]string{{"LoadBalancer", demoLB}}},
	{Name: "checkout-alb-latency-high", Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime", Stat: "Average", Unit: "Seconds",
		Comparison: "GreaterThanThreshold", Threshold: 1.5, Normal: 0.21, Breach: 3.4,
		Dims: [][2]string{{"LoadBalancer", demoLB}}},
	{Name: "checkout-alb-unhealthy-hosts", Namespace: "AWS/ApplicationELB", Metric: "UnHealthyHostCount", Stat: "Maximum",
		Comparison: "GreaterThanOrEqualToThreshold", Threshold: 1, Normal: 0, Breach: 3,
		Dims: [][2]string{{"TargetGroup", demoTG}, {"LoadBalancer", demoLB}}},
}

func demoAlarmNamed(name string) (demoAlarm, bool) {
	for _, a := range demoAlarms {
		if a.Name == name {
			return a, true
		}
	}
	return demoAlarm{}, false
}

func (a demoAlarm) arn() string {
	return "arn:aws:cloudwatch:" + demoRegion + ":" + demoAccount + ":alarm:" + a.Name
}

func (a demoAlarm) dims() map[string]string {
	m := map[string]string{}
	for _, d := range a.Dims {
		m[d[0]] = d[1]
	}
	return m
}

// value is the metric at minute i of a series: the level with a little
// deterministic wobble, so graphs look like graphs.
func (a demoAlarm) value(level float64, i int) float64 {
	v := level * (1 + 0.06*math.Sin(float64(i)*1.7))
	if a.Stat == "Sum" || a.Stat == "Maximum" {
		v = math.Round(v)
	}
	return math.Round(v*100) / 100
}

// breachStart is the first breaching minute of a storm at t0.
func breachStart(t0 time.Time) time.Time {
	return t0.Truncate(time.Minute).Add(-demoBreachLead)
}

// series is the metric for the 90 minutes before t0: normal, then
// breaching from breachStart(t0) on.
func (a demoAlarm) series(t0 time.Time) []sim.CWPoint {
	from, start := t0.Truncate(time.Minute).Add(-90*time.Minute), breachStart(t0)
	var out []sim.CWPoint
	for i, t := 0, from; !t.After(t0); i, t = i+1, t.Add(time.Minute) {
		level := a.Normal
		if !t.Before(start) {
			level = a.Breach
		}
		out = append(out, sim.CWPoint{T: t, V: a.value(level, i)})
	}
	return out
}

// seedCloudWatch puts the demo's alarms in the CloudWatch stand-in: OK,
// publishing to the demo topic. Their metrics are put when they fire.
func seedCloudWatch(cw *sim.CloudWatch, t0 time.Time) {
	for _, a := range demoAlarms {
		cw.PutAlarm(sim.CWAlarm{Name: a.Name, ARN: a.arn(), Namespace: a.Namespace, MetricName: a.Metric,
			Dimensions: a.dims(), Statistic: a.Stat, Threshold: a.Threshold, ComparisonOperator: a.Comparison,
			Period: demoPeriod, EvaluationPeriods: demoEvals, DatapointsToAlarm: demoEvals,
			AlarmActions: []string{demoTopic}, OKActions: []string{demoTopic},
			StateTransitioned: t0.Add(-2 * time.Hour)})
	}
}

// seedSSM sets what the diagnostics print on the instance (automations
// report their steps).
func seedSSM(s *sim.SSM) {
	s.SetOutcome("AWS-RunShellScript", demoInstance, sim.SSMOutcome{Stdout: strings.Join([]string{
		" 14:02:11 up 41 days,  3:12,  0 users,  load average: 15.82, 14.97, 9.40",
		"Filesystem      Size  Used Avail Use% Mounted on",
		"/dev/nvme0n1p1   50G   31G   20G  61% /",
		"               total        used        free      shared  buff/cache   available",
		"Mem:           15875       14990         201          12         684         612",
		"  PID USER      PR  NI    VIRT    RES  %CPU %MEM     TIME+ COMMAND",
		" 2318 search    20   0   12.1g  11.2g  1564  70.6 812:44.18 java -Xmx10g -jar search-indexer.jar",
	}, "\n") + "\n"})
}

// reason is the NewStateReason CloudWatch writes for a change at t: for
// ALARM the three breaching minutes since breachStart(t0), for OK the
// newest minute back at the normal level.
func (a demoAlarm) reason(state string, t0, at time.Time) string {
	th := strconv.FormatFloat(a.Threshold, 'f', 1, 64)
	if state == sim.CWStateOK {
		v := strconv.FormatFloat(a.value(a.Normal, 0), 'f', -1, 64)
		return fmt.Sprintf("Threshold Crossed: 1 out of the last %d datapoints [%s (%s)] was not %s the threshold (%s) (minimum 1 datapoint for ALARM -> OK transition).",
			demoEvals, v, sim.CWReasonTime(at.Truncate(time.Minute)), sim.CWComparisonWords(a.Comparison), th)
	}
	start, points := breachStart(t0), a.series(t0)
	var dps []string
	for i := len(points) - 1; i >= 0 && len(dps) < demoEvals; i-- {
		if p := points[i]; !p.T.Before(start) && !p.T.After(start.Add(time.Duration(demoEvals-1)*time.Minute)) {
			dps = append(dps, fmt.Sprintf("%s (%s)", strconv.FormatFloat(p.V, 'f', -1, 64), sim.CWReasonTime(p.T)))
		}
	}
	return fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints [%s] were %s the threshold (%s) (minimum %d datapoints for OK -> ALARM transition).",
		len(dps), demoEvals, strings.Join(dps, ", "), sim.CWComparisonWords(a.Comparison), th, demoEvals)
}

// message is the alarm notification CloudWatch publishes to SNS.
func (a demoAlarm) message(state, old, reason string, at time.Time) string {
	return sim.CWAlarmMessage{Name: a.Name, AccountID: demoAccount, Region: demoRegionName, ARN: a.arn(),
		State: state, OldState: old, Reason: reason, ChangedAt: at, ConfiguredAt: at.Add(-30 * 24 * time.Hour),
		Namespace: a.Namespace, MetricName: a.Metric, Statistic: strings.ToUpper(a.Stat), Unit: a.Unit, Dimensions: a.Dims,
		Period: demoPeriod, EvaluationPeriods: demoEvals, DatapointsToAlarm: demoEvals,
		ComparisonOperator: a.Comparison, Threshold: a.Threshold,
		OKActions: []string{demoTopic}, AlarmActions: []string{demoTopic}}.JSON()
}

// newDemoSNS is the demo's SNS: a key made for this run whose certificate
// sits in TOCSIN_SNS_CERT_DIR under the name of a real SNS certificate URL,
// so tocsin's URL and host checks apply unchanged.
func newDemoSNS(certDir string) (*sim.SNSFeed, error) {
	feed, err := sim.NewSNSFeed(sim.SNSFeedOptions{CertDir: certDir, Region: demoRegion, TopicARN: demoTopic})
	if err != nil {
		return nil, fmt.Errorf("make the demo's SNS signing key: %w", err)
	}
	return feed, nil
}

// alarm moves a demo alarm to state in the CloudWatch stand-in, with the
// metric to match (breaching since breachStart(t0) for ALARM, back to normal
// now for OK), and delivers the notification to tocsin's /sns as SNS would,
// returning the HTTP status. t0 is the time of the storm.
func (w *demoWorld) alarm(a demoAlarm, state string, t0 time.Time) (int, error) {
	old, at := sim.CWStateOK, time.Now()
	points := a.series(t0)
	if state == sim.CWStateOK {
		old, points = sim.CWStateAlarm, append(points, sim.CWPoint{T: at, V: a.value(a.Normal, 0)})
	}
	w.cw.PutSeries(a.Namespace, a.Metric, a.dims(), points)
	reason := a.reason(state, t0, at)
	if err := w.cw.SetAlarmState(a.Name, state, reason, at); err != nil {
		return 0, err
	}
	subject := fmt.Sprintf("%s: %q in %s", state, a.Name, demoRegionName)
	body, err := w.sns.Notification("", subject, a.message(state, old, reason, at))
	if err != nil {
		return 0, err
	}
	code, _, err := sim.PostSNS(context.Background(), w.client, w.base+"/sns", body)
	if err != nil {
		return 0, fmt.Errorf("deliver %s of %s: %w", state, a.Name, err)
	}
	return code, nil
}
