package runbooks

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/golden"
)

// TestCheck_Golden checks every definition in testdata/check and compares
// its problems with the .golden file beside it (empty for a good file).
func TestCheck_Golden(t *testing.T) {
	const dir = "testdata/check"
	byFile := map[string][]string{}
	for _, p := range Check(dir) {
		if strings.HasPrefix(p.File, builtinPrefix) {
			t.Errorf("built-in problem: %s", p)
			continue
		}
		byFile[filepath.Base(p.File)] = append(byFile[filepath.Base(p.File)], p.String())
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test definitions: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			got := strings.Join(byFile[filepath.Base(f)], "\n")
			if got != "" {
				got += "\n"
			}
			golden.Check(t, strings.TrimSuffix(f, ".yaml")+".golden", got)
		})
	}
}

func TestCheck_BuiltinsPass(t *testing.T) {
	if ps := Check(""); len(ps) > 0 {
		for _, p := range ps {
			t.Error(p)
		}
	}
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"flush-elasticache", "reboot-rds-instance", "restart-ec2-instance",
		"restart-ecs-service", "run-diagnostics", "scale-ecs-service"}
	if diff := cmp.Diff(want, s.Names()); diff != "" {
		t.Errorf("built-in names (-want +got):\n%s", diff)
	}
	docs := knownDocuments()
	for _, r := range s.All() {
		if _, ok := docs[r.Document]; !ok {
			t.Errorf("%s: document %s is neither AWS-owned and known nor in documents/", r.Name, r.Document)
		}
		if !r.Approval.PreApproved && len(r.Approval.Approvers) == 0 {
			t.Errorf("%s: no approvers", r.Name)
		}
	}
}

func TestCheck_MissingDirectory(t *testing.T) {
	ps := Check(filepath.Join(t.TempDir(), "nope"))
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "cannot read the runbook directory") {
		t.Errorf("got %v", ps)
	}
}

func TestProblem_String(t *testing.T) {
	got := Problem{File: "a.yaml", Line: 3, Msg: "missing document"}.String()
	if got != "a.yaml:3: missing document" {
		t.Errorf("got %q", got)
	}
}
