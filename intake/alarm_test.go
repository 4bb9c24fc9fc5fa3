package intake

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/incident"
)

func f64(v float64) *float64 { return &v }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dim(name, value string) []incident.Dimension {
	return []incident.Dimension{{Name: name, Value: value}}
}

func TestParseAlarm(t *testing.T) {
	const acct = "123456789012"
	for _, tc := range []struct {
		file string
		want incident.Alarm
	}{
		{"metric-OK-to-ALARM.message.json", incident.Alarm{
			Name: "SprintOneProjStack-LatencyAlarmD644240E-1H4NE9GDB0DI9", ARN: "arn:aws:cloudwatch:us-east-2:315997497220:alarm:SprintOneProjStack-LatencyAlarmD644240E-1H4NE9GDB0DI9",
			AccountID: "315997497220", Region: "us-east-2", Kind: incident.KindMetric, State: incident.StateAlarm, OldState: incident.StateOK,
			ChangedAt: at("2021-12-19T23:05:05.304Z"),
			Metric:    incident.Metric{Namespace: "SikandarWebHealth", Name: "url_latency", Dimensions: dim("URL", "www.skipq.org"), Stat: "Average", Period: 60},
			Threshold: f64(0.28), Comparison: "GreaterThanThreshold", Period: 60, EvaluationPeriods: 1,
		}},
		{"metric-ALARM-to-OK.message.json", incident.Alarm{
			Name: "api-5xx: prod:eu", ARN: "arn:aws:cloudwatch:eu-west-1:" + acct + ":alarm:api-5xx: prod:eu",
			AccountID: acct, Region: "eu-west-1", Kind: incident.KindMetric, State: incident.StateOK, OldState: incident.StateAlarm,
			ChangedAt: at("2024-03-06T10:15:32.611Z"),
			Metric:    incident.Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count", Dimensions: dim("LoadBalancer", "app/prod-api/50dc6c495c0c9188"), Stat: "Sum", Period: 60},
			Threshold: f64(5), Comparison: "GreaterThanOrEqualToThreshold", Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 3,
		}},
		{"metric-OK-to-INSUFFICIENT_DATA.message.json", incident.Alarm{
			Name: "orders-queue-depth", ARN: "arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:orders-queue-depth", Description: "Orders queue backlog",
			AccountID: acct, Region: "us-east-1", Kind: incident.KindMetric, State: incident.StateInsufficientData, OldState: incident.StateOK,
			ChangedAt: at("2024-03-06T11:00:12.004Z"),
			Metric:    incident.Metric{Namespace: "AWS/SQS", Name: "ApproximateNumberOfMessagesVisible", Dimensions: dim("QueueName", "orders"), Stat: "Maximum", Period: 300},
			Threshold: f64(1000), Comparison: "GreaterThanThreshold", Period: 300, EvaluationPeriods: 2,
		}},
		{"metric-multi-datapoints-OK-to-ALARM.message.json", incident.Alarm{
			Name: "checkout-latency-p99", ARN: "arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:checkout-latency-p99", Description: "Checkout p99 latency above 2s",
			AccountID: acct, Region: "us-east-1", Kind: incident.KindMetric, State: incident.StateAlarm, OldState: incident.StateOK,
			ChangedAt: at("2024-03-06T10:15:40.002Z"),
			Metric: incident.Metric{Namespace: "Shop/Checkout", Name: "Latency", Stat: "p99", Period: 60,
				Dimensions: []incident.Dimension{{Name: "Service", Value: "checkout"}, {Name: "Stage", Value: "prod"}}},
			Threshold: f64(2), Comparison: "GreaterThanThreshold", Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 3,
		}},
		{"metric-math-INSUFFICIENT_DATA-to-ALARM.message.json", incident.Alarm{
			Name: "EXAMPLE", ARN: "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE", Description: "EXAMPLE",
			AccountID: "EXAMPLE", Region: "REGION", Kind: incident.KindMath, State: incident.StateAlarm, OldState: incident.StateInsufficientData,
			ChangedAt: at("2015-06-03T17:43:27.123Z"),
			Metrics: []incident.Metric{
				{ID: "e1", Expression: "m1*1", Label: "Expression1", ReturnData: true},
				{ID: "m1", Namespace: "AWS/EC2", Name: "NetworkOut", Dimensions: dim("InstanceId", "TestInstance"), Stat: "Average", Period: 60},
			},
			Threshold: f64(0), Comparison: "GreaterThanThreshold", Period: 60, EvaluationPeriods: 1,
		}},
		{"cwagent-returndata-strings.message.json", incident.Alarm{
			Name: "disk-used-percent", ARN: "arn:aws:cloudwatch:ap-southeast-2:" + acct + ":alarm:disk-used-percent",
			AccountID: acct, Region: "ap-southeast-2", Kind: incident.KindMath, State: incident.StateAlarm, OldState: incident.StateOK,
			ChangedAt: at("2023-01-04T07:06:30.851Z"),
			Metrics: []incident.Metric{
				{ID: "e1", Expression: "MAX(METRICS())", Label: "max disk", ReturnData: true},
				{ID: "m1", Namespace: "CWAgent", Name: "disk_used_percent", Stat: "Maximum", Period: 300,
					Dimensions: []incident.Dimension{{Name: "path", Value: "/"}, {Name: "InstanceId", Value: "i-0abc"}}},
			},
			Threshold: f64(90), Comparison: "GreaterThanOrEqualToThreshold", Period: 300, EvaluationPeriods: 1,
		}},
		{"anomaly-band-ALARM-to-OK.message.json", incident.Alarm{
			Name: "vibe-nonprod-lb-dev-alb-latency", ARN: "arn:aws:cloudwatch:us-east-2:201123718756:alarm:vibe-nonprod-lb-dev-alb-latency",
			Description: "Load balancer latency for application", AccountID: "201123718756", Region: "us-east-2",
			Kind: incident.KindAnomaly, State: incident.StateOK, OldState: incident.StateAlarm, ChangedAt: at("2021-06-29T15:36:20.269Z"),
			Metrics: []incident.Metric{
				{ID: "m1", Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime", Dimensions: dim("LoadBalancer", "app/lb-dev/699cf0a8ae9d6530"), Stat: "p90", Period: 900, ReturnData: true},
				{ID: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)", Label: "TargetResponseTime (Expected)", ReturnData: true},
			},
			ThresholdMetricID: "ad1", Comparison: "GreaterThanUpperThreshold", Period: 900, EvaluationPeriods: 2,
		}},
		{"anomaly-band-with-actions-ALARM-to-OK.message.json", incident.Alarm{
			Name: "RDS Prod - CPU Util", ARN: "arn:aws:cloudwatch:us-west-1:12341234:alarm:RDS Prod - CPU Util",
			Description: "## RDS Prod - CPU Util %", AccountID: "682846136134", Region: "us-west-1",
			Kind: incident.KindAnomaly, State: incident.StateOK, OldState: incident.StateAlarm, ChangedAt: at("2023-09-08T15:47:04.677Z"),
			Metrics: []incident.Metric{
				{ID: "m1", Namespace: "AWS/RDS", Name: "CPUUtilization", Dimensions: dim("DBInstanceIdentifier", "trailsoffroad-prod-v3"), Stat: "Average", Period: 300, ReturnData: true},
				{ID: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 12)", Label: "CPUUtilization (expected)", ReturnData: true},
			},
			ThresholdMetricID: "ad1", Comparison: "GreaterThanUpperThreshold", Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3,
		}},
		{"composite-OK-to-ALARM.message.json", incident.Alarm{
			Name: "checkout-degraded", ARN: "arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:checkout-degraded", Description: "Checkout is degraded",
			AccountID: acct, Region: "us-east-1", Kind: incident.KindComposite, State: incident.StateAlarm, OldState: incident.StateOK,
			ChangedAt: at("2024-03-06T10:15:41.113Z"), Rule: `ALARM("checkout-latency-p99") OR ALARM("checkout-5xx")`,
			Children: []string{"arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:checkout-latency-p99"},
		}},
		{"composite-string-children.message.json", incident.Alarm{
			Name: "platform-down", ARN: "arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:platform-down",
			AccountID: acct, Region: "us-east-1", Kind: incident.KindComposite, State: incident.StateAlarm, OldState: incident.StateOK,
			ChangedAt: at("2021-11-10T02:45:56.010Z"), Rule: "ALARM(db-down) AND ALARM(api-down)",
			Children: []string{"arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:db-down", "arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:api-down"},
		}},
		{"log-alarm-OK-to-ALARM.message.json", incident.Alarm{
			Name: "payment-errors-in-logs", ARN: "arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:payment-errors-in-logs", Description: "ERROR lines in payment logs",
			AccountID: acct, Region: "us-east-1", Kind: incident.KindLog, State: incident.StateAlarm, OldState: incident.StateOK,
			ChangedAt: at("2025-06-02T08:30:00Z"),
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParseAlarm(mustRead(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got.Reason == "" {
				t.Error("Reason is empty")
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(incident.Alarm{}, "Reason")); diff != "" {
				t.Errorf("ParseAlarm (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseAlarm_notAlarms(t *testing.T) {
	for _, tc := range []struct{ name, msg string }{
		{"EventBridge", mustRead(t, "eventbridge-alarm-state-change.json")},
		{"PlainText", mustRead(t, "plain-text.message.txt")},
		{"Empty", ""},
		{"Array", `[{"AlarmName":"x"}]`},
		{"NoState", `{"AlarmName":"x"}`},
		{"NameNotString", `{"AlarmName":7,"NewStateValue":"ALARM"}`},
		{"BrokenJSON", `{"AlarmName":"x",`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseAlarm(tc.msg); !errors.Is(err, ErrNotAlarm) {
				t.Errorf("err = %v; want ErrNotAlarm", err)
			}
		})
	}
}

func TestParseAlarm_shapes(t *testing.T) {
	const head = `{"AlarmName":"a","NewStateValue":"ALARM","StateChangeTime":"2024-03-06T10:15:40.002+0000","AlarmArn":"arn:aws:cloudwatch:us-east-1:1:alarm:a"`
	for _, tc := range []struct {
		name, msg string
		kind      incident.AlarmKind
		invalid   bool
	}{
		{"NoTrigger", head + `}`, incident.KindUnknownFmt, false},
		{"NullTrigger", head + `,"Trigger":null}`, incident.KindUnknownFmt, false},
		{"TriggerNotObject", head + `,"Trigger":"weird"}`, incident.KindUnknownFmt, false},
		{"TriggerEmpty", head + `,"Trigger":{}}`, incident.KindUnknownFmt, false},
		{"NumbersAsStrings", head + `,"Trigger":{"MetricName":"m","Period":"60","Threshold":"90"}}`, incident.KindMetric, false},
		{"EmptyChildren", head + `,"AlarmRule":"ALARM(x)","TriggeringChildren":[]}`, incident.KindComposite, false},
		{"OddChildren", head + `,"TriggeringChildren":[1,{"State":{}},null]}`, incident.KindComposite, false},
		{"RFC3339Time", `{"AlarmName":"a","NewStateValue":"OK","StateChangeTime":"2024-03-06T10:15:40Z"}`, incident.KindUnknownFmt, false},
		{"BadState", `{"AlarmName":"a","NewStateValue":"FIRE","StateChangeTime":"2024-03-06T10:15:40.002+0000"}`, "", true},
		{"BadOldState", head + `,"OldStateValue":"MAYBE"}`, "", true},
		{"BadTime", `{"AlarmName":"a","NewStateValue":"OK","StateChangeTime":"06/03/24"}`, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseAlarm(tc.msg)
			if tc.invalid {
				if !errors.Is(err, incident.ErrInvalid) || errors.Is(err, ErrNotAlarm) {
					t.Errorf("err = %v; want incident.ErrInvalid", err)
				}
				return
			}
			if err != nil || a.Kind != tc.kind {
				t.Errorf("Kind = %q, err = %v; want %q", a.Kind, err, tc.kind)
			}
		})
	}
}
