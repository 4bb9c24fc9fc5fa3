package intake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/incident"
)

func TestBreachStart(t *testing.T) {
	changed := at("2024-03-06T10:15:40.002Z")
	for _, tc := range []struct {
		name       string
		a          incident.Alarm
		file       string // parsed instead of a when set
		want       time.Time
		wantMethod string
	}{
		{name: "OneDatapoint", file: "metric-OK-to-ALARM.message.json", want: at("2021-12-19T23:01:00Z"), wantMethod: MethodReason},
		{name: "EarliestOfSeveral", file: "metric-multi-datapoints-OK-to-ALARM.message.json", want: at("2024-03-06T10:10:00Z"), wantMethod: MethodReason},
		// The lambda-go sample names 06/03/15 for a change on 3 June 2015:
		// read as dd/mm/yy that is March, too early to have caused it.
		{name: "ImplausibleDatapoint", file: "metric-math-INSUFFICIENT_DATA-to-ALARM.message.json", want: at("2015-06-03T17:42:27.123Z"), wantMethod: MethodPeriods},
		{name: "DatapointsToAlarm", a: incident.Alarm{ChangedAt: changed, Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 3, Reason: "no datapoints here"},
			want: changed.Add(-3 * time.Minute), wantMethod: MethodPeriods},
		{name: "EvaluationPeriods", a: incident.Alarm{ChangedAt: changed, Period: 300, EvaluationPeriods: 2},
			want: changed.Add(-10 * time.Minute), wantMethod: MethodPeriods},
		{name: "Composite", file: "composite-OK-to-ALARM.message.json", want: at("2024-03-06T10:15:41.113Z"), wantMethod: MethodStateChange},
		{name: "DatapointAfterChangeIgnored", a: incident.Alarm{ChangedAt: changed, Reason: "[3.0 (06/03/24 11:00:00)]"},
			want: changed, wantMethod: MethodStateChange},
		{name: "ImpossibleDateIgnored", a: incident.Alarm{ChangedAt: changed, Period: 60, Reason: "[3.0 (32/13/24 25:00:00)], [2.0 (06/03/24 10:14:00)]"},
			want: at("2024-03-06T10:14:00Z"), wantMethod: MethodReason},
		{name: "Nothing", a: incident.Alarm{}, want: time.Time{}, wantMethod: MethodStateChange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.a
			if tc.file != "" {
				var err error
				if a, err = ParseAlarm(mustRead(t, tc.file)); err != nil {
					t.Fatal(err)
				}
			}
			got, method := BreachStart(a)
			if !got.Equal(tc.want) || method != tc.wantMethod {
				t.Errorf("BreachStart = %s, %q; want %s, %q", got, method, tc.want, tc.wantMethod)
			}
		})
	}
}

// fakeMetrics serves GetMetricData from pages, recording each request.
type fakeMetrics struct {
	pages []*cloudwatch.GetMetricDataOutput
	err   error
	calls []cloudwatch.GetMetricDataInput
}

func (f *fakeMetrics) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	f.calls = append(f.calls, *in)
	if f.err != nil {
		return nil, f.err
	}
	return f.pages[len(f.calls)-1], nil
}

// series makes a result from "15:04" times and values.
func series(day string, points map[string]float64) types.MetricDataResult {
	r := types.MetricDataResult{Id: ptr("m")}
	for hm, v := range points {
		r.Timestamps = append(r.Timestamps, at(day+"T"+hm+":00Z"))
		r.Values = append(r.Values, v)
	}
	return r
}

func TestRefine(t *testing.T) {
	a, err := ParseAlarm(mustRead(t, "metric-multi-datapoints-OK-to-ALARM.message.json")) // > 2.0, 60 s
	if err != nil {
		t.Fatal(err)
	}
	start, _ := BreachStart(a)
	const day = "2024-03-06"
	pages := []*cloudwatch.GetMetricDataOutput{
		{MetricDataResults: []types.MetricDataResult{series(day, map[string]float64{
			"10:16": 0.5, "10:15": 1.9, "10:14": 2.61, "10:13": 2.8, "10:12": 2.4, "10:11": 2.9})}, NextToken: ptr("page2")},
		{MetricDataResults: []types.MetricDataResult{series(day, map[string]float64{
			"10:10": 3.0, "10:09": 2.2, "10:08": 2.1, "10:07": 1.5, "10:06": 2.5, "10:05": 1.0})}},
	}
	cw := &fakeMetrics{pages: pages}
	got, method, err := Refine(context.Background(), cw, a, start)
	if err != nil {
		t.Fatal(err)
	}
	if want := at(day + "T10:08:00Z"); !got.Equal(want) || method != MethodGetMetricData {
		t.Errorf("Refine = %s, %q; want %s, %q", got, method, want, MethodGetMetricData)
	}
	wantQuery := types.MetricDataQuery{Id: ptr("m"), ReturnData: ptr(true), MetricStat: &types.MetricStat{
		Metric: &types.Metric{Namespace: ptr("Shop/Checkout"), MetricName: ptr("Latency"), Dimensions: []types.Dimension{
			{Name: ptr("Service"), Value: ptr("checkout")}, {Name: ptr("Stage"), Value: ptr("prod")}}},
		Period: ptr(int32(60)), Stat: ptr("p99"),
	}}
	if len(cw.calls) != 2 || cw.calls[1].NextToken == nil || *cw.calls[1].NextToken != "page2" {
		t.Fatalf("calls = %d, second NextToken = %v; want 2 pages", len(cw.calls), cw.calls)
	}
	first := cw.calls[0]
	if diff := cmp.Diff([]types.MetricDataQuery{wantQuery}, first.MetricDataQueries, cmpopts.IgnoreUnexported(types.MetricDataQuery{}, types.MetricStat{}, types.Metric{}, types.Dimension{})); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if first.StartTime.After(start) || !first.EndTime.After(a.ChangedAt) {
		t.Errorf("window %s..%s does not cover %s..%s", first.StartTime, first.EndTime, start, a.ChangedAt)
	}
}

func TestRefine_nothingBetter(t *testing.T) {
	metric, err := ParseAlarm(mustRead(t, "metric-multi-datapoints-OK-to-ALARM.message.json"))
	if err != nil {
		t.Fatal(err)
	}
	anomaly, err := ParseAlarm(mustRead(t, "anomaly-band-ALARM-to-OK.message.json"))
	if err != nil {
		t.Fatal(err)
	}
	start := at("2024-03-06T10:10:00Z")
	quiet := []*cloudwatch.GetMetricDataOutput{{MetricDataResults: []types.MetricDataResult{series("2024-03-06", map[string]float64{"10:14": 1, "10:13": 1})}}}
	for _, tc := range []struct {
		name    string
		a       incident.Alarm
		cw      *fakeMetrics
		calls   int
		wantErr bool
	}{
		{"Anomaly", anomaly, &fakeMetrics{}, 0, false},
		{"NoBreachingData", metric, &fakeMetrics{pages: quiet}, 1, false},
		{"APIError", metric, &fakeMetrics{err: errors.New("throttled")}, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, method, err := Refine(context.Background(), tc.cw, tc.a, start)
			if (err != nil) != tc.wantErr || !got.Equal(start) || method != "" || len(tc.cw.calls) != tc.calls {
				t.Errorf("Refine = %s, %q, %v after %d calls; want the start back, no method, error %v, %d calls",
					got, method, err, len(tc.cw.calls), tc.wantErr, tc.calls)
			}
		})
	}
}
