package sim

import (
	"testing"
	"time"
)

func TestCWAlarmMessage_JSON(t *testing.T) {
	at := time.Date(2024, 3, 6, 10, 15, 40, 2e6, time.UTC)
	for _, tc := range []struct {
		name string
		msg  CWAlarmMessage
		want string
	}{
		{"Defaults", CWAlarmMessage{Name: "api-5xx", State: CWStateAlarm, OldState: CWStateOK, Value: 12, Threshold: 5,
			ChangedAt: at, Namespace: "Test/Storm", MetricName: "HTTPCode_Target_5XX_Count", Statistic: "SUM",
			Dimensions: [][2]string{{"Service", "api"}}},
			`{"AlarmName":"api-5xx","AlarmDescription":null,"AWSAccountId":"123456789012","NewStateValue":"ALARM",
			"NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [12.0 (06/03/24 10:14:40)] was greater than the threshold (5.0).",
			"StateChangeTime":"2024-03-06T10:15:40.002+0000","Region":"US East (N. Virginia)",
			"AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx","OldStateValue":"OK",
			"Trigger":{"MetricName":"HTTPCode_Target_5XX_Count","Namespace":"Test/Storm","StatisticType":"Statistic","Statistic":"SUM",
			"Unit":null,"Dimensions":[{"name":"Service","value":"api"}],"Period":60,"EvaluationPeriods":1,
			"ComparisonOperator":"GreaterThanThreshold","Threshold":5,"TreatMissingData":"missing","EvaluateLowSampleCountPercentile":""}}`},
		{"BackToOK", CWAlarmMessage{Name: "lat", State: CWStateOK, OldState: CWStateAlarm, Value: 0.2, Threshold: 0.28,
			ChangedAt: at, ComparisonOperator: "GreaterThanOrEqualToThreshold", Statistic: "AVERAGE", Unit: "Seconds",
			Description: "p99 latency", Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 2, ConfiguredAt: at.Add(-time.Hour),
			AlarmActions: []string{"arn:t"}, OKActions: []string{"arn:t"}, Dimensions: [][2]string{{"TargetGroup", "tg"}, {"LoadBalancer", "lb"}}},
			`{"AlarmName":"lat","AlarmDescription":"p99 latency","AWSAccountId":"123456789012",
			"AlarmConfigurationUpdatedTimestamp":"2024-03-06T09:15:40.002+0000","NewStateValue":"OK",
			"NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [0.2 (06/03/24 10:14:40)] was not greater than or equal to the threshold (0.28).",
			"StateChangeTime":"2024-03-06T10:15:40.002+0000","Region":"US East (N. Virginia)",
			"AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:lat","OldStateValue":"ALARM",
			"OKActions":["arn:t"],"AlarmActions":["arn:t"],"InsufficientDataActions":[],
			"Trigger":{"MetricName":"","Namespace":"","StatisticType":"Statistic","Statistic":"AVERAGE","Unit":"Seconds",
			"Dimensions":[{"name":"TargetGroup","value":"tg"},{"name":"LoadBalancer","value":"lb"}],"Period":300,"EvaluationPeriods":3,
			"DatapointsToAlarm":2,"ComparisonOperator":"GreaterThanOrEqualToThreshold","Threshold":0.28,"TreatMissingData":"missing",
			"EvaluateLowSampleCountPercentile":""}}`},
		{"OwnReason", CWAlarmMessage{Name: "x", State: CWStateAlarm, Reason: "by hand", ChangedAt: at},
			`{"AlarmName":"x","AlarmDescription":null,"AWSAccountId":"123456789012","NewStateValue":"ALARM","NewStateReason":"by hand",
			"StateChangeTime":"2024-03-06T10:15:40.002+0000","Region":"US East (N. Virginia)","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:x",
			"OldStateValue":"","Trigger":{"MetricName":"","Namespace":"","StatisticType":"Statistic","Statistic":"","Unit":null,"Dimensions":[],
			"Period":60,"EvaluationPeriods":1,"ComparisonOperator":"GreaterThanThreshold","Threshold":0,"TreatMissingData":"missing",
			"EvaluateLowSampleCountPercentile":""}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := jsonDiff(t, tc.want, tc.msg.JSON()); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCWNumber(t *testing.T) {
	for v, want := range map[float64]string{12: "12.0", 0.28: "0.28", 97: "97.0", 0.337675: "0.337675", -1: "-1.0"} {
		if got := CWNumber(v); got != want {
			t.Errorf("CWNumber(%v) = %q, want %q", v, got, want)
		}
	}
}
