package e2e

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// PageTopic is the paging topic (TOCSIN_PAGE_SNS_TOPIC_ARN) of the SMS tests.
const PageTopic = "arn:aws:sns:us-east-1:123456789012:tocsin-pages"

// smsPlaybook pages the topic by SMS a second after an sms-* alarm opens
// an incident that nobody acknowledges.
const smsPlaybook = `name: sms-paging
owner: S00ONCALL
match: {namespace: Test/Storm, alarm_names: ["sms-*"]}
service: "{{dimension:Service}}"
escalation:
  - {after: 1s, page: sms}
`

// smsOptions adds the SNS stand-in, the paging topic and smsPlaybook to o.
func smsOptions(o Options) (Options, *sim.SNSPublish) {
	stand := sim.NewSNSPublish(sim.SNSPublishOptions{Topics: []string{PageTopic}})
	if o.AWS == nil {
		o.AWS = &sim.AWS{}
	}
	o.AWS.SNS = stand
	if o.Env == nil {
		o.Env = map[string]string{}
	}
	o.Env["TOCSIN_PAGE_SNS_TOPIC_ARN"] = PageTopic
	o.Playbooks = map[string]string{"storm.yaml": StormPlaybook, "sms.yaml": smsPlaybook}
	return o, stand
}

// smsPages are the incident's EventPaged events by SMS, and its notes
// that a page may have gone out before a crash.
func smsPages(s *Harness, id incident.ID) (paged, doubts int) {
	for _, e := range s.Events(id, func(incident.Event) bool { return true }) {
		switch {
		case e.Type == incident.EventPaged && e.Datum("via") == "sms":
			paged++
		case e.Type == incident.EventInfo && strings.Contains(e.Text, "may have been sent just before tocsin stopped"):
			doubts++
		}
	}
	return paged, doubts
}

// TestSMS_EscalationPage: an unacknowledged incident whose playbook says
// page: sms publishes one message to the paging topic through the SNS
// stand-in, under 160 characters, linking the channel.
func TestSMS_EscalationPage(t *testing.T) {
	o, stand := smsOptions(Options{Slack: &sim.SlackOptions{}})
	s := Start(t, o)
	s.MustAlarm("sms-1", "sms")
	s.WaitFor("the SMS page", func() bool { return len(stand.Published()) == 1 })
	s.Settle()
	got := stand.Published()
	ch, _ := s.ChannelOf(1)
	if len(got) != 1 || got[0].TopicARN != PageTopic || len(got[0].Message) > 160 ||
		!strings.HasPrefix(got[0].Message, "tocsin INC-1 SEV") || !strings.HasSuffix(got[0].Message, "channel="+ch.ID) {
		t.Errorf("published %+v; want one message to the topic, at most 160 characters, linking %s", got, ch.ID)
	}
	if paged, _ := smsPages(s, 1); paged != 1 {
		t.Errorf("%d SMS pages on the timeline, want 1", paged)
	}
}

// TestFault_CrashSMSPage (crash matrix, point sms/publish): tocsin is
// SIGKILLed after SNS accepted the page's Publish and before tocsin heard
// the answer. After the restart the page is not published again, and the
// timeline and the channel say it may have gone out.
func TestFault_CrashSMSPage(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		o, stand := smsOptions(faultOptions(faultOpts{db: db(t)}))
		s := New(t, o)
		c := &crash{t: t, s: s, fired: map[string]bool{}}
		stand.OnCall("Publish", func(sim.SNSMessage) { c.kill("sms/publish") })
		s.Start()
		s.MustAlarm("sms-crash", "sms")
		s.WaitFor("the restart after the kill", func() bool { return c.recover() })
		s.WaitFor("the page's outcome on the timeline", func() bool { _, doubts := smsPages(s, 1); return doubts == 1 })
		s.Settle()
		if n := len(stand.Published()); n != 1 || !c.fired["sms/publish"] {
			t.Errorf("%d messages published (killed: %v), want the one SNS took before the kill", n, c.fired["sms/publish"])
		}
		ch, _ := s.ChannelOf(1)
		if !s.ChannelSays(ch.ID, "may have been sent just before tocsin stopped") {
			t.Error("the channel was not told that the page may have gone out")
		}
	})
}
