package playbooks

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// realRunbooks are the runbook names the runbook library ships.
var realRunbooks = map[string]bool{
	"restart-ecs-service": true, "scale-ecs-service": true, "reboot-rds-instance": true,
	"restart-ec2-instance": true, "run-diagnostics": true, "flush-elasticache": true,
}

func runbookExists(name string) bool { return realRunbooks[name] }

// testKeys are the environment the tests' PagerDuty targets read.
var testKeys = map[string]string{DefaultRoutingKeyEnv: "R0UTINGKEYDEFAULT0000000000000000", "PD_PAYMENTS_KEY": "R0UTINGKEYPAYMENTS00000000000000"}

// testEnv checks runbook names against the runbook library and reads
// routing keys from testKeys.
var testEnv = Env{RunbookExists: runbookExists, Getenv: func(name string) string { return testKeys[name] }}

// MustLoad loads the built-ins plus the given files, written to a temporary
// directory.
func MustLoad(tb testing.TB, files map[string]string) *Set {
	tb.Helper()
	dir := ""
	if files != nil {
		dir = MustWriteDir(tb, files)
	}
	s, err := Load(dir)
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return s
}

// MustWriteDir writes files into a new temporary directory.
func MustWriteDir(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

var changed = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// metricAlarm is a metric alarm shaped like CloudWatch's SNS notification.
func metricAlarm(name, namespace, metric string, dims ...string) *incident.Alarm {
	a := &incident.Alarm{
		Name:      name,
		ARN:       "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name,
		AccountID: "123456789012",
		Region:    "us-east-1",
		Kind:      incident.KindMetric,
		State:     incident.StateAlarm,
		OldState:  incident.StateOK,
		ChangedAt: changed,
		Period:    60,
		Metric:    incident.Metric{Namespace: namespace, Name: metric, Stat: "Sum", Period: 60},
	}
	for i := 0; i+1 < len(dims); i += 2 {
		a.Metric.Dimensions = append(a.Metric.Dimensions, incident.Dimension{Name: dims[i], Value: dims[i+1]})
	}
	return a
}

func albAlarm() *incident.Alarm {
	return metricAlarm("payments-api-alb-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count",
		"LoadBalancer", "app/payments-api/50dc6c495c0c9188", "TargetGroup", "targetgroup/payments/73e2d6bc24d8a067")
}

func rdsCPUAlarm() *incident.Alarm {
	return metricAlarm("orders-db-cpu-high", "AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "orders-db-1")
}

func ecsAlarm() *incident.Alarm {
	return metricAlarm("checkout-memory-high", "AWS/ECS", "MemoryUtilization",
		"ClusterName", "prod", "ServiceName", "checkout")
}

func lambdaAlarm() *incident.Alarm {
	return metricAlarm("resize-images-throttles", "AWS/Lambda", "Throttles", "FunctionName", "resize-images")
}

func sqsAlarm() *incident.Alarm {
	return metricAlarm("emails-backlog", "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "emails")
}

// compositeAlarm has a rule over other alarms and no metric.
func compositeAlarm() *incident.Alarm {
	return &incident.Alarm{
		Name:      "checkout-degraded",
		ARN:       "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-degraded",
		AccountID: "123456789012",
		Region:    "us-east-1",
		Kind:      incident.KindComposite,
		State:     incident.StateAlarm,
		ChangedAt: changed,
		Rule:      `ALARM("checkout-memory-high") OR ALARM("payments-api-alb-5xx")`,
		Children:  []string{"checkout-memory-high"},
	}
}

// mathAlarm is the metric-math alarm of AWS's documented example: no metric
// name of its own, one named leg.
func mathAlarm() *incident.Alarm {
	return &incident.Alarm{
		Name:      "EXAMPLE",
		AccountID: "123456789012",
		Region:    "us-east-1",
		Kind:      incident.KindMath,
		State:     incident.StateAlarm,
		ChangedAt: changed,
		Period:    60,
		Metrics: []incident.Metric{
			{ID: "e1", Expression: "m1*1", Label: "Expression1", ReturnData: true},
			{ID: "m1", Namespace: "AWS/EC2", Name: "NetworkOut", Stat: "Average", Period: 60,
				Dimensions: []incident.Dimension{{Name: "InstanceId", Value: "TestInstance"}}},
		},
	}
}
