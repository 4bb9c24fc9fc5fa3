package sim

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

var cwT0 = time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)

// cwMustServer starts the stand-in behind httptest with a fixed clock and
// returns it with a real SDK client (no retries) pointed at it.
func cwMustServer(tb testing.TB) (*CloudWatch, *httptest.Server, *cloudwatch.Client) {
	tb.Helper()
	cw := NewCloudWatch(CloudWatchOptions{Now: func() time.Time { return cwT0 }})
	srv := httptest.NewServer(cw)
	tb.Cleanup(srv.Close)
	return cw, srv, cwNewClient(srv.URL, 1)
}

func cwNewClient(url string, attempts int) *cloudwatch.Client {
	return cloudwatch.New(cloudwatch.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: attempts,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
}

func cwSeedAlarms(cw *CloudWatch) {
	for _, a := range []CWAlarm{
		{Name: "api-5xx", Namespace: "AWS/ApplicationELB", MetricName: "HTTPCode_Target_5XX_Count", Statistic: "Sum",
			Dimensions: map[string]string{"LoadBalancer": "app/web/1"}, Threshold: 10, ComparisonOperator: "GreaterThanThreshold",
			Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2, State: CWStateAlarm, StateTransitioned: cwT0.Add(-20 * time.Minute)},
		{Name: "db-cpu", Namespace: "AWS/RDS", MetricName: "CPUUtilization", Threshold: 80, ComparisonOperator: "GreaterThanThreshold",
			Period: 300, EvaluationPeriods: 1, State: CWStateOK},
		{Name: "queue-age", Namespace: "AWS/SQS", MetricName: "ApproximateAgeOfOldestMessage", Threshold: 600,
			Period: 60, EvaluationPeriods: 5, State: CWStateAlarm},
		{Name: "checkout-service", Composite: true, AlarmRule: `ALARM("api-5xx") OR ALARM("db-cpu")`, State: CWStateAlarm},
	} {
		cw.PutAlarm(a)
	}
}

func cwAlarmNames(out *cloudwatch.DescribeAlarmsOutput) (metric, composite []string) {
	for _, a := range out.MetricAlarms {
		metric = append(metric, aws.ToString(a.AlarmName))
	}
	for _, a := range out.CompositeAlarms {
		composite = append(composite, aws.ToString(a.AlarmName))
	}
	return metric, composite
}

func TestCloudWatch_DescribeAlarms(t *testing.T) {
	cw, _, client := cwMustServer(t)
	cwSeedAlarms(cw)
	ctx := context.Background()
	for _, tc := range []struct {
		name              string
		in                cloudwatch.DescribeAlarmsInput
		metric, composite []string
	}{
		{name: "DefaultMetricOnly", metric: []string{"api-5xx", "db-cpu", "queue-age"}},
		{name: "BothTypes", in: cloudwatch.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm}},
			metric: []string{"api-5xx", "db-cpu", "queue-age"}, composite: []string{"checkout-service"}},
		{name: "CompositeOnly", in: cloudwatch.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}},
			composite: []string{"checkout-service"}},
		{name: "StateValue", in: cloudwatch.DescribeAlarmsInput{StateValue: types.StateValueAlarm}, metric: []string{"api-5xx", "queue-age"}},
		{name: "Names", in: cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"db-cpu", "nope"}}, metric: []string{"db-cpu"}},
		{name: "Prefix", in: cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("q")}, metric: []string{"queue-age"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.DescribeAlarms(ctx, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			metric, composite := cwAlarmNames(out)
			if diff := cmp.Diff(tc.metric, metric); diff != "" {
				t.Errorf("MetricAlarms (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.composite, composite); diff != "" {
				t.Errorf("CompositeAlarms (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("Fields", func(t *testing.T) { cwTestAlarmFields(t, client) })
	t.Run("Pagination", func(t *testing.T) { cwTestAlarmPages(t, client) })
	t.Run("InvalidNextToken", func(t *testing.T) {
		_, err := client.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{NextToken: aws.String("garbage")})
		var typed *types.InvalidNextToken
		if !errors.As(err, &typed) {
			t.Fatalf("err = %v, want *types.InvalidNextToken", err)
		}
	})
}

func cwTestAlarmFields(t *testing.T, client *cloudwatch.Client) {
	out, err := client.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"api-5xx"}})
	if err != nil {
		t.Fatal(err)
	}
	a := out.MetricAlarms[0]
	got := []any{aws.ToString(a.AlarmArn), a.StateValue, aws.ToFloat64(a.Threshold), aws.ToInt32(a.Period),
		aws.ToInt32(a.EvaluationPeriods), aws.ToInt32(a.DatapointsToAlarm), a.Statistic, a.ComparisonOperator,
		aws.ToString(a.Dimensions[0].Name), aws.ToString(a.Dimensions[0].Value), a.StateTransitionedTimestamp.UTC()}
	want := []any{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx", types.StateValueAlarm, 10.0, int32(60),
		int32(3), int32(2), types.StatisticSum, types.ComparisonOperatorGreaterThanThreshold,
		"LoadBalancer", "app/web/1", cwT0.Add(-20 * time.Minute)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alarm fields (-want +got):\n%s", diff)
	}
}

