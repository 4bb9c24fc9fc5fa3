package playbooks

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

func TestSet_Match(t *testing.T) {
	s := MustLoad(t, nil)
	withTags := func(a *incident.Alarm) *incident.Alarm { a.Tags = map[string]string{"team": "payments"}; return a }
	clusterWide := metricAlarm("prod-cluster-cpu", "AWS/ECS", "CPUUtilization", "ClusterName", "prod")
	elbAlarm := metricAlarm("edge-alb-503", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", "app/edge/1a2b3c")
	tests := []struct {
		name  string
		alarm *incident.Alarm
		want  string
	}{
		{"ALB target 5xx", albAlarm(), "alb-5xx"},
		{"ALB ELB 5xx", elbAlarm, "alb-5xx"},
		{"RDS CPU", rdsCPUAlarm(), "rds-cpu"},
		{"RDS connections", metricAlarm("orders-db-conns", "AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", "orders-db-1"), "rds-connections"},
		{"ElastiCache", metricAlarm("sessions-cpu", "AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", "sessions-001"), "elasticache-cpu"},
		{"ECS service", ecsAlarm(), "ecs-service"},
		{"ECS cluster-wide has no ServiceName", clusterWide, "default"},
		{"Lambda", lambdaAlarm(), "lambda-errors"},
		{"SQS", sqsAlarm(), "sqs-age"},
		{"composite", compositeAlarm(), "default"},
		{"metric math on EC2", mathAlarm(), "default"},
		{"unmatched", metricAlarm("disk", "CWAgent", "disk_used_percent", "path", "/"), "default"},
		{"tags do not matter to built-ins", withTags(albAlarm()), "alb-5xx"},
		{"nil alarm", nil, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Match(tt.alarm).Name; got != tt.want {
				t.Errorf("Match = %q, want %q", got, tt.want)
			}
		})
	}
}

// precedence is a directory of playbooks that overlap on purpose.
var precedence = map[string]string{"precedence.yaml": `
name: payments-names
owner: S0PAYMENTS
match: {alarm_names: ["payments-*"]}
---
name: payments-alb
owner: S0PAYMENTS
match:
  namespace: AWS/ApplicationELB
  metric_name: HTTPCode_Target_5XX_Count
  dimensions: {LoadBalancer: "app/payments-*/*"}
  tags: {team: payments}
---
name: one-alarm
owner: S0PAYMENTS
match: {alarm_names: [payments-api-alb-5xx]}
---
name: eu-queues
owner: S0PAYMENTS
match: {regions: [eu-west-1], accounts: ["123456789012"]}
`}

func TestSet_Match_Precedence(t *testing.T) {
	s := MustLoad(t, precedence)
	tagged := albAlarm()
	tagged.Name = "payments-web-5xx"
	tagged.Tags = map[string]string{"team": "payments"}
	untagged := albAlarm()
	untagged.Name = "payments-web-5xx"
	eu := sqsAlarm()
	eu.Region = "eu-west-1"
	euOther := metricAlarm("x", "AWS/EC2", "CPUUtilization")
	euOther.Region = "eu-west-1"
	tests := []struct {
		name  string
		alarm *incident.Alarm
		want  string
	}{
		{"exact alarm name beats more fields", albAlarm(), "one-alarm"},
		{"more fields beat fewer (4+1 > 3 > 1)", tagged, "payments-alb"},
		{"built-in alb-5xx (3 fields) beats a name glob (1)", untagged, "alb-5xx"},
		{"name glob beats default", metricAlarm("payments-batch", "Custom", "Lag"), "payments-names"},
		{"sqs-age (3) beats account+region (2)", eu, "sqs-age"},
		{"account+region beats default", euOther, "eu-queues"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Match(tt.alarm).Name; got != tt.want {
				t.Errorf("Match = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoad_Override(t *testing.T) {
	s := MustLoad(t, map[string]string{
		"default.yaml": "name: default\nowner: S0MYONCALL\nservice: '{{tag:service}}'\ngroup_by: service\n",
		"team.yml":     "name: billing\nowner: S0BILLING\nmatch: {tags: {team: billing}}\n",
		"notes.txt":    "not a playbook",
	})
	def, ok := s.Get("default")
	if !ok || def.Owner != "S0MYONCALL" || def.Source == "built-in/default.yaml" {
		t.Errorf("default not overridden: %+v", def)
	}
	if _, ok := s.Get("billing"); !ok {
		t.Error("billing was not added")
	}
	var names []string
	for _, p := range s.All() {
		names = append(names, p.Name)
	}
	want := []string{"alb-5xx", "billing", "default", "ecs-service", "elasticache-cpu", "lambda-errors", "rds-connections", "rds-cpu", "sqs-age"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("All() names (-want +got):\n%s", diff)
	}
	if !s.NeedsTags() {
		t.Error("NeedsTags = false with a tag match and a {{tag:}} service")
	}
	unmatched := metricAlarm("x", "Custom", "Y")
	if got := s.Match(unmatched); got != def {
		t.Errorf("unmatched alarm got %q, want the overriding default", got.Name)
	}
}

func TestLoad_NeedsTags(t *testing.T) {
	if MustLoad(t, nil).NeedsTags() {
		t.Error("the built-ins need no tags, so no ListTagsForResource call")
	}
}

func TestLoad_Errors(t *testing.T) {
	dir := MustWriteDir(t, map[string]string{
		"a.yaml": "name: a\nowner: S0A\nescalation:\n  - after: soon\n    page: true\n",
		"b.yaml": "name: b\nonwer: S0B\n",
	})
	_, err := Load(dir)
	if !errors.Is(err, incident.ErrInvalid) {
		t.Fatalf("Load err = %v, want ErrInvalid", err)
	}
	var probs Problems
	if !errors.As(err, &probs) || len(probs) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
	for _, want := range []string{"a.yaml:4: escalation[0].after: bad duration", `b.yaml:2: unknown field "onwer"`, "b.yaml:1: missing owner"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := Load(dir + "/missing"); err == nil {
		t.Error("Load of a missing directory succeeded")
	}
}

func TestLoad_MergeKeys(t *testing.T) {
	s := MustLoad(t, map[string]string{"team.yaml": `
name: team-a
owner: S0TEAMA
match: {alarm_names: ["team-a-*"]}
escalation:
  - &notify {after: 5m, notify: [S0TEAMA, S0SRE], invite: [U0LEAD01]}
  - <<: *notify
    after: 20m
    page: true
`})
	p, _ := s.Get("team-a")
	want := []Step{
		{After: 5 * time.Minute, Notify: []string{"S0TEAMA", "S0SRE"}, Invite: []string{"U0LEAD01"}},
		{After: 20 * time.Minute, Notify: []string{"S0TEAMA", "S0SRE"}, Invite: []string{"U0LEAD01"}, Page: PageTarget{Kind: PageWebhook}},
	}
	if diff := cmp.Diff(want, p.Escalation); diff != "" {
		t.Errorf("Escalation (-want +got):\n%s", diff)
	}
}
