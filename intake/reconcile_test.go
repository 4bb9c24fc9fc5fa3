package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

const arnPrefix = "arn:aws:cloudwatch:us-east-2:123456789012:alarm:"

// fakeAlarms answers DescribeAlarms: the firing alarms in pages (by
// NextToken) for StateValue ALARM, and the named ones otherwise.
type fakeAlarms struct {
	mu     sync.Mutex
	firing map[string]*cloudwatch.DescribeAlarmsOutput // by NextToken ("" first)
	named  map[string]types.MetricAlarm
	calls  []cloudwatch.DescribeAlarmsInput
}

func (f *fakeAlarms) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, *in)
	if in.StateValue == types.StateValueAlarm {
		return f.firing[deref(in.NextToken)], nil
	}
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, name := range in.AlarmNames {
		if m, ok := f.named[name]; ok {
			out.MetricAlarms = append(out.MetricAlarms, m)
		}
	}
	return out, nil
}

// dedupSink is a Sink that, like the real one, ignores a MessageID it saw.
type dedupSink struct {
	fakeSink
	seen map[string]bool
}

func (s *dedupSink) Alarm(ctx context.Context, a incident.Alarm) error {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[a.MessageID] {
		return nil
	}
	s.seen[a.MessageID] = true
	return s.fakeSink.Alarm(ctx, a)
}

var transitioned = at("2024-03-06T10:15:32Z")

func metricAlarm(name string, state types.StateValue, actions ...string) types.MetricAlarm {
	return types.MetricAlarm{
		AlarmName: ptr(name), AlarmArn: ptr(arnPrefix + name), AlarmDescription: ptr("about " + name),
		StateValue: state, StateReason: ptr("Threshold Crossed: 1 out of the last 1 datapoints [12.0 (06/03/24 10:14:00)] was greater than the threshold (5.0)."),
		StateTransitionedTimestamp: ptr(transitioned), StateUpdatedTimestamp: ptr(transitioned.Add(time.Hour)),
		MetricName: ptr("HTTPCode_Target_5XX_Count"), Namespace: ptr("AWS/ApplicationELB"), Statistic: types.StatisticSum,
		Dimensions: []types.Dimension{{Name: ptr("LoadBalancer"), Value: ptr("app/prod")}},
		Period:     ptr(int32(60)), EvaluationPeriods: ptr(int32(1)), Threshold: ptr(5.0),
		ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, AlarmActions: actions,
	}
}

func newFakeAlarms() *fakeAlarms {
	disabled := metricAlarm("actions-off", types.StateValueAlarm, testTopic)
	disabled.ActionsEnabled = ptr(false)
	return &fakeAlarms{
		firing: map[string]*cloudwatch.DescribeAlarmsOutput{
			"": {MetricAlarms: []types.MetricAlarm{
				metricAlarm("missed-alarm", types.StateValueAlarm, testTopic),
				metricAlarm("linked", types.StateValueAlarm, testTopic),
			}, NextToken: ptr("p2")},
			"p2": {MetricAlarms: []types.MetricAlarm{
				metricAlarm("not-ours", types.StateValueAlarm, otherTopic), disabled,
			}, CompositeAlarms: []types.CompositeAlarm{{
				AlarmName: ptr("missed-composite"), AlarmArn: ptr(arnPrefix + "missed-composite"), AlarmRule: ptr("ALARM(a)"),
				StateValue: types.StateValueAlarm, StateTransitionedTimestamp: ptr(transitioned), AlarmActions: []string{testTopic},
			}}},
		},
		named: map[string]types.MetricAlarm{"recovered: db": metricAlarm("recovered: db", types.StateValueOk)},
	}
}

