package playbooks

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSet_SlackIDs(t *testing.T) {
	dir := t.TempDir()
	pb := "name: default\nowner: S0614TZR7\nresponders: [U060R4BJ4]\nescalation:\n  - after: 5m\n    notify: [S00ONCALL]\n    invite: [W123A4BC5]\n"
	if err := os.WriteFile(filepath.Join(dir, "default.yaml"), []byte(pb), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []SlackRef
	for _, r := range set.SlackIDs() {
		if r.Playbook == "default" {
			got = append(got, SlackRef{Field: r.Field, ID: r.ID})
		}
	}
	want := []SlackRef{{Field: "owner", ID: "S0614TZR7"}, {Field: "responders", ID: "U060R4BJ4"},
		{Field: "escalation step 1 notify", ID: "S00ONCALL"}, {Field: "escalation step 1 invite", ID: "W123A4BC5"}}
	if !slices.Equal(got, want) {
		t.Errorf("SlackIDs of default = %+v, want %+v", got, want)
	}
	builtin, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(builtin.SlackIDs(), func(r SlackRef) bool {
		return r.Playbook == "default" && r.Field == "owner" && IsPlaceholder(r.ID)
	}) {
		t.Error("the built-in default playbook's owner is not reported as a placeholder")
	}
}

func TestIsPlaceholder(t *testing.T) {
	for id, want := range map[string]bool{
		"S00ONCALL": true, "S00PLATFORM": true, "U00ALICE": true,
		"S0614TZR7": false, "U060R4BJ4": false, "W123A4BC5": false, "S00": false, "S0ONCALL": false,
	} {
		if got := IsPlaceholder(id); got != want {
			t.Errorf("IsPlaceholder(%q) = %v, want %v", id, got, want)
		}
	}
}
