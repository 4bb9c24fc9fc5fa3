package playbooks

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

func TestPlaybook_GroupKey(t *testing.T) {
	s := MustLoad(t, map[string]string{"svc.yaml": `
name: payments
owner: S0PAYMENTS
match: {tags: {team: payments}}
service: "{{tag:service}}"
group_by: service
`})
	tagged := func(a *incident.Alarm, tags ...string) *incident.Alarm {
		a.Tags = map[string]string{}
		for i := 0; i+1 < len(tags); i += 2 {
			a.Tags[tags[i]] = tags[i+1]
		}
		return a
	}
	tests := []struct {
		name  string
		alarm *incident.Alarm
		want  string
	}{
		{"dimension LoadBalancer", albAlarm(), "pb:alb-5xx:app/payments-api/50dc6c495c0c9188"},
		{"dimension DBInstanceIdentifier", rdsCPUAlarm(), "pb:rds-cpu:orders-db-1"},
		{"service from two dimensions", ecsAlarm(), "pb:ecs-service:prod/checkout"},
		{"dimension FunctionName", lambdaAlarm(), "pb:lambda-errors:resize-images"},
		{"dimension QueueName", sqsAlarm(), "pb:sqs-age:emails"},
		{"default groups by alarm", compositeAlarm(), "pb:default:checkout-degraded"},
		{"service from a tag", tagged(metricAlarm("ledger-lag", "Custom/Ledger", "Lag"), "team", "payments", "service", "ledger"), "pb:payments:ledger"},
		{"service tag missing", tagged(metricAlarm("ledger-errors", "Custom/Ledger", "Errors"), "team", "payments"), "pb:payments:unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Match(tt.alarm).GroupKey(tt.alarm); got != tt.want {
				t.Errorf("GroupKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPlaybook_GroupKey_MissingDimension(t *testing.T) {
	p := &Playbook{Name: "queues", GroupBy: "dimension:QueueName"}
	a := compositeAlarm()
	if got, want := p.GroupKey(a), "pb:queues:checkout-degraded"; got != want {
		t.Errorf("GroupKey = %q, want %q (the alarm's own name)", got, want)
	}
}

func TestPlaybook_Service(t *testing.T) {
	a := ecsAlarm()
	a.Tags = map[string]string{"service": "checkout-api", "team": ""}
	tests := []struct {
		tmpl string
		want string
	}{
		{"", "unknown"},
		{"payments", "payments"},
		{"{{tag:service}}", "checkout-api"},
		{"{{tag:team}}", "unknown"}, // empty tag value
		{"{{tag:owner}}", "unknown"},
		{"{{tag:owner|dimension:ServiceName}}", "checkout"},
		{"{{ tag:owner | tag:service }}", "checkout-api"},
		{"{{dimension:ClusterName}}/{{dimension:ServiceName}}", "prod/checkout"},
		{"{{dimension:ClusterName}}/{{dimension:TaskId}}", "unknown"},
		{"{{alarm}} in {{account}}/{{region}}", "checkout-memory-high in 123456789012/us-east-1"},
		{"{{tag:service", "{{tag:service"}, // refused by Check, literal here
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			p := &Playbook{ServiceTemplate: tt.tmpl}
			if got := p.Service(a); got != tt.want {
				t.Errorf("Service = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPlaybook_Severity(t *testing.T) {
	p := &Playbook{SeverityPolicy: SeverityPolicy{
		Default: incident.SEV3,
		Rules: []SeverityRule{
			{IfFiringAtLeast: 5, Then: incident.SEV1},
			{IfFiringAtLeast: 2, Then: incident.SEV2},
			{IfFiringAtLeast: 1, Then: incident.SEV4}, // never lowers
		},
	}}
	for firing, want := range map[int]incident.Severity{0: incident.SEV3, 1: incident.SEV3, 2: incident.SEV2, 4: incident.SEV2, 5: incident.SEV1, 50: incident.SEV1} {
		if got := p.Severity(firing); got != want {
			t.Errorf("Severity(%d) = %v, want %v", firing, got, want)
		}
	}
	if got := (&Playbook{}).Severity(1); got != incident.SEV3 {
		t.Errorf("unset default: Severity = %v, want SEV3", got)
	}
	alb, _ := MustLoad(t, nil).Get("alb-5xx")
	if got := []incident.Severity{alb.Severity(1), alb.Severity(3)}; !cmp.Equal(got, []incident.Severity{incident.SEV2, incident.SEV1}) {
		t.Errorf("alb-5xx severities for 1 and 3 firing = %v, want [SEV2 SEV1]", got)
	}
}

func TestPlaybook_Due(t *testing.T) {
	opened := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	alb, _ := MustLoad(t, nil).Get("alb-5xx")
	want := []DueStep{
		{Index: 0, At: opened.Add(5 * time.Minute)},
		{Index: 1, At: opened.Add(15 * time.Minute)},
		{Index: 2, At: opened.Add(30 * time.Minute)},
	}
	if diff := cmp.Diff(want, alb.Due(opened)); diff != "" {
		t.Errorf("Due (-want +got):\n%s", diff)
	}
	if got := (&Playbook{}).Due(opened); got != nil {
		t.Errorf("no escalation: Due = %v, want nil", got)
	}
}

func TestPlaybook_GraphsFor(t *testing.T) {
	s := MustLoad(t, nil)
	def, _ := s.Get("default")
	lb := map[string]string{"LoadBalancer": "app/payments-api/50dc6c495c0c9188", "TargetGroup": "targetgroup/payments/73e2d6bc24d8a067"}
	tests := []struct {
		name  string
		p     *Playbook
		alarm *incident.Alarm
		want  []Graph
	}{
		{"alarm's own metric", def, rdsCPUAlarm(), []Graph{{Namespace: "AWS/RDS", Metric: "CPUUtilization", Stat: "Sum", Period: 60,
			Dimensions: map[string]string{"DBInstanceIdentifier": "orders-db-1"}}}},
		{"metric-math legs", def, mathAlarm(), []Graph{{Namespace: "AWS/EC2", Metric: "NetworkOut", Stat: "Average", Period: 60,
			Dimensions: map[string]string{"InstanceId": "TestInstance"}}}},
		{"composite has none", def, compositeAlarm(), nil},
		{"dimensions from alarm, overridden", &Playbook{Graphs: []Graph{{Namespace: "AWS/ApplicationELB", Metric: "RequestCount",
			DimensionsFromAlarm: true, Dimensions: map[string]string{"TargetGroup": "targetgroup/all/1"}}}}, albAlarm(),
			[]Graph{{Namespace: "AWS/ApplicationELB", Metric: "RequestCount", Stat: "Average", Period: 60,
				Dimensions: map[string]string{"LoadBalancer": lb["LoadBalancer"], "TargetGroup": "targetgroup/all/1"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.p.GraphsFor(tt.alarm)); diff != "" {
				t.Errorf("GraphsFor (-want +got):\n%s", diff)
			}
		})
	}
	alb, _ := s.Get("alb-5xx")
	if got := alb.GraphsFor(albAlarm()); len(got) != 3 || !cmp.Equal(got[0].Dimensions, lb) {
		t.Errorf("alb-5xx graphs = %+v", got)
	}
}

func TestPlaybook_LinksFor(t *testing.T) {
	p := &Playbook{Links: []Link{
		{Title: "Alarm {{alarm}}", URL: "https://{{region}}.console.aws.amazon.com/cloudwatch/home?region={{region}}#alarmsV2:alarm/{{alarm}}"},
		{Title: "Service", URL: "https://example.com/{{tag:service}}"},
		{Title: "Docs", URL: "https://docs.example.com/"},
	}}
	a := metricAlarm("api 5xx/high", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count")
	want := []Link{
		{Title: "Alarm api 5xx/high", URL: "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/api%205xx%2Fhigh"},
		{Title: "Docs", URL: "https://docs.example.com/"},
	}
	if diff := cmp.Diff(want, p.LinksFor(a)); diff != "" {
		t.Errorf("LinksFor (-want +got):\n%s", diff)
	}
}
