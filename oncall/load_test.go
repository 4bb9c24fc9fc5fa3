package oncall

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

// exampleRotation is the README's example.
const exampleRotation = `name: platform
description: Platform on-call, weekly, Monday 09:00 in New York.
members:
  - slack: U0ALICE
    phone: "+15555550100"
  - U0BOB
  - {slack: U0CAROL}
length: weekly
handoff: "09:00"
timezone: America/New_York
start: 2026-01-05
handoff_channel: C0ONCALL
overrides:
  - who: U0BOB
    from: 2026-03-07T09:00
    to: 2026-03-08T09:00
`

// writeRotations writes files into dir/rotations and returns dir.
func writeRotations(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, Dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoad(t *testing.T) {
	dir := writeRotations(t, map[string]string{"platform.yaml": exampleRotation,
		"db.yml":    "name: db\nmembers: [U0DAN]\nlength: 12h\nhandoff: \"08:30\"\ntimezone: Europe/Berlin\nstart: 2026-02-01\n",
		"notes.txt": "not read"})
	set, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"db", "platform"}, set.Names()); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	r, _ := set.Get("platform")
	ny, _ := time.LoadLocation("America/New_York")
	want := &Rotation{Name: "platform", Source: filepath.Join(dir, Dir, "platform.yaml"),
		Members: []Member{{Slack: "U0ALICE", Phone: "+15555550100"}, {Slack: "U0BOB"}, {Slack: "U0CAROL"}},
		Length:  Length{Days: 7}, Hour: 9, Location: ny, Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
		HandoffChannel: "C0ONCALL",
		Overrides: []Override{{Rotation: "platform", Who: "U0BOB",
			From: time.Date(2026, 3, 7, 9, 0, 0, 0, ny), To: time.Date(2026, 3, 8, 9, 0, 0, 0, ny)}}}
	if diff := cmp.Diff(want, r, cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() })); diff != "" {
		t.Errorf("platform (-want +got):\n%s", diff)
	}
	if db, _ := set.Get("db"); db.Length != (Length{Hours: 12}) || db.Hour != 8 || db.Minute != 30 {
		t.Errorf("db = %+v", db)
	}

	t.Run("no directory", func(t *testing.T) {
		for _, dir := range []string{"", t.TempDir()} {
			set, err := Load(dir)
			if err != nil || set.Len() != 0 {
				t.Errorf("Load(%q) = %d rotations, %v; want none", dir, set.Len(), err)
			}
		}
	})
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // problems, without the file name
	}{
		{"empty rotation", "name: web\nmembers: []\nlength: daily\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\n",
			[]string{`:2: rotation "web": members: the rotation is empty: list at least one member (a Slack user id)`}},
		{"no members", "name: web\nlength: daily\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\n",
			[]string{`:1: rotation "web": members: the rotation is empty: list at least one member (a Slack user id)`}},
		{"unknown members", "name: web\nmembers:\n  - alice\n  - {slack: U0BOB, phone: 555-1234}\n  - {phone: \"+15555550100\"}\nlength: daily\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\n",
			[]string{
				`:3: rotation "web": members[0].slack: unknown member "alice": not a Slack user id (U… or W…; find it in the person's Slack profile, ⋮ → Copy member ID)`,
				`:4: rotation "web": members[1].phone: "555-1234" is not a phone number in E.164 form (+ country code and number, such as +15551234567)`,
				`:5: rotation "web": members[2].slack: missing: the member's Slack user id (U… or W…)`,
			}},
		{"malformed length, time, zone and date", "name: web\nmembers: [U0A]\nlength: fortnightly\nhandoff: \"9am\"\ntimezone: Mars/Olympus\nstart: 2026-13-01\n",
			[]string{
				`:3: rotation "web": length: "fortnightly" must be daily, weekly or a number of hours from 1h to 8760h (such as 12h)`,
				`:4: rotation "web": handoff: "9am" must be HH:MM on a 24-hour clock, quoted ("09:00")`,
				`:5: rotation "web": timezone: "Mars/Olympus" is not an IANA time zone (such as America/New_York, Europe/Berlin or UTC)`,
				`:6: rotation "web": start: "2026-13-01" is not a date: use YYYY-MM-DD`,
			}},
		{"missing fields", "name: web\nmembers: [U0A]\n",
			[]string{
				`:1: rotation "web": length: missing: daily, weekly or a number of hours such as 12h`,
				`:1: rotation "web": handoff: missing: the hand-off time as HH:MM on a 24-hour clock, quoted ("09:00")`,
				`:1: rotation "web": timezone: missing: an IANA time zone such as Europe/Berlin or UTC`,
				`:1: rotation "web": start: missing: the date (YYYY-MM-DD) the first member's first shift begins, at the hand-off time`,
			}},
		{"zero hours", "name: web\nmembers: [U0A]\nlength: 0h\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\n",
			[]string{`:3: rotation "web": length: "0h" must be daily, weekly or a number of hours from 1h to 8760h (such as 12h)`}},
		{"override gaps", "name: web\nmembers: [U0A]\nlength: daily\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\noverrides:\n  - {from: 2026-02-01T09:00, to: 2026-02-02T09:00}\n  - {who: U0B, from: 2026-02-03T09:00, to: 2026-02-03T09:00}\n  - {who: bob, from: yesterday, to: 2026-02-03T09:00}\n",
			[]string{
				`:8: rotation "web": overrides[0].who: missing: an override that names nobody leaves nobody on call; name the Slack user id who takes the shift`,
				`:9: rotation "web": overrides[1].to: 2026-02-03T09:00 UTC is not after from (2026-02-03T09:00 UTC): the override would cover no time`,
				`:10: rotation "web": overrides[2].who: unknown member "bob": not a Slack user id (U… or W…)`,
				`:10: rotation "web": overrides[2].from: "yesterday" is not a time: use 2026-03-07T09:00 (in the rotation's time zone) or RFC 3339 with an offset`,
			}},
		{"overlapping overrides", "name: web\nmembers: [U0A]\nlength: daily\nhandoff: \"09:00\"\ntimezone: Europe/Berlin\nstart: 2026-01-01\noverrides:\n  - {who: U0B, from: 2026-02-01T09:00, to: 2026-02-02T09:00}\n  - {who: U0C, from: 2026-02-03T09:00, to: 2026-02-04T09:00}\n  - {who: U0D, from: 2026-02-01T08:00Z, to: 2026-02-01T08:30Z}\n",
			[]string{
				`:10: rotation "web": overrides: the override of U0D from 2026-02-01T09:00 CET to 2026-02-01T09:30 CET overlaps the one of U0B from 2026-02-01T09:00 CET to 2026-02-02T09:00 CET (line 8): say who is on call once`,
			}},
		{"unknown field and bad ids", "name: Web Team\nmembers: [U0A]\nlenght: daily\nlength: daily\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\nhandoff_channel: \"#oncall\"\npagerduty_schedule: p-1\n",
			[]string{
				`:1: name: "Web Team" must be lower-case letters, digits, '_' or '-' (up to 64), as rotation:NAME in a playbook names it`,
				`:3: lenght: unknown field (the fields are name, description, members, length, handoff, timezone, start, handoff_channel, pagerduty_schedule, overrides)`,
				`:8: handoff_channel: "#oncall" is not a Slack channel id (C… or G…)`,
				`:9: pagerduty_schedule: "p-1" is not a PagerDuty schedule id (like P1AB2CD)`,
			}},
		{"no name", "members: [U0A]\nlength: daily\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\n",
			[]string{`:1: name: missing: every rotation needs a name (a-z, 0-9, '_', '-')`}},
		{"syntax", "name: [\n", []string{`: YAML syntax: line 1: did not find expected node content`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRotations(t, map[string]string{"r.yaml": tt.body})
			file := filepath.Join(dir, Dir, "r.yaml")
			var got []string
			for _, p := range Check(dir) {
				got = append(got, strings.TrimPrefix(p.String(), file))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if _, err := Load(dir); !errors.Is(err, incident.ErrInvalid) {
				t.Errorf("Load = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestCheck_Duplicate(t *testing.T) {
	body := "name: web\nmembers: [U0A]\nlength: daily\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\n"
	dir := writeRotations(t, map[string]string{"a.yaml": body, "b.yaml": "# again\n" + body})
	got := Check(dir)
	want := `b.yaml:2: rotation "web": name: a rotation of this name is already defined at ` + filepath.Join(dir, Dir, "a.yaml") + ":1"
	if len(got) != 1 || !strings.HasSuffix(got[0].String(), want) {
		t.Errorf("Check = %v, want one problem ending %q", got, want)
	}
}
