package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// platformRotation is a daily rotation handing off at 09:00 in New York,
// announced in the channel CHANNEL.
const platformRotation = `name: platform
members:
  - {slack: U0ALICE, phone: "+15555550100"}
  - U0BOB
length: daily
handoff: "09:00"
timezone: America/New_York
start: 2026-03-05
handoff_channel: CHANNEL
`

// startOncall runs tocsin with platformRotation (hand-offs in #oncall) and
// its clock at now.
func startOncall(t *testing.T, now time.Time, child bool) (*Harness, string) {
	t.Helper()
	h := New(t, Options{Slack: &sim.SlackOptions{Channels: []string{"oncall"}}, Now: Clock(now), Child: child,
		Playbooks: map[string]string{"storm.yaml": StormPlaybook}})
	ch, _ := h.Slack.ChannelByName("oncall")
	h.WritePlaybook("rotations/platform.yaml", strings.Replace(platformRotation, "CHANNEL", ch.ID, 1))
	h.Start()
	return h, ch.ID
}

// TestOncall_OverrideSurvivesRestart: /incident oncall says who is on call
// with Slack's date formatting; an override taken from chat is announced in
// the channel and the hand-off channel, and is still in force after a
// restart.
func TestOncall_OverrideSurvivesRestart(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	h, oncallCh := startOncall(t, time.Date(2026, 3, 7, 22, 0, 0, 0, ny), false)
	got := h.WaitReply(h.Slash("U0BOB", "C0OPS", "oncall"))
	// 03-05 U0ALICE, 03-06 U0BOB, 03-07 U0ALICE: she hands off at 09:00 EDT on 03-08 (13:00 UTC).
	for _, want := range []string{"On call now: <@U0ALICE> until <!date^1772974800^{date_short_pretty} {time}|", "Next: <@U0BOB> from <!date^1772974800^"} {
		if !strings.Contains(got, want) {
			t.Errorf("/incident oncall answered %q, want %q", got, want)
		}
	}

	reply := h.Slash("U0ALICE", "C0OPS", "oncall override <@U0CAROL|carol> 4h")
	announced := h.WaitReply(reply)
	if !strings.Contains(announced, "<@U0CAROL> takes the *platform* on-call shift from <@U0ALICE> for 4h") {
		t.Errorf("override answered %q", announced)
	}
	h.WaitFor("the announcement in #oncall", func() bool { return h.ChannelSays(oncallCh, "<@U0CAROL> takes the *platform* on-call shift") })

	h.Restart()
	got = h.WaitReply(h.Slash("U0BOB", "C0OPS", "oncall platform"))
	if !strings.Contains(got, "On call now: <@U0CAROL> (override)") {
		t.Errorf("after a restart /incident oncall answered %q, want the override", got)
	}
}

// TestOncall_Handoff: at the hand-off time the hand-off is announced in the
// rotation's hand-off channel, once.
func TestOncall_Handoff(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	h, oncallCh := startOncall(t, time.Date(2026, 3, 8, 8, 59, 58, 0, ny), false) // two seconds before 09:00 EDT
	want := "<@U0ALICE> hands off *platform* on call to <@U0BOB>, on call until <!date^1773061200^"
	h.WaitFor("the hand-off in #oncall", func() bool { return h.ChannelSays(oncallCh, want) })
	h.Settle()
	n := 0
	for _, m := range h.Slack.Messages(oncallCh) {
		if strings.Contains(m.Text, "hands off") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d hand-off messages in #oncall, want 1", n)
	}
}

// TestOncall_PagerDutySchedule: for a rotation that names a PagerDuty
// schedule, /incident oncall reads who is on call from PagerDuty's REST
// API, matching people to Slack users by e-mail.
func TestOncall_PagerDutySchedule(t *testing.T) {
	now := time.Date(2026, 3, 7, 22, 0, 0, 0, time.UTC)
	h := New(t, Options{Slack: &sim.SlackOptions{Users: []sim.SlackUser{{ID: "U0TIM", Name: "tim", Email: "Tim@Example.com"}}},
		PagerDuty: true, Now: Clock(now)})
	h.PD.AddUser(sim.PagerDutyUser{ID: "PT23IWX", Name: "Tim Wright", Email: "tim@example.com"})
	h.PD.AddUser(sim.PagerDutyUser{ID: "PXPGF42", Name: "Earline Greenholt", Email: "earline@example.com"})
	h.PD.SetOnCalls("PI7DH85", []sim.PagerDutyOnCall{
		{UserID: "PT23IWX", Start: now.Add(-10 * time.Hour), End: now.Add(2 * time.Hour)},
		{UserID: "PXPGF42", Start: now.Add(2 * time.Hour), End: now.Add(14 * time.Hour)},
	})
	h.WritePlaybook("rotations/platform.yaml", strings.Replace(strings.Replace(platformRotation, "handoff_channel: CHANNEL\n", "", 1),
		"start: 2026-03-05\n", "start: 2026-03-05\npagerduty_schedule: PI7DH85\n", 1))
	h.Start()
	got := h.WaitReply(h.Slash("U0TIM", "C0OPS", "oncall"))
	for _, want := range []string{"*platform* · from PagerDuty schedule PI7DH85",
		"On call now: <@U0TIM> until <!date^" + strconv.FormatInt(now.Add(2*time.Hour).Unix(), 10),
		"Next: Earline Greenholt (PagerDuty; no Slack user with their e-mail) from"} {
		if !strings.Contains(got, want) {
			t.Errorf("/incident oncall answered %q, want %q", got, want)
		}
	}
}
