package report

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/google/go-cmp/cmp"
	"github.com/tocsin-dev/tocsin/incident"
)

// fakeCloudWatch records PutMetricData calls and fails the failAt-th (1-based).
type fakeCloudWatch struct {
	calls  []*cloudwatch.PutMetricDataInput
	failAt int
}

func (f *fakeCloudWatch) PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	f.calls = append(f.calls, in)
	if len(f.calls) == f.failAt {
		return nil, errors.New("throttled")
	}
	return &cloudwatch.PutMetricDataOutput{}, nil
}

func TestPublish(t *testing.T) {
	incs := bigIncidents(20000)
	for i := range incs { // 1100 services: well over 1000 datums
		incs[i].Service = fmt.Sprintf("svc-%04d", i%1100)
	}
	now := t0.Add(20000 * time.Minute)
	s := Summarize(incs, t0, now, "")
	cw := &fakeCloudWatch{}
	if err := Publish(context.Background(), cw, "Tocsin/Incidents", s, now); err != nil {
		t.Fatal(err)
	}
	if len(cw.calls) < 2 {
		t.Fatalf("got %d calls, want the data split over several", len(cw.calls))
	}
	counted := map[string]float64{}
	for i, in := range cw.calls {
		values := 0
		if *in.Namespace != "Tocsin/Incidents" || len(in.MetricData) > maxDatumsPerCall {
			t.Fatalf("call %d: namespace %q, %d datums", i, *in.Namespace, len(in.MetricData))
		}
		for _, d := range in.MetricData {
			values += len(d.Values)
			if len(d.Values) > maxValuesPerDatum || len(d.Values) != len(d.Counts) || d.Unit != types.StandardUnitSeconds || !d.Timestamp.Equal(now) {
				t.Fatalf("call %d: bad datum %+v", i, d)
			}
			if len(d.Dimensions) != 2 || *d.Dimensions[0].Name != "Service" || *d.Dimensions[1].Name != "Severity" {
				t.Fatalf("call %d: dimensions %+v", i, d.Dimensions)
			}
			for _, c := range d.Counts {
				counted[*d.MetricName] += c
			}
		}
		if values > maxValuesPerCall {
			t.Errorf("call %d carries %d values", i, values)
		}
	}
	want := map[string]float64{}
	for _, m := range incident.MetricNames() {
		want[m] = float64(s.Overall[m].Count)
	}
	if diff := cmp.Diff(want, counted); diff != "" {
		t.Errorf("every measured incident is published once (-want +got):\n%s", diff)
	}
}

func TestPublish_Errors(t *testing.T) {
	s := Summarize(metricIncidents(t), at(-24*time.Hour), at(24*time.Hour), "")
	for _, ns := range []string{"", "AWS/EC2", "aws/x"} {
		cw := &fakeCloudWatch{}
		if err := Publish(context.Background(), cw, ns, s, t0); !errors.Is(err, incident.ErrInvalid) || len(cw.calls) != 0 {
			t.Errorf("namespace %q: err %v after %d calls, want ErrInvalid and no call", ns, err, len(cw.calls))
		}
	}
	cw := &fakeCloudWatch{failAt: 1}
	if err := Publish(context.Background(), cw, "Tocsin", s, t0); err == nil || err.Error() != "put metric data to Tocsin (batch 1 of 1): throttled" {
		t.Errorf("got %v", err)
	}
	cw = &fakeCloudWatch{}
	if err := Publish(context.Background(), cw, "Tocsin", Summary{}, t0); err != nil || len(cw.calls) != 0 {
		t.Errorf("empty summary: %v after %d calls", err, len(cw.calls))
	}
}

func TestBatchDatums(t *testing.T) {
	datum := func(values int) types.MetricDatum { return types.MetricDatum{Values: make([]float64, values)} }
	sizes := func(n, values int) []types.MetricDatum {
		ds := make([]types.MetricDatum, n)
		for i := range ds {
			ds[i] = datum(values)
		}
		return ds
	}
	tests := []struct {
		in   []types.MetricDatum
		want []int
	}{
		{in: nil, want: nil},
		{in: sizes(1000, 1), want: []int{1000}},
		{in: sizes(2500, 1), want: []int{1000, 1000, 500}},
		{in: sizes(450, 150), want: []int{200, 200, 50}},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var got []int
			for _, b := range batchDatums(tt.in) {
				got = append(got, len(b))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
		})
	}
}
