package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func cwQuery(id, ns, metric string, dims map[string]string, stat string, period int32) types.MetricDataQuery {
	m := &types.Metric{Namespace: aws.String(ns), MetricName: aws.String(metric)}
	for k, v := range dims {
		m.Dimensions = append(m.Dimensions, types.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	return types.MetricDataQuery{Id: aws.String(id), MetricStat: &types.MetricStat{Metric: m, Period: aws.Int32(period), Stat: aws.String(stat)}}
}

func cwWindow(d time.Duration, queries ...types.MetricDataQuery) *cloudwatch.GetMetricDataInput {
	return &cloudwatch.GetMetricDataInput{StartTime: aws.Time(cwT0.Add(-d)), EndTime: aws.Time(cwT0), MetricDataQueries: queries}
}

func cwCPUQuery(id string, period int32, start, end time.Time) *cloudwatch.GetMetricDataInput {
	return &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(end),
		MetricDataQueries: []types.MetricDataQuery{cwQuery(id, "AWS/EC2", "CPUUtilization", map[string]string{"InstanceId": "i-0abc"}, "Average", period)}}
}

// cwPoints flattens one result into comparable "hh:mm=value" strings.
func cwPoints(r types.MetricDataResult) []string {
	var out []string
	for i, ts := range r.Timestamps {
		out = append(out, fmt.Sprintf("%s=%g", ts.UTC().Format("15:04"), r.Values[i]))
	}
	return out
}

func cwMustGet(t *testing.T, client *cloudwatch.Client, in *cloudwatch.GetMetricDataInput) []types.MetricDataResult {
	t.Helper()
	out, err := client.GetMetricData(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out.MetricDataResults
}

func TestCloudWatch_GetMetricData(t *testing.T) {
	cw, _, client := cwMustServer(t)
	dims := map[string]string{"InstanceId": "i-0abc"}
	var pts []CWPoint
	for i := range 30 { // one sample a minute from 13:30, valued 0..29
		pts = append(pts, CWPoint{T: cwT0.Add(time.Duration(i-30) * time.Minute), V: float64(i)})
	}
	cw.PutSeries("AWS/EC2", "CPUUtilization", dims, pts)
	maxQ := cwQuery("cpumax", "AWS/EC2", "CPUUtilization", dims, "Maximum", 600)
	maxQ.Label = aws.String("CPU max")
	asc := cwWindow(30*time.Minute, cwQuery("cpu", "AWS/EC2", "CPUUtilization", dims, "Average", 600))
	asc.ScanBy = types.ScanByTimestampAscending
	for _, tc := range []struct {
		name string
		in   *cloudwatch.GetMetricDataInput
		want []string
	}{
		{"AverageNewestFirst", cwWindow(30*time.Minute, cwQuery("cpu", "AWS/EC2", "CPUUtilization", dims, "Average", 300), maxQ),
			[]string{"cpu CPUUtilization Complete 13:55=27 13:50=22 13:45=17 13:40=12 13:35=7 13:30=2", "cpumax CPU max Complete 13:50=29 13:40=19 13:30=9"}},
		{"Ascending", asc, []string{"cpu CPUUtilization Complete 13:30=4.5 13:40=14.5 13:50=24.5"}},
		{"WindowCutsSamples", cwWindow(12*time.Minute, cwQuery("cpu", "AWS/EC2", "CPUUtilization", dims, "Sum", 300)),
			[]string{"cpu CPUUtilization Complete 13:55=135 13:50=110 13:45=85"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range cwMustGet(t, client, tc.in) {
				got = append(got, strings.Join(append([]string{aws.ToString(r.Id), aws.ToString(r.Label), string(r.StatusCode)}, cwPoints(r)...), " "))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCloudWatch_GetMetricData_Synthesised(t *testing.T) {
	cw, _, client := cwMustServer(t)
	cwSeedAlarms(cw)
	t.Run("Deterministic", func(t *testing.T) {
		in := cwWindow(3*time.Hour, cwQuery("errors", "AWS/Lambda", "Errors", map[string]string{"FunctionName": "pay"}, "Sum", 300))
		a, b := cwMustGet(t, client, in)[0], cwMustGet(t, client, in)[0]
		if len(a.Values) != 36 || !a.Timestamps[0].After(a.Timestamps[35]) || a.Timestamps[0].Unix()%300 != 0 {
			t.Errorf("got %d points from %v to %v, want 36 aligned, newest first", len(a.Values), a.Timestamps[0], a.Timestamps[len(a.Timestamps)-1])
		}
		if diff := cmp.Diff(cwPoints(a), cwPoints(b)); diff != "" {
			t.Errorf("not deterministic (-first +second):\n%s", diff)
		}
	})
	t.Run("ShowsAlarmBreach", func(t *testing.T) {
		in := cwWindow(2*time.Hour, cwQuery("e5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count",
			map[string]string{"LoadBalancer": "app/web/1"}, "Sum", 60))
		vals := cwMustGet(t, client, in)[0].Values
		peak, early := 0.0, vals[len(vals)-1]
		for _, v := range vals {
			peak = math.Max(peak, v)
		}
		if peak <= 10 || early >= 10 {
			t.Errorf("peak %v, value two hours ago %v; want a breach of 10 near the ALARM transition only", peak, early)
		}
	})
}

func TestCloudWatch_GetMetricData_Queries(t *testing.T) {
	_, _, client := cwMustServer(t)
	start := cwT0.Add(-30 * time.Minute)
	t.Run("Expression", func(t *testing.T) {
		in := cwCPUQuery("m1", 300, start, cwT0)
		in.MetricDataQueries = append(in.MetricDataQueries, types.MetricDataQuery{Id: aws.String("e1"), Expression: aws.String("m1*2")})
		in.MetricDataQueries[0].ReturnData = aws.Bool(false)
		r := cwMustGet(t, client, in)
		if len(r) != 1 || aws.ToString(r[0].Id) != "e1" || r[0].StatusCode != types.StatusCodeComplete || len(r[0].Values) != 0 {
			t.Errorf("results = %+v, want only an empty complete e1", r)
		}
	})
	t.Run("BadID", func(t *testing.T) {
		_, err := client.GetMetricData(context.Background(), cwCPUQuery("CPU", 300, start, cwT0))
		var ve *types.ValidationException
		if !errors.As(err, &ve) || ve.ErrorCode() != "ValidationError" || !strings.Contains(ve.ErrorMessage(), "MetricDataQueries.member.1.Id") {
			t.Fatalf("err = %v, want ValidationError about MetricDataQueries.member.1.Id", err)
		}
	})
}

func TestCloudWatch_PutMetricData(t *testing.T) {
	cw, _, client := cwMustServer(t)
	at := cwT0.Add(-10 * time.Minute)
	dims := []types.Dimension{{Name: aws.String("Service"), Value: aws.String("checkout")}}
	_, err := client.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{Namespace: aws.String("ChatOps/Incidents"), MetricData: []types.MetricDatum{
		{MetricName: aws.String("MTTR"), Dimensions: dims, Timestamp: aws.Time(at), Unit: types.StandardUnitSeconds, Values: []float64{120, 300}, Counts: []float64{1, 2}},
		{MetricName: aws.String("Incidents"), Value: aws.Float64(1), Unit: types.StandardUnitCount},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []CWDatum{
		{MetricName: "MTTR", Dimensions: map[string]string{"Service": "checkout"}, Values: []float64{120, 300}, Counts: []float64{1, 2}, Unit: "Seconds", Timestamp: at},
		{MetricName: "Incidents", Dimensions: map[string]string{}, Value: 1, Unit: "Count", Timestamp: cwT0},
	}
	if diff := cmp.Diff(want, cw.Datums("ChatOps/Incidents")); diff != "" {
		t.Errorf("Datums (-want +got):\n%s", diff)
	}
	if n := len(cw.PutMetricDataCalls()); n != 1 {
		t.Errorf("PutMetricDataCalls = %d, want 1", n)
	}
	t.Run("ReadBack", func(t *testing.T) {
		svc := map[string]string{"Service": "checkout"}
		r := cwMustGet(t, client, cwWindow(time.Hour,
			cwQuery("total", "ChatOps/Incidents", "MTTR", svc, "Sum", 60), cwQuery("count", "ChatOps/Incidents", "MTTR", svc, "SampleCount", 60)))
		if diff := cmp.Diff([][]string{{"13:50=720"}, {"13:50=3"}}, [][]string{cwPoints(r[0]), cwPoints(r[1])}); diff != "" {
			t.Errorf("read back (-want +got):\n%s", diff)
		}
	})
	t.Run("Limit", cwTestPutLimit)
}

func TestCloudWatch_PutMetricData_Invalid(t *testing.T) {
	cw, _, client := cwMustServer(t)
	for _, tc := range []struct {
		name string
		ns   string
		d    types.MetricDatum
	}{
		{"ReservedNamespace", "AWS/EC2", types.MetricDatum{MetricName: aws.String("X"), Value: aws.Float64(1)}},
		{"NaN", "App", types.MetricDatum{MetricName: aws.String("X"), Value: aws.Float64(math.NaN())}},
		{"Inf", "App", types.MetricDatum{MetricName: aws.String("X"), Values: []float64{1, math.Inf(1)}}},
		{"TooOld", "App", types.MetricDatum{MetricName: aws.String("X"), Value: aws.Float64(1), Timestamp: aws.Time(cwT0.AddDate(0, 0, -15))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{Namespace: aws.String(tc.ns), MetricData: []types.MetricDatum{tc.d}})
			var ipv *types.InvalidParameterValueException
			if !errors.As(err, &ipv) || ipv.ErrorCode() != "InvalidParameterValue" || ipv.ErrorFault() != smithy.FaultClient {
				t.Fatalf("err = %v, want InvalidParameterValue", err)
			}
		})
	}
	if n := len(cw.PutMetricDataCalls()); n != 0 {
		t.Errorf("PutMetricDataCalls = %d after rejected requests, want 0", n)
	}
}

// cwTestPutLimit sends 1000 datums (gzip-compressed by the SDK) and then 1001.
func cwTestPutLimit(t *testing.T) {
	cw := NewCloudWatch(CloudWatchOptions{Now: func() time.Time { return cwT0 }})
	var mu sync.Mutex
	var encodings []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		encodings = append(encodings, r.Header.Get("Content-Encoding"))
		mu.Unlock()
		cw.ServeHTTP(w, r)
	}))
	defer srv.Close()
	client := cwNewClient(srv.URL, 1)
	data := make([]types.MetricDatum, 1001)
	for i := range data {
		data[i] = types.MetricDatum{MetricName: aws.String(fmt.Sprintf("m%d", i)), Value: aws.Float64(float64(i))}
	}
	ctx := context.Background()
	if _, err := client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App"), MetricData: data[:1000]}); err != nil {
		t.Fatalf("1000 datums: %v", err)
	}
	_, err := client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App"), MetricData: data})
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) {
		t.Fatalf("1001 datums: err = %v, want InvalidParameterValue", err)
	}
	if got := len(cw.Datums("App")); got != 1000 || encodings[0] != "gzip" {
		t.Errorf("Datums = %d, Content-Encoding %q; want 1000 and gzip", got, encodings[0])
	}
}
