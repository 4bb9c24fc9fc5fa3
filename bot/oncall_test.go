package bot

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/golden"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/oncall"
)

// memOverrides keeps overrides in memory (dispatch.OverrideStore).
type memOverrides []oncall.Override

func (m memOverrides) Overrides(context.Context) ([]oncall.Override, error) { return m, nil }
func (m memOverrides) AddOverride(context.Context, string, oncall.Override) error {
	return errors.New("read only")
}

func TestParseCommand_Oncall(t *testing.T) {
	tests := []struct {
		text string
		want dispatch.Command
	}{
		{"oncall", dispatch.Command{Kind: dispatch.OnCall}},
		{"oncall platform", dispatch.Command{Kind: dispatch.OnCall, Text: "platform"}},
		{"ONCALL rotation:db_team", dispatch.Command{Kind: dispatch.OnCall, Text: "db_team"}},
		{"oncall override <@U0BOB|bob> 4h", dispatch.Command{Kind: dispatch.OnCallOverride, User: "U0BOB", Window: 4 * time.Hour}},
		{"oncall override <@U0BOB> 1h30m platform", dispatch.Command{Kind: dispatch.OnCallOverride, User: "U0BOB", Window: 90 * time.Minute, Text: "platform"}},
		{"oncall Override W0CAROL 2d db", dispatch.Command{Kind: dispatch.OnCallOverride, User: "W0CAROL", Window: 48 * time.Hour, Text: "db"}},
		{"oncall override <@U0BOB> 14d", dispatch.Command{Kind: dispatch.OnCallOverride, User: "U0BOB", Window: dispatch.MaxShift}},
		{"oncall override <@U0BOB> 15s", dispatch.Command{Kind: dispatch.OnCallOverride, User: "U0BOB", Window: 15 * time.Second}},
	}
	for _, tt := range tests {
		got, err := parseCommand(tt.text, parseNow)
		if err != nil {
			t.Errorf("parseCommand(%q): %v", tt.text, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, ignoreCommandInternals); diff != "" {
			t.Errorf("parseCommand(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestParseCommand_OncallErrors(t *testing.T) {
	tests := []struct{ text, problem string }{
		{"INC-4 oncall", "oncall is not about an incident; leave out the incident id"},
		{"oncall Platform Team", "give at most one rotation, or override <@person> <duration> [rotation]"},
		{"oncall plat/form", `rotation "plat/form" must be lower-case letters, digits, '_' or '-'`},
		{"oncall override", "give the person, how long (4h, 30m, 2d) and, when there are several, the rotation"},
		{"oncall override <@U0BOB>", "give the person, how long"},
		{"oncall override bob 4h", `"bob" is not a person; @-mention them`},
		{"oncall override <#C1|ops> 4h", `"#ops" is not a person; @-mention them`},
		{"oncall override <@U0BOB> soon", `"soon" is not a duration such as 4h, 30m, 1h30m or 2d`},
		{"oncall override <@U0BOB> -4h", "-4h is not between 10s and 14d"},
		{"oncall override <@U0BOB> 5s", "5s is not between 10s and 14d"},
		{"oncall override <@U0BOB> 15d", "15d is not between 10s and 14d"},
		{"oncall override <@U0BOB> 4h Plat!", `rotation "Plat!" must be lower-case`},
		{"oncall override <@U0BOB> 4h a b", "give the person, how long"},
	}
	for _, tt := range tests {
		_, err := parseCommand(tt.text, parseNow)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(ue.Problem, tt.problem) || !strings.Contains(ue.Usage, "oncall [rotation]") {
			t.Errorf("parseCommand(%q) = %v, want a usage error saying %q", tt.text, err, tt.problem)
		}
	}
}

// TestOncallAnswer_Golden: what `/incident oncall` answers, as Slack
// receives it, for two rotations around New York's spring change, one
// with a shift taken from chat.
func TestOncallAnswer_Golden(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 3, 7, 22, 0, 0, 0, ny)
	platform := &oncall.Rotation{Name: "platform", Length: oncall.Length{Days: 1}, Hour: 9, Location: ny,
		Start:   time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC),
		Members: []oncall.Member{{Slack: "U0ALICE"}, {Slack: "U0BOB"}, {Slack: "U0CAROL"}}}
	db := &oncall.Rotation{Name: "db", Length: oncall.Length{Hours: 12}, Hour: 8, Minute: 30, Location: berlin,
		Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Members: []oncall.Member{{Slack: "U0DAN"}, {Slack: "U0ERIN"}}}
	solo := &oncall.Rotation{Name: "security", Length: oncall.Length{Days: 7}, Hour: 10, Location: time.UTC,
		Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Members: []oncall.Member{{Slack: "U0FRED"}}}
	set := oncall.NewSet(platform, db, solo)
	taken := memOverrides{{Rotation: "db", Who: "U0GINA", From: now.Add(-time.Hour), To: now.Add(3 * time.Hour), By: "U0DAN"}}
	e := dispatch.New(dispatch.Config{Rotations: func() *oncall.Set { return set }, Overrides: taken,
		Now: func() time.Time { return now }})
	h := NewHandlers(HandlerConfig{SigningSecret: testSecret})

	cmd := dispatch.Command{Kind: dispatch.OnCall, Actor: "U0ALICE"}
	res, err := e.Do(context.Background(), cmd)
	msg := h.answer(cmd, res, err)
	golden.Check(t, filepath.Join("testdata", "oncall.golden"), msg.Text+"\n")
	if msg.ResponseType != "ephemeral" {
		t.Errorf("response type %q, want ephemeral", msg.ResponseType)
	}

	cmd.Text = "payments"
	res, err = e.Do(context.Background(), cmd)
	if msg := h.answer(cmd, res, err); msg.Text != `invalid: there is no rotation "payments"; the rotations are db, platform, security` {
		t.Errorf("unknown rotation: %q", msg.Text)
	}
	if !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("unknown rotation: error %v, want ErrInvalid", err)
	}
}
