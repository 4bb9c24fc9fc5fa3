package bot

import (
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// TestSlackAppManifest keeps deploy/slack-app-manifest.yaml in step with
// the routes and ids tocsin serves, and its scopes with what it calls.
func TestSlackAppManifest(t *testing.T) {
	raw, err := os.ReadFile("../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command, URL string
				ShouldEscape bool `yaml:"should_escape"`
			} `yaml:"slash_commands"`
			Shortcuts []struct {
				Type       string
				CallbackID string `yaml:"callback_id"`
			}
		}
		OAuth struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				RequestURL string   `yaml:"request_url"`
				BotEvents  []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			}
		}
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	const host = "https://tocsin.example.com"
	f, s := m.Features, m.Settings
	if len(f.SlashCommands) != 1 || f.SlashCommands[0].Command != "/incident" || f.SlashCommands[0].URL != host+"/slack/commands" || !f.SlashCommands[0].ShouldEscape {
		t.Errorf("slash commands %+v; want /incident at %s/slack/commands with escaped mentions (for /incident role)", f.SlashCommands, host)
	}
	if len(f.Shortcuts) != 1 || f.Shortcuts[0].Type != "message" || f.Shortcuts[0].CallbackID != ShortcutAddTimeline {
		t.Errorf("shortcuts %+v; want the message shortcut %s", f.Shortcuts, ShortcutAddTimeline)
	}
	if !s.Interactivity.Enabled || s.Interactivity.RequestURL != host+"/slack/interactions" {
		t.Errorf("interactivity %+v", s.Interactivity)
	}
	if s.Events.RequestURL != host+"/slack/events" || !slices.Equal(s.Events.BotEvents, []string{"message.channels", "subteam_members_changed"}) {
		t.Errorf("events %+v", s.Events)
	}
	want := []string{"channels:history", "channels:manage", "channels:read", "chat:write", "commands", "files:write",
		"groups:read", "pins:read", "pins:write", "usergroups:read", "users:read", "users:read.email"}
	if diff := cmp.Diff(want, m.OAuth.Scopes.Bot); diff != "" {
		t.Errorf("bot scopes (-want +got):\n%s", diff)
	}
}
