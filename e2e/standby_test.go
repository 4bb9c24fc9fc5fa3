package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSlack_StandbyChannels: with TOCSIN_STANDBY_CHANNELS, tocsin makes the
// channels ahead, an alarm's incident takes one (no conversations.create on
// its path) and renames it after itself.
func TestSlack_StandbyChannels(t *testing.T) {
	s := startSlackEnv(t, sim.SlackOptions{}, "TOCSIN_STANDBY_CHANNELS", "2")
	var standby []string
	waitFor(t, "two standby channels", func() bool {
		standby = standby[:0]
		for _, ch := range s.sl.Channels() {
			if strings.HasPrefix(ch.Name, "inc-standby-") && ch.Purpose != "" {
				standby = append(standby, ch.ID)
			}
		}
		return len(standby) == 2
	})
	if _, body := get(t, s.base+"/metrics", ""); !strings.Contains(body, "tocsin_slack_standby_channels_ready 2") {
		t.Errorf("/metrics does not say 2 standby channels are ready")
	}
	creates := s.sl.CallCount("conversations.create")
	if code := s.feed.post(t, s.feed.body(t, "standby-1", alarmJSON("payments-5xx", "payments", "ALARM", "OK", time.Now().Add(-time.Minute)))); code != 200 {
		t.Fatalf("sns status %d", code)
	}
	var inc incident.Incident
	waitFor(t, "the incident in a renamed standby channel", func() bool {
		incs := apiIncidents(t, s.base)
		if len(incs) != 1 {
			return false
		}
		inc = incs[0]
		return strings.HasPrefix(inc.Channel.Name, "inc-1-")
	})
	if !slices.Contains(standby, inc.Channel.ID) {
		t.Errorf("incident channel %s is not one of the standby channels %v", inc.Channel.ID, standby)
	}
	if ch, ok := s.sl.ChannelByName(inc.Channel.Name); !ok || ch.ID != inc.Channel.ID || !strings.Contains(ch.Purpose, "tocsin:INC-1") {
		t.Errorf("Slack's channel %+v; want %s renamed %s with the incident's marker", ch, inc.Channel.ID, inc.Channel.Name)
	}
	view := apiIncident(t, s.base, inc.ID)
	var kinds []string
	for _, e := range view.Timeline {
		if e.Type == incident.EventChannel {
			kinds = append(kinds, e.Data["standby"]+"/"+e.Data["renamed_from"])
		}
	}
	if len(kinds) != 2 || kinds[0] != "yes/" || !strings.HasPrefix(kinds[1], "/inc-standby-") {
		t.Errorf("channel events %v; want taken from standby, then renamed from it", kinds)
	}
	waitFor(t, "the header", func() bool { return s.sl.CallCount("pins.add") == 1 })
	if got := s.sl.CallCount("conversations.create"); got > creates+1 { // at most one: the pool refilling
		t.Errorf("%d conversations.create after the alarm; want the incident to need none", got-creates)
	}
}
