package runbooks

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

func alarmWith(dims ...incident.Dimension) *incident.Alarm {
	return &incident.Alarm{Name: "api-cpu-high", Kind: incident.KindMetric, State: incident.StateAlarm,
		Metric: incident.Metric{Namespace: "AWS/EC2", Name: "CPUUtilization", Dimensions: dims}}
}

func TestRunbook_Plan(t *testing.T) {
	withInstance := alarmWith(incident.Dimension{Name: "InstanceId", Value: "i-0123456789abcdef0"})
	t.Run("FromAlarmCommand", func(t *testing.T) {
		p, err := MustBuiltin(t, "run-diagnostics").Plan(nil, withInstance)
		if err != nil {
			t.Fatal(err)
		}
		want := Plan{Runbook: "run-diagnostics", Kind: KindCommand, Document: "AWS-RunShellScript",
			InstanceIDs: []string{"i-0123456789abcdef0"}, TimeoutSeconds: 120,
			Parameters: map[string][]string{
				"commands":         {"uptime", "df -h", "free -m", "top -b -n1 | head -20"},
				"executionTimeout": {"60"},
			}}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
	})
	t.Run("FromAlarmAutomation", func(t *testing.T) {
		a := alarmWith(incident.Dimension{Name: "DBInstanceIdentifier", Value: "orders-db-1"})
		p, err := MustBuiltin(t, "reboot-rds-instance").Plan(map[string]string{}, a)
		if err != nil {
			t.Fatal(err)
		}
		want := Plan{Runbook: "reboot-rds-instance", Kind: KindAutomation, Document: "AWS-RebootRdsInstance",
			Parameters: map[string][]string{"InstanceId": {"orders-db-1"}}}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
	})
	t.Run("FromAlarmWithoutDimension", func(t *testing.T) {
		_, err := MustBuiltin(t, "restart-ec2-instance").Plan(nil, alarmWith(incident.Dimension{Name: "AutoScalingGroupName", Value: "web"}))
		if !errors.Is(err, incident.ErrInvalid) || !strings.Contains(err.Error(), "alarm api-cpu-high has no InstanceId dimension") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("FromAlarmWithoutAlarm", func(t *testing.T) {
		_, err := MustBuiltin(t, "restart-ec2-instance").Plan(nil, nil)
		if !errors.Is(err, incident.ErrInvalid) || !strings.Contains(err.Error(), "not opened by an alarm") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("FromAlarmNotAnInstance", func(t *testing.T) {
		_, err := MustBuiltin(t, "run-diagnostics").Plan(nil, alarmWith(incident.Dimension{Name: "InstanceId", Value: "i-1; reboot"}))
		if !errors.Is(err, incident.ErrInvalid) || !strings.Contains(err.Error(), "is not an instance id") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("InputsAndTags", func(t *testing.T) {
		p, err := MustBuiltin(t, "flush-elasticache").Plan(map[string]string{"endpoint": "orders.abc123.ng.0001.use1.cache.amazonaws.com"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := Plan{Runbook: "flush-elasticache", Kind: KindCommand, Document: "Tocsin-FlushElastiCache",
			Targets:        []Target{{Key: "tag:tocsin:role", Values: []string{"ops"}}},
			Parameters:     map[string][]string{"Endpoint": {"orders.abc123.ng.0001.use1.cache.amazonaws.com"}},
			TimeoutSeconds: 300, MaxConcurrency: "1", MaxErrors: "0"}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
	})
	t.Run("ValidatesAgain", func(t *testing.T) {
		_, err := MustBuiltin(t, "scale-ecs-service").Plan(map[string]string{"cluster": "prod", "service": "api", "count": "$(reboot)"}, nil)
		if !errors.Is(err, incident.ErrInvalid) {
			t.Errorf("unvalidated input planned: %v", err)
		}
	})
}

func TestPlan_JSONRoundTrip(t *testing.T) {
	p, err := MustBuiltin(t, "scale-ecs-service").Plan(map[string]string{"cluster": "prod", "service": "api", "count": "4"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestPlan_String(t *testing.T) {
	a := alarmWith(incident.Dimension{Name: "InstanceId", Value: "i-0123456789abcdef0"})
	p, err := MustBuiltin(t, "run-diagnostics").Plan(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	want := `runbook run-diagnostics (command)
document AWS-RunShellScript
instances: i-0123456789abcdef0
commands:
  - uptime
  - df -h
  - free -m
  - top -b -n1 | head -20
executionTimeout:
  - 60
delivery timeout: 120s
`
	if diff := cmp.Diff(want, p.String()); diff != "" {
		t.Errorf("rendered plan (-want +got):\n%s", diff)
	}
}
