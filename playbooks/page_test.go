package playbooks

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestParsePageTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want PageTarget
		err  string
	}{
		{in: "true", want: PageTarget{Kind: PageWebhook}},
		{in: "false", want: PageTarget{}},
		{in: "pagerduty", want: PageTarget{Kind: PagePagerDuty}},
		{in: "pagerduty:PD_KEY_2", want: PageTarget{Kind: PagePagerDuty, Name: "PD_KEY_2"}},
		{in: "sms", want: PageTarget{Kind: PageSMS}},
		{in: "rotation:primary-db", want: PageTarget{Kind: PageRotation, Name: "primary-db"}},
		{in: "pagerduty:", err: `"" is not an environment variable name`},
		{in: "pagerduty:A-B", err: `"A-B" is not an environment variable name`},
		{in: "rotation:", err: "rotation names are"},
		{in: "sms:+15551234567", err: `unknown page target "sms:+15551234567"`},
		{in: "True", err: `unknown page target "True"`},
		{in: "opsgenie", err: `unknown page target "opsgenie" (want true, pagerduty, pagerduty:ENV_NAME, sms or rotation:NAME)`},
	} {
		got, err := ParsePageTarget(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParsePageTarget(%q): %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParsePageTarget(%q) error = %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && got != tc.want:
			t.Errorf("ParsePageTarget(%q) = %+v, want %+v", tc.in, got, tc.want)
		case tc.err == "" && got.String() != tc.in && tc.in != "false":
			t.Errorf("ParsePageTarget(%q).String() = %q, want it back", tc.in, got.String())
		}
	}
}

func TestPageTarget_KeyEnv(t *testing.T) {
	if got := (PageTarget{Kind: PagePagerDuty}).KeyEnv(); got != DefaultRoutingKeyEnv {
		t.Errorf("default KeyEnv = %q", got)
	}
	if got := (PageTarget{Kind: PagePagerDuty, Name: "PD_X"}).KeyEnv(); got != "PD_X" {
		t.Errorf("KeyEnv = %q", got)
	}
}

// TestSecret_NeverPrinted: a routing key in a PageTarget does not show in
// fmt's verbs, JSON or slog.
func TestSecret_NeverPrinted(t *testing.T) {
	const key = "R0UTINGKEY-VISIBLE-0000000000000"
	step := Step{Page: PageTarget{Kind: PagePagerDuty, Name: "PD_X", Key: Secret(key)}}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outs = append(outs, fmt.Sprintf(verb, step))
	}
	js, _ := json.Marshal(step)
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "step", step, "key", step.Page.Key)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "step", step, "key", step.Page.Key)
	outs = append(outs, string(js), logs.String())
	for _, out := range outs {
		if strings.Contains(out, key) || strings.Contains(out, fmt.Sprintf("%x", key)) {
			t.Errorf("the key shows in %s", out)
		}
	}
	if step.Page.Key.Reveal() != key {
		t.Error("Reveal does not return the key")
	}
}
