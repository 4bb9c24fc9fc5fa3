package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/google/go-cmp/cmp"
	"github.com/tocsin-dev/tocsin/incident"
)

// fakeGraphAPI renders widgets as a blank PNG (or fails), and serves pages
// of metric data.
type fakeGraphAPI struct {
	widgetErr  error
	widgetSize image.Point // zero: the requested size
	pages      []*cloudwatch.GetMetricDataOutput
	dataErr    error

	widgets   []map[string]any
	dataCalls []cloudwatch.GetMetricDataInput
}

func (f *fakeGraphAPI) GetMetricWidgetImage(_ context.Context, in *cloudwatch.GetMetricWidgetImageInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricWidgetImageOutput, error) {
	var w map[string]any
	if err := json.Unmarshal([]byte(*in.MetricWidget), &w); err != nil {
		return nil, err
	}
	f.widgets = append(f.widgets, w)
	if f.widgetErr != nil {
		return nil, f.widgetErr
	}
	size := f.widgetSize
	if size == (image.Point{}) {
		size = image.Pt(int(w["width"].(float64)), int(w["height"].(float64)))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rectangle{Max: size})); err != nil {
		return nil, err
	}
	return &cloudwatch.GetMetricWidgetImageOutput{MetricWidgetImage: buf.Bytes()}, nil
}

func (f *fakeGraphAPI) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	f.dataCalls = append(f.dataCalls, *in)
	if f.dataErr != nil {
		return nil, f.dataErr
	}
	if len(f.dataCalls) > len(f.pages) {
		return &cloudwatch.GetMetricDataOutput{}, nil
	}
	return f.pages[len(f.dataCalls)-1], nil
}

var breach = time.Date(2021, 12, 19, 23, 5, 0, 0, time.UTC)

func metricAlarm() *incident.Alarm {
	th := 5.0
	return &incident.Alarm{Name: "api-5xx", Kind: incident.KindMetric, State: incident.StateAlarm, Threshold: &th, Period: 60,
		Metric: incident.Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count", Stat: "Sum", Period: 60,
			Dimensions: []incident.Dimension{{Name: "LoadBalancer", Value: "app/web/123"}}}}
}

func mathAlarm() *incident.Alarm {
	th := 1.0
	ns := "AWS/ApplicationELB"
	return &incident.Alarm{Name: "api-error-rate", Kind: incident.KindMath, State: incident.StateAlarm, Threshold: &th,
		Metrics: []incident.Metric{
			{ID: "e1", Expression: "m1/m2*100", Label: "error rate", ReturnData: true},
			{ID: "m1", Namespace: ns, Name: "HTTPCode_Target_5XX_Count", Stat: "Sum", Period: 60},
			{ID: "m2", Namespace: ns, Name: "RequestCount", Stat: "Sum", Period: 60},
		}}
}

// dataPages returns the series of ids over two pages, newest first as
// CloudWatch's default order would have it.
func dataPages(ids ...string) []*cloudwatch.GetMetricDataOutput {
	var pages []*cloudwatch.GetMetricDataOutput
	for p := range 2 {
		out := &cloudwatch.GetMetricDataOutput{}
		for k, id := range ids {
			r := types.MetricDataResult{Id: ptr(id), Label: ptr(id)}
			for i := 90; i > 0; i-- {
				r.Timestamps = append(r.Timestamps, breach.Add(time.Duration(p*90+i-90)*time.Minute))
				r.Values = append(r.Values, float64(k+1)*float64(i%17))
			}
			out.MetricDataResults = append(out.MetricDataResults, r)
		}
		if p == 0 {
			out.NextToken = ptr("page-2")
		}
		pages = append(pages, out)
	}
	return pages
}

func decodeSize(t *testing.T, b []byte) image.Point {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	return img.Bounds().Size()
}

