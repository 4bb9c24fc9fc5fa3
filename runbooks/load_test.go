package runbooks

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

func writeFile(tb testing.TB, dir, name, body string) {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestLoad_DirectoryAddsAndOverrides(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "restart.yml", `
name: restart-ec2-instance
kind: automation
document: AWS-RestartEC2Instance
targets: {from_alarm: InstanceId}
approval: {approvers: [S0TEAM], required: 2}
`)
	writeFile(t, dir, "uptime.yaml", `
name: uptime
kind: command
document: AWS-RunShellScript
targets: {tags: {Role: web}}
parameters: {commands: [uptime]}
approval: none
auto_run_on: ["web-*"]
`)
	writeFile(t, dir, "notes.txt", "not a runbook")
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := s.Get("restart-ec2-instance")
	if r.Approval.Required != 2 || r.Source != filepath.Join(dir, "restart.yml") {
		t.Errorf("override not applied: %+v from %s", r.Approval, r.Source)
	}
	if _, ok := s.Get("uptime"); !ok || len(s.All()) != 7 {
		t.Errorf("names %v", s.Names())
	}
	var auto []string
	for _, r := range s.AutoRun("web-latency") {
		auto = append(auto, r.Name)
	}
	if diff := cmp.Diff([]string{"uptime"}, auto); diff != "" {
		t.Errorf("AutoRun (-want +got):\n%s", diff)
	}
	if got := s.AutoRun("api-cpu-high"); len(got) != 1 || got[0].Name != "run-diagnostics" {
		t.Errorf("AutoRun(api-cpu-high) = %v", got)
	}
}

func TestLoad_RefusesAnyProblem(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.yaml", "name: bad\nkind: command\ndocument: AWS-RunShellScript\n")
	_, err := Load(dir)
	if !errors.Is(err, incident.ErrInvalid) || !strings.Contains(err.Error(), "bad.yaml:1: missing approval") {
		t.Errorf("got %v", err)
	}
}

func TestSet_WithAutomationRole(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	const role = "arn:aws:iam::123456789012:role/tocsin-automation"
	withRole, err := s.WithAutomationRole(role)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range withRole.All() {
		got := r.Parameters["AutomationAssumeRole"]
		want := r.Kind == KindAutomation
		if (len(got) == 1 && got[0] == role) != want {
			t.Errorf("%s: AutomationAssumeRole = %v", r.Name, got)
		}
	}
	orig, _ := s.Get("restart-ec2-instance")
	if _, ok := orig.Parameters["AutomationAssumeRole"]; ok {
		t.Error("WithAutomationRole changed the original set")
	}
	if _, err := s.WithAutomationRole("arn:aws:iam::123:user/x"); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("bad role accepted: %v", err)
	}
}

func TestAdmittedMeta(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{`[a-z0-9-]{1,40}`, nil},
		{`[A-Za-z0-9_.:/-]+`, nil},
		{`api|worker`, nil},
		{`.*`, strings.Fields("; $ ( ) ` | & > < \\r ' \" space \\t \\ * ? [ ] { } ~ # !")},
		{`[a-z]+( [a-z]+)*`, []string{"space"}},
		{`[^a-z]`, strings.Fields("; $ ( ) ` | & > < \\n \\r ' \" space \\t \\ * ? [ ] { } ~ # !")},
		{`\w+`, nil},
		{`\S+`, strings.Fields("; $ ( ) ` | & > < ' \" \\ * ? [ ] { } ~ # !")},
		{`svc-[a-z]+;?`, []string{";"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, admittedMeta(tt.pattern)); diff != "" {
			t.Errorf("admittedMeta(%q) (-want +got):\n%s", tt.pattern, diff)
		}
	}
}

// TestDocuments checks tocsin's own SSM documents: every String parameter
// has an allowedPattern or allowedValues, Command documents pass parameters
// only as environment variables and never write {{ }} into a script, and
// Automation documents use API actions only (no script steps).
func TestDocuments(t *testing.T) {
	files, err := fs.Glob(Documents, "documents/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no documents: %v", err)
	}
	if _, err := ownDocuments(Documents); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, _ := fs.ReadFile(Documents, f)
		var d struct {
			SchemaVersion string
			Parameters    map[string]map[string]any
			MainSteps     []struct {
				Action string
				Inputs map[string]any
			}
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, p := range d.Parameters {
			_, pat := p["allowedPattern"]
			_, vals := p["allowedValues"]
			if p["type"] == "String" && !pat && !vals {
				t.Errorf("%s: String parameter %s has neither allowedPattern nor allowedValues", f, name)
			}
			if d.SchemaVersion == "2.2" && p["interpolationType"] != "ENV_VAR" {
				t.Errorf("%s: parameter %s is not passed as an environment variable", f, name)
			}
		}
		for _, s := range d.MainSteps {
			switch {
			case d.SchemaVersion == "2.2":
				script, _ := json.Marshal(s.Inputs["runCommand"])
				if strings.Contains(string(script), "{{") {
					t.Errorf("%s: a script contains {{ }}: %s", f, script)
				}
			case s.Action != "aws:executeAwsApi" && s.Action != "aws:waitForAwsResourceProperty":
				t.Errorf("%s: automation step action %s may run code", f, s.Action)
			}
		}
	}
}
