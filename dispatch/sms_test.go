package dispatch_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/oncall"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/snspage"
)

const pageTopic = "arn:aws:sns:us-east-1:123456789012:tocsin-pages"

// pagingPlaybook pages the topic after a minute, then the primary
// rotation's on-call person after two.
const pagingPlaybook = `name: paging
owner: S0PLATFORM
match: {alarm_names: ["paging-*"]}
service: checkout
escalation:
  - {after: 1m, page: sms}
  - {after: 2m, page: "rotation:primary"}
`

// smsHarness is the dispatch harness with the paging playbook, a primary
// rotation (U0ALICE with a phone on call from 09:00 UTC on the harness's
// first day, then U0BOB without one) and the SNS stand-in behind the real
// SDK client.
type smsHarness struct {
	*harness
	sns *sim.SNSPublish
	sms *dispatch.SMSExecutor
}

func newSMSHarness(t *testing.T, schedule string) *smsHarness {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "paging.yaml"), []byte(pagingPlaybook), 0o600); err != nil {
		t.Fatal(err)
	}
	pb, err := playbooks.LoadEnv(dir, func(k string) string {
		return map[string]string{playbooks.DefaultRoutingKeyEnv: "R0UTINGKEY0000000000000000000000"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	rot := oncall.NewSet(&oncall.Rotation{Name: "primary", Length: oncall.Length{Days: 1}, Hour: 9, Location: time.UTC,
		Start: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), PagerDutySchedule: schedule,
		Members: []oncall.Member{{Slack: "U0ALICE", Phone: "+15555550100"}, {Slack: "U0BOB"}}})
	s := &smsHarness{sns: sim.NewSNSPublish(sim.SNSPublishOptions{Topics: []string{pageTopic}})}
	s.harness = newHarness(t, func(c *dispatch.Config) {
		c.Playbooks = func() *playbooks.Set { return pb }
		c.Rotations = func() *oncall.Set { return rot }
		c.SMSTopic = pageTopic
	})
	srv := httptest.NewServer(&sim.AWS{SNS: s.sns})
	t.Cleanup(srv.Close)
	api := sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	s.sms = &dispatch.SMSExecutor{Engine: s.engine, SMS: &snspage.Client{API: api}, TopicARN: pageTopic}
	s.worker.Executors[dispatch.EffSMSPage] = s.sms
	for _, k := range dispatch.PagerDutyKinds() {
		s.worker.Executors[k] = s.slack // recorded, not sent
	}
	return s
}

// fire opens an incident from a paging-* alarm and returns it.
func (s *smsHarness) fire() incident.ID {
	s.t.Helper()
	if err := s.engine.Alarm(context.Background(), alarm(s.harness, "paging-5xx", incident.StateAlarm, "m1")); err != nil {
		s.t.Fatal(err)
	}
	s.drain()
	incs, _ := s.db.Incidents(context.Background(), true)
	return incs[0].ID
}

// performUntil performs due effects until one of kind is due, and
// returns it unperformed.
func (s *smsHarness) performUntil(kind incident.EffectKind) incident.Effect {
	s.t.Helper()
	for range 50 {
		due, err := s.db.Due(s.clock.Now(), 100)
		if err != nil || len(due) == 0 {
			break
		}
		for _, eff := range due {
			if eff.Kind == kind {
				return eff
			}
			s.worker.Perform(context.Background(), eff)
		}
	}
	s.t.Fatalf("no %s effect came due", kind)
	return incident.Effect{}
}

func paged(evs []incident.Event, via string) []incident.Event {
	var out []incident.Event
	for _, e := range evs {
		if e.Type == incident.EventPaged && e.Data["via"] == via {
			out = append(out, e)
		}
	}
	return out
}

// TestSMS_EscalationPublishesOncePerStep: page: sms publishes one message
// to the topic, and rotation:primary one to the on-call person's phone,
// however often the outbox runs afterwards.
func TestSMS_EscalationPublishesOncePerStep(t *testing.T) {
	s := newSMSHarness(t, "")
	id := s.fire()
	s.clock.Advance(61 * time.Second)
	s.drain()
	s.clock.Advance(time.Minute)
	s.drain()
	s.clock.Advance(time.Hour)
	s.drain()
	got := s.sns.Published()
	if len(got) != 2 || got[0].TopicARN != pageTopic || got[1].PhoneNumber != "+15555550100" {
		t.Fatalf("published %+v, want one to the topic, then one to U0ALICE's phone", got)
	}
	want := "tocsin INC-1 SEV3 checkout: "
	if !strings.HasPrefix(got[0].Message, want) || got[0].Message != got[1].Message {
		t.Errorf("messages %q, %q; want both to start %q", got[0].Message, got[1].Message, want)
	}
	evs := paged(s.timeline(id), "sms")
	if len(evs) != 2 || evs[0].Data["step"] != "1" || evs[1].Data["user"] != "U0ALICE" || evs[0].Data["sns_message_id"] != got[0].MessageID {
		t.Errorf("paged events %+v", evs)
	}
	for _, ev := range evs {
		if strings.Contains(ev.Text, "+15555550100") || strings.Contains(ev.Data["to"], "+15555550100") {
			t.Errorf("the timeline shows the phone number: %+v", ev)
		}
	}
}

// TestSMS_Throttled: a throttled Publish is retried by the outbox after
// the wait and then publishes once.
func TestSMS_Throttled(t *testing.T) {
	s := newSMSHarness(t, "")
	s.fire()
	s.sns.Throttle(true)
	s.clock.Advance(61 * time.Second)
	s.drain()
	if n := len(s.sns.Published()); n != 0 || s.sns.Calls() != 1 {
		t.Fatalf("while throttled: %d published, %d calls; want 0 and 1", n, s.sns.Calls())
	}
	s.sns.Throttle(false)
	s.clock.Advance(2 * time.Second)
	s.drain()
	if n := len(s.sns.Published()); n != 0 {
		t.Fatalf("retried before the throttling wait was over: %d published", n)
	}
	s.clock.Advance(5 * time.Second)
	s.drain()
	if n := len(s.sns.Published()); n != 1 {
		t.Errorf("after the wait %d published, want 1", n)
	}
}

// TestSMS_PermanentError: an error retrying cannot fix is recorded on the
// timeline and said in the channel, once.
func TestSMS_PermanentError(t *testing.T) {
	s := newSMSHarness(t, "")
	id := s.fire()
	s.sns.FailNext(sim.SNSAuthorizationError, 1)
	s.clock.Advance(61 * time.Second)
	s.drain()
	s.clock.Advance(10 * time.Second) // the rotation step is not due yet
	s.drain()
	var notes []string
	for _, e := range s.timeline(id) {
		if e.Type == incident.EventInfo && e.Data["effect"] == string(dispatch.EffSMSPage) {
			notes = append(notes, e.Text)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "AuthorizationError") || s.sns.Calls() != 1 {
		t.Errorf("timeline notes %q after %d calls; want one naming AuthorizationError after one call", notes, s.sns.Calls())
	}
	if !contains(s.slack.texts, "could not page INC-1 by SMS (sms)") {
		t.Errorf("the channel was not told: %q", s.slack.texts)
	}
}

// TestSMS_CrashAfterSend: an attempt performed again after a crash that
// came between the Publish and the record of its result (the same attempt
// of the same effect) does not publish again, and says so.
func TestSMS_CrashAfterSend(t *testing.T) {
	s := newSMSHarness(t, "")
	id := s.fire()
	s.clock.Advance(61 * time.Second)
	eff := s.performUntil(dispatch.EffSMSPage) // the escalation step enqueues it
	inc, _ := s.db.Incident(context.Background(), id)
	if _, err := s.sms.Execute(context.Background(), eff, inc); err != nil { // published; the process dies before recording
		t.Fatal(err)
	}
	s.drain() // after the restart the outbox performs it again
	if n := len(s.sns.Published()); n != 1 {
		t.Errorf("%d messages published, want 1", n)
	}
	var doubt bool
	for _, e := range s.timeline(id) {
		doubt = doubt || (e.Type == incident.EventInfo && strings.Contains(e.Text, "may have been sent just before tocsin stopped"))
	}
	if !doubt {
		t.Error("the timeline does not say that the page may have been sent before the crash")
	}
}

// TestSMS_RotationWithoutPhone: the on-call person without a phone number
// is paged with PagerDuty when the rotation has a schedule, and otherwise
// nobody is paged and the channel is told.
func TestSMS_RotationWithoutPhone(t *testing.T) {
	for _, schedule := range []string{"P1AB2CD", ""} {
		s := newSMSHarness(t, schedule)
		s.clock.Advance(7 * time.Hour) // 10:00 on 11-23: U0BOB's shift
		s.fire()
		s.clock.Advance(121 * time.Second)
		s.drain()
		if n := len(s.sns.Published()); n != 1 {
			t.Errorf("schedule %q: %d SMS, want only the topic's", schedule, n)
		}
		triggered := s.slack.count(dispatch.EffPagerDutyTrigger)
		told := contains(s.slack.texts, "<person:U0BOB> is on call in rotation primary but has no phone number there")
		if schedule != "" && (triggered != 1 || told) {
			t.Errorf("with a schedule: %d PagerDuty triggers (want 1), channel told %v", triggered, told)
		}
		if schedule == "" && (triggered != 0 || !told) {
			t.Errorf("without a schedule: %d PagerDuty triggers (want 0), channel told %v (want true)", triggered, told)
		}
	}
}

// TestSMS_PageByHand: /incident page sms and /incident page
// rotation:primary publish once each.
func TestSMS_PageByHand(t *testing.T) {
	s := newSMSHarness(t, "")
	id := s.fire()
	for i, target := range []string{"sms", "rotation:primary"} {
		res := s.do(dispatch.Command{Kind: dispatch.Page, Incident: id, Target: target, Actor: "U0CAROL", Key: "slack:trigger:" + target})
		if !strings.Contains(res.Message, "Paging") {
			t.Errorf("page %s answered %q", target, res.Message)
		}
		s.drain()
		if n := len(s.sns.Published()); n != i+1 {
			t.Errorf("after page %s: %d published, want %d", target, n, i+1)
		}
	}
	if _, err := s.engine.Do(context.Background(), dispatch.Command{Kind: dispatch.Page, Incident: id, Target: "rotation:nobody", Actor: "U0CAROL"}); err == nil {
		t.Error("paging a rotation that does not exist was accepted")
	}
}

func TestSMSText(t *testing.T) {
	long := strings.Repeat("Checkout is failing for everyone — ünïcödé 🚨 ", 10)
	for _, inc := range []incident.Incident{
		{ID: 42, Severity: incident.SEV1, Service: "checkout", Title: "API 5xx", Channel: incident.Channel{ID: "C0123456789"}},
		{ID: 123456, Severity: incident.SEV2, Service: strings.Repeat("s", 80), Title: long, Channel: incident.Channel{ID: "C0123456789"}},
		{ID: 7, Severity: incident.SEV4, Title: "line\nbreak\ttab"},
	} {
		got := dispatch.SMSText(inc, "https://slack.com/app_redirect?channel="+inc.Channel.ID)
		if len(got) > 160 {
			t.Errorf("%d characters, more than one SMS: %q", len(got), got)
		}
		for _, r := range got {
			if r > 126 || r < 32 {
				t.Errorf("%q holds %q, outside plain ASCII", got, r)
				break
			}
		}
		if !strings.HasPrefix(got, "tocsin "+inc.ID.String()+" "+inc.Severity.String()) {
			t.Errorf("%q does not start with the incident and severity", got)
		}
		if inc.Channel.ID != "" && !strings.HasSuffix(got, " https://slack.com/app_redirect?channel="+inc.Channel.ID) {
			t.Errorf("%q does not end with the channel link", got)
		}
	}
}