func cwTestAlarmPages(t *testing.T, client *cloudwatch.Client) {
	in := &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(2),
		AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm}}
	p := cloudwatch.NewDescribeAlarmsPaginator(client, in)
	var pages [][]string
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m, c := cwAlarmNames(out)
		pages = append(pages, append(m, c...))
	}
	want := [][]string{{"api-5xx", "checkout-service"}, {"db-cpu", "queue-age"}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

func TestCloudWatch_ListTagsForResource(t *testing.T) {
	cw, _, client := cwMustServer(t)
	cwSeedAlarms(cw)
	arn := "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx"
	cw.TagResource(arn, map[string]string{"team": "payments", "runbook": "https://wiki/5xx"})
	ctx := context.Background()
	out, err := client.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tag := range out.Tags {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if diff := cmp.Diff(map[string]string{"team": "payments", "runbook": "https://wiki/5xx"}, got); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	t.Run("UntaggedAlarm", func(t *testing.T) {
		out, err := client.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{
			ResourceARN: aws.String("arn:aws:cloudwatch:us-east-1:123456789012:alarm:db-cpu")})
		if err != nil || len(out.Tags) != 0 {
			t.Fatalf("got %v, %v; want no tags, no error", out, err)
		}
	})
	t.Run("ResourceNotFound", func(t *testing.T) {
		_, err := client.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{
			ResourceARN: aws.String("arn:aws:cloudwatch:us-east-1:123456789012:alarm:nope")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %v, want *types.ResourceNotFoundException", err)
		}
		if got := aws.ToString(nf.ResourceId); !strings.HasSuffix(got, ":nope") {
			t.Errorf("ResourceId = %q", got)
		}
	})
}

func TestCloudWatch_FailNext(t *testing.T) {
	cw, srv, client := cwMustServer(t)
	ctx := context.Background()
	t.Run("ThrottlingRetried", func(t *testing.T) {
		cw.FailNext("GetMetricData", 1, "Throttling", 400)
		_, err := cwNewClient(srv.URL, 3).GetMetricData(ctx, cwCPUQuery("m1", 300, cwT0.Add(-time.Hour), cwT0))
		if err != nil {
			t.Fatalf("GetMetricData with retries: %v", err)
		}
	})
	t.Run("InternalFailure", func(t *testing.T) {
		cw.FailNext("DescribeAlarms", 1, "InternalFailure", 500)
		_, err := client.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InternalFailure" || apiErr.ErrorFault() != smithy.FaultServer {
			t.Fatalf("err = %v, want InternalFailure server fault", err)
		}
		if _, err := client.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); err != nil {
			t.Fatalf("second call: %v", err)
		}
	})
	want := []CWCall{
		{Op: "GetMetricData", At: cwT0, Error: "Throttling"}, {Op: "GetMetricData", At: cwT0},
		{Op: "DescribeAlarms", At: cwT0, Error: "InternalFailure"}, {Op: "DescribeAlarms", At: cwT0},
	}
	if diff := cmp.Diff(want, cw.Calls()); diff != "" {
		t.Errorf("Calls (-want +got):\n%s", diff)
	}
}

func TestCloudWatch_UnknownOperation(t *testing.T) {
	_, srv, _ := cwMustServer(t)
	resp, err := http.Post(srv.URL+cwPathPrefix+"DeleteAlarms", "application/cbor", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("X-Amzn-Query-Error"), "UnknownOperation;") {
		t.Errorf("status %d, query error %q", resp.StatusCode, resp.Header.Get("X-Amzn-Query-Error"))
	}
}
