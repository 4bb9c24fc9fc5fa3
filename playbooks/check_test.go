package playbooks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/golden"
)

// TestCheck_Golden checks each testdata/check/*.yaml together with the
// built-ins and compares the problems with the file's .golden twin.
func TestCheck_Golden(t *testing.T) {
	files, err := filepath.Glob("testdata/check/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			got := render(checkFile(t, file))
			golden.Check(t, strings.TrimSuffix(file, ".yaml")+".golden", got)
		})
	}
}

// checkFile is Check for one file as if it were the only one in the
// directory, named by its path in the repository.
func checkFile(t *testing.T, file string) []Problem {
	t.Helper()
	srcs, err := sources("")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, problems := build(append(srcs, source{file: filepath.ToSlash(file), data: data}), testEnv)
	return problems
}

func render(problems []Problem) string {
	var b strings.Builder
	for _, p := range problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

func TestCheck_BuiltinsPass(t *testing.T) {
	if got := Check("", testEnv); len(got) != 0 {
		t.Errorf("built-in playbooks have problems:\n%s", render(got))
	}
}

func TestCheck_Dir(t *testing.T) {
	dir := MustWriteDir(t, map[string]string{
		"a.yaml": "name: a\nowner: S0A\nmatch: {alarm_names: [a]}\nrunbooks: [nope]\n",
		"b.yaml": "name: a\nowner: S0A\nmatch: {alarm_names: [b]}\n",
	})
	want := []Problem{
		{File: filepath.Join(dir, "a.yaml"), Line: 4, Msg: `unknown runbook "nope"`},
		{File: filepath.Join(dir, "b.yaml"), Line: 1, Msg: `duplicate name "a" (first defined at ` + filepath.Join(dir, "a.yaml") + ":1)"},
	}
	if diff := cmp.Diff(want, Check(dir, testEnv)); diff != "" {
		t.Errorf("Check (-want +got):\n%s", diff)
	}
	if got := Check(dir, Env{}); len(got) != 1 {
		t.Errorf("with no runbook check, want only the duplicate, got %v", got)
	}
	missing := Check(filepath.Join(dir, "missing"), testEnv)
	if len(missing) != 1 || !strings.Contains(missing[0].String(), "read playbook directory") {
		t.Errorf("Check of a missing directory = %v", missing)
	}
}

func TestProblem_String(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.yaml", Line: 3, Msg: "missing name"}, "a.yaml:3: missing name"},
		{Problem{File: "a.yaml", Msg: "YAML syntax: x"}, "a.yaml: YAML syntax: x"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestCheck_README keeps the examples in README.md valid.
func TestCheck_README(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(readme), "```yaml\n")[1:]
	if len(blocks) == 0 {
		t.Fatal("no yaml examples in README.md")
	}
	files := map[string]string{}
	for i, b := range blocks {
		body, _, _ := strings.Cut(b, "```")
		files[fmt.Sprintf("example%d.yaml", i)] = body
	}
	if got := Check(MustWriteDir(t, files), testEnv); len(got) != 0 {
		t.Errorf("README examples have problems:\n%s", render(got))
	}
}
