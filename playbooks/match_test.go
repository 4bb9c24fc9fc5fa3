package playbooks

import "testing"

func TestTies(t *testing.T) {
	alb := Match{Namespace: Patterns{"AWS/ApplicationELB"}, MetricName: Patterns{"HTTPCode_Target_5XX_Count"}}
	tests := []struct {
		name string
		a, b Match
		want bool
	}{
		{"identical", alb, alb, true},
		{"both empty", Match{}, Match{}, true},
		{"different counts", alb, Match{Namespace: alb.Namespace}, false},
		{"different literals", alb, Match{Namespace: alb.Namespace, MetricName: Patterns{"HTTPCode_ELB_5XX_Count"}}, false},
		{"glob matches literal", alb, Match{Namespace: Patterns{"AWS/*"}, MetricName: Patterns{"HTTPCode_*"}}, true},
		{"star does not cross slash", Match{Dimensions: map[string]string{"LoadBalancer": "*"}},
			Match{Dimensions: map[string]string{"LoadBalancer": "app/*/*"}}, false},
		{"different dimension names", Match{Dimensions: map[string]string{"QueueName": "*"}},
			Match{Dimensions: map[string]string{"FunctionName": "*"}}, true},
		{"exact name beats glob name", Match{AlarmNames: Patterns{"api-5xx"}}, Match{AlarmNames: Patterns{"api-*"}}, false},
		{"exact name beats other field", Match{AlarmNames: Patterns{"api-5xx"}}, Match{Regions: Patterns{"us-east-1"}}, false},
		{"glob name ties other field", Match{AlarmNames: Patterns{"api-*"}}, Match{Regions: Patterns{"us-east-1"}}, true},
		{"same exact name", Match{AlarmNames: Patterns{"api-5xx"}}, Match{AlarmNames: Patterns{"x", "api-5xx"}}, true},
		{"unrelated globs are not seen", Match{AlarmNames: Patterns{"*-alb-5xx*"}}, Match{AlarmNames: Patterns{"payments-*"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ties(&tt.a, &tt.b); got != tt.want {
				t.Errorf("ties = %v, want %v", got, tt.want)
			}
			if got := ties(&tt.b, &tt.a); got != tt.want {
				t.Errorf("ties reversed = %v, want %v", got, tt.want)
			}
		})
	}
}