func TestReconciler_Once(t *testing.T) {
	cw := newFakeAlarms()
	sink := &dedupSink{}
	open := []string{arnPrefix + "linked", arnPrefix + "recovered: db", arnPrefix + "deleted"}
	r := &Reconciler{CW: cw, Sink: sink, Topics: []string{testTopic},
		Open: func(context.Context) ([]string, error) { return open, nil }}
	for range 2 {
		if err := r.Once(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	id := func(name string) string {
		return fmt.Sprintf("reconcile:%s%s:%d", arnPrefix, name, transitioned.UnixNano())
	}
	var got [][2]string
	for _, a := range sink.alarms {
		got = append(got, [2]string{a.MessageID, string(a.State)})
	}
	want := [][2]string{{id("missed-alarm"), "ALARM"}, {id("missed-composite"), "ALARM"}, {id("recovered: db"), "OK"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alarms handed to the sink over two runs (-want +got):\n%s", diff)
	}
	wantFirst := incident.Alarm{
		Name: "missed-alarm", ARN: arnPrefix + "missed-alarm", Description: "about missed-alarm",
		AccountID: "123456789012", Region: "us-east-2", Kind: incident.KindMetric, State: incident.StateAlarm,
		Reason: *metricAlarm("x", "").StateReason, ChangedAt: transitioned,
		Metric: incident.Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count",
			Dimensions: dim("LoadBalancer", "app/prod"), Stat: "Sum", Period: 60},
		Threshold: f64(5), Comparison: "GreaterThanThreshold", Period: 60, EvaluationPeriods: 1,
		BreachStart: at("2024-03-06T10:14:00Z"), StartMethod: MethodReason, MessageID: id("missed-alarm"), FoundBy: "reconcile",
	}
	if diff := cmp.Diff(wantFirst, sink.alarms[0]); diff != "" {
		t.Errorf("converted alarm (-want +got):\n%s", diff)
	}
	checkDescribeCalls(t, cw.calls)
}

// checkDescribeCalls: both alarm types every time, pages followed, the
// open alarms not firing asked for by name.
func checkDescribeCalls(t *testing.T, calls []cloudwatch.DescribeAlarmsInput) {
	t.Helper()
	if len(calls) != 6 {
		t.Fatalf("%d DescribeAlarms calls; want 3 per run", len(calls))
	}
	for _, c := range calls {
		if diff := cmp.Diff([]types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm}, c.AlarmTypes); diff != "" {
			t.Errorf("AlarmTypes (-want +got):\n%s", diff)
		}
	}
	if deref(calls[1].NextToken) != "p2" {
		t.Errorf("second call NextToken = %q; want p2", deref(calls[1].NextToken))
	}
	if diff := cmp.Diff([]string{"deleted", "recovered: db"}, calls[2].AlarmNames); diff != "" {
		t.Errorf("AlarmNames (-want +got):\n%s", diff)
	}
}

func TestReconciler_Run(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cw := newFakeAlarms()
		r := &Reconciler{CW: cw, Sink: &dedupSink{}, Every: 5 * time.Minute,
			Open: func(context.Context) ([]string, error) { return nil, nil }}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		time.Sleep(12 * time.Minute)
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
		if n := len(cw.calls); n != 3*2 { // runs at 0, 5 and 10 minutes, two pages each
			t.Errorf("%d DescribeAlarms calls; want 6", n)
		}
	})
}

func TestReconciler_Once_errors(t *testing.T) {
	failing := func(context.Context) ([]string, error) { return nil, errors.New("store closed") }
	none := func(context.Context) ([]string, error) { return nil, nil }
	for _, tc := range []struct {
		name string
		r    *Reconciler
		says string
	}{
		{"Misconfigured", &Reconciler{}, "needs CW, Open and Sink"},
		{"OpenFails", &Reconciler{CW: newFakeAlarms(), Open: failing, Sink: &fakeSink{}}, "store closed"},
		{"DescribeFails", &Reconciler{CW: failingAlarms{}, Open: none, Sink: &fakeSink{}}, "describe alarms: throttled"},
		{"SinkFails", &Reconciler{CW: newFakeAlarms(), Open: none, Sink: &fakeSink{err: errors.New("disk full")}, Topics: []string{testTopic}},
			"hand reconciled alarm " + arnPrefix + "missed-composite to the sink: disk full"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.r.Once(t.Context()); err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Once = %v; want an error saying %q", err, tc.says)
			}
		})
	}
}

type failingAlarms struct{}

func (failingAlarms) DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	return nil, errors.New("throttled")
}