func TestMetricGraph_Widget(t *testing.T) {
	cw := &fakeGraphAPI{}
	size := image.Pt(800, 400)
	b, err := MetricGraph(context.Background(), cw, metricAlarm(), breach, size)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeSize(t, b); got != size || len(cw.dataCalls) != 0 {
		t.Errorf("size %v after %d data calls, want %v from the widget alone", got, len(cw.dataCalls), size)
	}
	w := cw.widgets[0]
	want := map[string]any{
		"metrics": []any{[]any{"AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", "app/web/123",
			map[string]any{"id": "m1", "stat": "Sum", "period": 60.0}}},
		"annotations": map[string]any{
			"horizontal": []any{map[string]any{"label": "threshold", "value": 5.0}},
			"vertical":   []any{map[string]any{"label": "ALARM", "value": "2021-12-19T23:05:00Z"}},
		},
		"start": "2021-12-19T21:35:00Z", "end": "2021-12-20T00:35:00Z",
	}
	for k, v := range want {
		if diff := cmp.Diff(v, w[k]); diff != "" {
			t.Errorf("widget %s (-want +got):\n%s", k, diff)
		}
	}
}

func TestMetricGraph_Fallback(t *testing.T) {
	size := image.Pt(640, 320)
	tests := []struct {
		name  string
		alarm *incident.Alarm
		cw    *fakeGraphAPI
		ids   []string // the queries sent, in order
	}{
		{"WidgetError", metricAlarm(), &fakeGraphAPI{widgetErr: errors.New("AccessDenied"), pages: dataPages("m1")}, []string{"m1"}},
		{"WidgetWrongSize", metricAlarm(), &fakeGraphAPI{widgetSize: image.Pt(600, 300), pages: dataPages("m1")}, []string{"m1"}},
		{"NoData", metricAlarm(), &fakeGraphAPI{widgetErr: errors.New("Throttling")}, []string{"m1"}},
		{"MathShowsUnderlyingMetrics", mathAlarm(), &fakeGraphAPI{widgetErr: errors.New("Throttling"), pages: dataPages("e1", "m1", "m2")}, []string{"e1", "m1", "m2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := MetricGraph(context.Background(), tt.cw, tt.alarm, breach, size)
			if err != nil {
				t.Fatal(err)
			}
			if got := decodeSize(t, b); got != size {
				t.Errorf("size %v, want %v", got, size)
			}
			in := tt.cw.dataCalls[0]
			var ids []string
			for _, q := range in.MetricDataQueries {
				ids = append(ids, *q.Id)
				if !*q.ReturnData || (q.Expression == nil) == (q.MetricStat == nil) {
					t.Errorf("query %s: every leg must be returned, as an expression or a metric", *q.Id)
				}
			}
			if diff := cmp.Diff(tt.ids, ids); diff != "" {
				t.Errorf("queries (-want +got):\n%s", diff)
			}
			if !in.StartTime.Equal(breach.Add(-90*time.Minute)) || !in.EndTime.Equal(breach.Add(90*time.Minute)) {
				t.Errorf("span %v to %v", in.StartTime, in.EndTime)
			}
			if len(tt.cw.pages) > 1 && (len(tt.cw.dataCalls) != 2 || *tt.cw.dataCalls[1].NextToken != "page-2") {
				t.Errorf("read %d pages, want both", len(tt.cw.dataCalls))
			}
		})
	}
}

func TestMetricGraph_Errors(t *testing.T) {
	size := image.Pt(800, 400)
	composite := &incident.Alarm{Name: "api-down", Kind: incident.KindComposite, Rule: "ALARM(a) OR ALARM(b)"}
	for name, a := range map[string]*incident.Alarm{
		"Composite": composite, "Nil": nil, "NoMetric": {Name: "odd", Kind: incident.KindUnknownFmt},
	} {
		cw := &fakeGraphAPI{}
		if _, err := MetricGraph(context.Background(), cw, a, breach, size); !errors.Is(err, ErrNoMetric) || len(cw.widgets)+len(cw.dataCalls) != 0 {
			t.Errorf("%s: err %v after %d calls, want ErrNoMetric and no call", name, err, len(cw.widgets)+len(cw.dataCalls))
		}
	}
	cw := &fakeGraphAPI{widgetErr: errors.New("AccessDenied"), dataErr: errors.New("Throttling")}
	_, err := MetricGraph(context.Background(), cw, metricAlarm(), breach, size)
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") || !strings.Contains(err.Error(), "Throttling") {
		t.Errorf("both calls failed: got %v, want both causes", err)
	}
	if _, err := MetricGraph(context.Background(), &fakeGraphAPI{}, metricAlarm(), breach, image.Pt(5000, 10)); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("bad size: got %v, want ErrInvalid", err)
	}
}
