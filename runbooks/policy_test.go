package runbooks

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestIAMPolicy checks deploy/iam-policy.json against the built-ins: every
// command document may be sent and every automation started, nothing else,
// and SendCommand on instances is limited to tocsin:managed=true; and
// sns:Publish is allowed on the paging topic only.
func TestIAMPolicy(t *testing.T) {
	b, err := os.ReadFile("../deploy/iam-policy.json")
	if err != nil {
		t.Skipf("policy not beside the package: %v", err)
	}
	var policy struct {
		Statement []struct {
			Sid       string
			Action    any
			Resource  any
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal(b, &policy); err != nil {
		t.Fatal(err)
	}
	resources := map[string][]string{} // action -> resources
	for _, st := range policy.Statement {
		for _, a := range list(st.Action) {
			resources[a] = append(resources[a], list(st.Resource)...)
		}
		if slices.Contains(list(st.Resource), "arn:aws:ec2:*:*:instance/*") &&
			st.Condition["StringEquals"]["ssm:resourceTag/tocsin:managed"] != "true" {
			t.Errorf("%s: instances are not limited to tocsin:managed=true", st.Sid)
		}
	}
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	var wantSend, wantStart []string
	for _, r := range s.All() {
		if r.Kind == KindCommand {
			wantSend = append(wantSend, r.Document)
		} else {
			wantStart = append(wantStart, r.Document)
		}
	}
	// Pages (package snspage) publish to the paging topic only, never "*".
	if got := resources["sns:Publish"]; !slices.Equal(got, []string{"arn:aws:sns:*:*:tocsin-pages"}) || len(resources["sns:*"]) > 0 {
		t.Errorf("sns:Publish is allowed on %v, want only the paging topic arn:aws:sns:*:*:tocsin-pages", got)
	}
	checkDocs(t, "ssm:SendCommand", resources["ssm:SendCommand"], "document/", wantSend)
	checkDocs(t, "ssm:StartAutomationExecution", resources["ssm:StartAutomationExecution"], "automation-definition/", wantStart)
}

func checkDocs(t *testing.T, action string, resources []string, kind string, want []string) {
	t.Helper()
	var got []string
	for _, r := range resources {
		if r == "*" {
			t.Errorf("%s is allowed on every resource", action)
		}
		if _, name, ok := strings.Cut(r, kind); ok {
			name, _, _ = strings.Cut(name, ":")
			got = append(got, name)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(slices.Compact(got), slices.Compact(want)) {
		t.Errorf("%s documents: policy allows %v, built-ins use %v", action, got, want)
	}
}

func list(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}
