package dispatch_test

import (
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
)

// albAlarm is an Application Load Balancer target 5xx alarm, as
// intake.ParseAlarm returns it.
func albAlarm() incident.Alarm {
	threshold := 5.0
	return incident.Alarm{
		Name: "api-alb-target-5xx", ARN: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-alb-target-5xx",
		AccountID: "123456789012", Region: "us-east-1", Kind: incident.KindMetric,
		State: incident.StateAlarm, OldState: incident.StateOK,
		ChangedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		Metric: incident.Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count", Stat: "Sum", Period: 60,
			Dimensions: []incident.Dimension{{Name: "LoadBalancer", Value: "app/api-prod/50dc6c495c0c9188"}}},
		Threshold: &threshold, Comparison: "GreaterThanThreshold", Period: 60, EvaluationPeriods: 1,
	}
}

// BenchmarkGroupKey is the grouping decision the engine makes for every
// alarm before its transaction: the most specific built-in playbook, then
// the group key and service it names.
func BenchmarkGroupKey(b *testing.B) {
	set, err := playbooks.Load("")
	if err != nil {
		b.Fatal(err)
	}
	a := albAlarm()
	if pb := set.Match(&a); pb.Name != "alb-5xx" {
		b.Fatalf("matched playbook %q, want alb-5xx", pb.Name)
	}
	const want = "pb:alb-5xx:app/api-prod/50dc6c495c0c9188"
	b.ReportAllocs()
	for b.Loop() {
		pb := set.Match(&a)
		if key, service := pb.GroupKey(&a), pb.Service(&a); key != want || service == "" {
			b.Fatalf("group key %q service %q", key, service)
		}
	}
}
