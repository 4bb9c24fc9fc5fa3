package demo

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/intake"
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

// reasonTime is how CloudWatch writes datapoint times in a state reason.
const reasonTime = "02/01/06 15:04:05"

var comparisonWords = map[string]string{
	"GreaterThanOrEqualToThreshold": "greater than or equal to",
	"GreaterThanThreshold":          "greater than",
}

// reason is the NewStateReason CloudWatch writes for a change at t: for
// ALARM the three breaching minutes since breachStart(t0), for OK the
// newest minute back at the normal level.
func (a demoAlarm) reason(state string, t0, at time.Time) string {
	th := strconv.FormatFloat(a.Threshold, 'f', 1, 64)
	if state == sim.CWStateOK {
		v := strconv.FormatFloat(a.value(a.Normal, 0), 'f', -1, 64)
		return fmt.Sprintf("Threshold Crossed: 1 out of the last %d datapoints [%s (%s)] was not %s the threshold (%s) (minimum 1 datapoint for ALARM -> OK transition).",
			demoEvals, v, at.UTC().Truncate(time.Minute).Format(reasonTime), comparisonWords[a.Comparison], th)
	}
	start, points := breachStart(t0), a.series(t0)
	var dps []string
	for i := len(points) - 1; i >= 0 && len(dps) < demoEvals; i-- {
		if p := points[i]; !p.T.Before(start) && !p.T.After(start.Add(time.Duration(demoEvals-1)*time.Minute)) {
			dps = append(dps, fmt.Sprintf("%s (%s)", strconv.FormatFloat(p.V, 'f', -1, 64), p.T.UTC().Format(reasonTime)))
		}
	}
	return fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints [%s] were %s the threshold (%s) (minimum %d datapoints for OK -> ALARM transition).",
		len(dps), demoEvals, strings.Join(dps, ", "), comparisonWords[a.Comparison], th, demoEvals)
}

// message is the alarm notification CloudWatch publishes to SNS.
func (a demoAlarm) message(state, old, reason string, at time.Time) string {
	dims := make([]map[string]string, len(a.Dims))
	for i, d := range a.Dims {
		dims[i] = map[string]string{"value": d[1], "name": d[0]}
	}
	var unit any
	if a.Unit != "" {
		unit = a.Unit
	}
	m := map[string]any{
		"AlarmName": a.Name, "AlarmDescription": nil, "AWSAccountId": demoAccount,
		"AlarmConfigurationUpdatedTimestamp": at.Add(-30 * 24 * time.Hour).UTC().Format(intake.StateChangeLayout),
		"NewStateValue":                      state, "NewStateReason": reason,
		"StateChangeTime": at.UTC().Format(intake.StateChangeLayout), "Region": demoRegionName,
		"AlarmArn": a.arn(), "OldStateValue": old,
		"OKActions": []string{demoTopic}, "AlarmActions": []string{demoTopic}, "InsufficientDataActions": []string{},
		"Trigger": map[string]any{"MetricName": a.Metric, "Namespace": a.Namespace, "StatisticType": "Statistic",
			"Statistic": strings.ToUpper(a.Stat), "Unit": unit, "Dimensions": dims,
			"Period": demoPeriod, "EvaluationPeriods": demoEvals, "DatapointsToAlarm": demoEvals,
			"ComparisonOperator": a.Comparison, "Threshold": a.Threshold, "TreatMissingData": "missing",
			"EvaluateLowSampleCountPercentile": ""},
	}
	b, _ := json.Marshal(m) // maps of strings and numbers always encode
	return string(b)
}

// demoSNS signs notifications like SNS, with a key made for this run whose
// certificate sits in TOCSIN_SNS_CERT_DIR under the name of a real SNS
// certificate URL, so tocsin's URL and host checks apply unchanged.
type demoSNS struct {
	key     *rsa.PrivateKey
	certDir string
	certURL string
}

func newDemoSNS(certDir string) (*demoSNS, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("make the demo SNS key: %w", err)
	}
	now := time.Now()
	pem, err := intake.SelfSignedPEM(key, now.Add(-time.Hour), now.Add(7*24*time.Hour))
	if err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	name := "SimpleNotificationService-" + hex.EncodeToString(id) + ".pem"
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return nil, fmt.Errorf("write the demo SNS certificate: %w", err)
	}
	if err := os.WriteFile(filepath.Join(certDir, name), pem, 0o600); err != nil {
		return nil, fmt.Errorf("write the demo SNS certificate: %w", err)
	}
	return &demoSNS{key: key, certDir: certDir, certURL: "https://sns." + demoRegion + ".amazonaws.com/" + name}, nil
}

// envelope is a signed SNS Notification carrying message.
func (s *demoSNS) envelope(subject, message string) ([]byte, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	h := hex.EncodeToString(id)
	env, err := intake.SignEnvelope(s.key, "2", map[string]string{
		"Type": "Notification", "MessageId": h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32],
		"TopicArn": demoTopic, "Subject": subject, "Message": message,
		"Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
	})
	if err != nil {
		return nil, err
	}
	env["SigningCertURL"] = s.certURL
	env["UnsubscribeURL"] = "https://sns." + demoRegion + ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + demoTopic + ":demo"
	return json.Marshal(env)
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
	body, err := w.sns.envelope(subject, a.message(state, old, reason, at))
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodPost, w.base+"/sns", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("x-amz-sns-message-type", "Notification")
	req.Header.Set("x-amz-sns-topic-arn", demoTopic)
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver %s of %s: %w", state, a.Name, err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
