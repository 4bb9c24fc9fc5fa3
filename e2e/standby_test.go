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
	h := Start(t, Options{Slack: &sim.SlackOptions{}, Env: map[string]string{"TOCSIN_STANDBY_CHANNELS": "2"}})
	var standby []string
	h.WaitFor("two standby channels", func() bool {
		standby = standby[:0]
		for _, ch := range h.Slack.Channels() {
			if strings.HasPrefix(ch.Name, "inc-standby-") && ch.Purpose != "" {
				standby = append(standby, ch.ID)
			}
		}
		return len(standby) == 2
	})
	if _, body := h.Get("/metrics", ""); !strings.Contains(body, "tocsin_slack_standby_channels_ready 2") {
		t.Errorf("/metrics does not say 2 standby channels are ready")
	}
	creates := h.Slack.CallCount("conversations.create")
	h.MustPostSNS(h.Notification("standby-1", AlarmMessage("payments-5xx", "payments", "ALARM", "OK", time.Now().Add(-time.Minute))))
	var inc incident.Incident
	h.WaitFor("the incident in a renamed standby channel", func() bool {
		incs := h.Incidents()
		if len(incs) != 1 {
			return false
		}
		inc = incs[0]
		return strings.HasPrefix(inc.Channel.Name, "inc-1-")
	})
	if !slices.Contains(standby, inc.Channel.ID) {
		t.Errorf("incident channel %s is not one of the standby channels %v", inc.Channel.ID, standby)
	}
	if ch, ok := h.Slack.ChannelByName(inc.Channel.Name); !ok || ch.ID != inc.Channel.ID || !strings.Contains(ch.Purpose, "tocsin:INC-1") {
		t.Errorf("Slack's channel %+v; want %s renamed %s with the incident's marker", ch, inc.Channel.ID, inc.Channel.Name)
	}
	view := h.Incident(inc.ID)
	var kinds []string
	for _, e := range view.Timeline {
		if e.Type == incident.EventChannel {
			kinds = append(kinds, e.Data["standby"]+"/"+e.Data["renamed_from"])
		}
	}
	if len(kinds) != 2 || kinds[0] != "yes/" || !strings.HasPrefix(kinds[1], "/inc-standby-") {
		t.Errorf("channel events %v; want taken from standby, then renamed from it", kinds)
	}
	h.WaitFor("the header", func() bool { return h.Slack.CallCount("pins.add") == 1 })
	if got := h.Slack.CallCount("conversations.create"); got > creates+1 { // at most one: the pool refilling
		t.Errorf("%d conversations.create after the alarm; want the incident to need none", got-creates)
	}
}
