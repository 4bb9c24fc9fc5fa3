package access_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/access"
	"github.com/tocsin-dev/tocsin/incident"
)

// MustPolicyDir writes text as the access policy of a new playbook
// directory and returns the directory.
func MustPolicyDir(tb testing.TB, text string) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, access.FileName), []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func knownRunbook(name string) bool {
	return name == "restart-ecs-service" || name == "reboot-rds-instance"
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
		want         []string // problems, "F" standing for the file
	}{
		{"Valid", `
declare: [S0RESPONDERS, U0ALICE, W0BOB]
severity: S0COMMANDERS
resolve: [S0COMMANDERS]
assign: [S0COMMANDERS]
runbook:
  reboot-rds-instance: [S0COMMANDERS]
  "restart-*": [S0RESPONDERS]
approve: [S0APPROVERS]
`, nil},
		{"UnknownActions", `
close: [S0COMMANDERS]
roles: [S0COMMANDERS]
delete: [S0COMMANDERS]
`, []string{
			`F:2: unknown action "close" (use "resolve": it covers resolve, close and reopen); the actions are declare, severity, resolve (which also covers close and reopen), assign, runbook, approve`,
			`F:3: unknown action "roles" (did you mean "assign"?); the actions are declare, severity, resolve (which also covers close and reopen), assign, runbook, approve`,
			`F:4: unknown action "delete"; the actions are declare, severity, resolve (which also covers close and reopen), assign, runbook, approve`,
		}},
		{"MalformedIDs", `
resolve:
  - "@incident-commanders"
  - s0commanders
  - role:commander
  - U1
  - [S0NESTED]
assign: {S0A: yes}
`, []string{
			`F:3: resolve: "@incident-commanders" is not a Slack user id (U…, W…) or user group id (S…); write the id Slack shows in the group's or person's profile, not a handle`,
			`F:4: resolve: "s0commanders" is not a Slack user id (U…, W…) or user group id (S…); Slack ids are upper case`,
			`F:5: resolve: "role:commander" is not a Slack user id (U…, W…) or user group id (S…); the access policy names people and user groups, not incident roles`,
			`F:6: resolve: "U1" is not a Slack user id (U…, W…) or user group id (S…)`,
			`F:7: resolve: each entry must be one Slack id`,
			`F:8: assign must be a list of Slack user ids (U…, W…) and user group ids (S…)`,
		}},
		{"EmptyListsWarn", `
resolve: []
approve:
runbook: {}
`, []string{
			`F:2: warning: resolve lists nobody, so everyone is refused; remove it to let everyone`,
			`F:3: warning: approve lists nobody, so everyone is refused; remove it to let everyone`,
			`F:4: warning: runbook lists no runbooks, so nobody may request any; remove it to let everyone`,
		}},
		{"Runbooks", `
runbook:
  restart-ecs-servce: [S0SRE]
  "reboot-[": [S0SRE]
  reboot-rds-instance: []
  reboot-rds-instance: [S0SRE]
`, []string{
			`F:3: runbook: there is no runbook named "restart-ecs-servce"`,
			`F:4: runbook: "reboot-[" is not a valid glob: syntax error in pattern`,
			`F:5: warning: runbook reboot-rds-instance lists nobody, so everyone is refused; remove it to let everyone`,
			`F:6: runbook "reboot-rds-instance" is given twice (first at line 5)`,
		}},
		{"Duplicate", "resolve: [S0A]\nresolve: [S0B]\n", []string{`F:2: "resolve" is given twice (first at line 1)`}},
		{"Syntax", "resolve: [S0A\n", []string{`F:1: YAML syntax: did not find expected ',' or ']'`}},
		{"NotAMapping", "- S0A\n", []string{`F:1: the policy must be a mapping of action names to lists of Slack ids`}},
		{"Empty", "# nothing yet\n", []string{`F: warning: the policy is empty, so it restricts nothing`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := MustPolicyDir(t, tc.policy)
			var got []string
			for _, p := range access.Check(dir, knownRunbook) {
				got = append(got, strings.ReplaceAll(p.String(), filepath.Join(dir, access.FileName), "F"))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// Load refuses a policy with errors, accepts one with only warnings, and
// finds none where there is no file.
func TestLoad(t *testing.T) {
	t.Run("NoFile", func(t *testing.T) {
		for _, dir := range []string{"", t.TempDir()} {
			if p, err := access.Load(dir); p != nil || err != nil {
				t.Errorf("Load(%q) = %v, %v; want no policy", dir, p, err)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := access.Load(MustPolicyDir(t, "resolve: [S0A]\nclose: [S0A]\n"))
		var ps access.Problems
		if !errors.Is(err, incident.ErrInvalid) || !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line != 2 {
			t.Errorf("Load = %v; want one problem at line 2 wrapping ErrInvalid", err)
		}
	})
	t.Run("WarningsLoad", func(t *testing.T) {
		p, err := access.Load(MustPolicyDir(t, "resolve: []\n"))
		if err != nil || p == nil {
			t.Errorf("Load = %v, %v; an empty list is a warning, and refuses everyone", p, err)
		}
	})
	t.Run("Unreadable", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, access.FileName), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := access.Load(dir); err == nil {
			t.Error("Load of a policy that cannot be read: no error")
		}
		if ps := access.Check(dir, nil); len(ps) != 1 || ps[0].Warning {
			t.Errorf("Check = %v; want one error", ps)
		}
	})
}

// A policy written as access.yaml would be read as a playbook: Check says
// where the policy belongs.
func TestCheck_AccessYAML(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "access.yaml"), []byte("resolve: [S0A]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := access.Check(dir, nil)
	want := []access.Problem{{File: filepath.Join(dir, "access.yaml"), Warning: true,
		Msg: "this file is read as a playbook, not as the access policy; the access policy is access.policy"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
