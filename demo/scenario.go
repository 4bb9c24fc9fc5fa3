package demo

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/runbooks"
	"github.com/tocsin-dev/tocsin/sim"
)

// The scripted incident. Every step acts as the outside world would (a
// CloudWatch alarm through SNS, a person typing /incident or clicking a
// button) and then waits for what tocsin must do in response, so the demo
// takes as long as tocsin does and no longer.

// The incidents the storm opens, in the order its alarms arrive.
const (
	demoSearchInc   incident.ID = 1
	demoCheckoutInc incident.ID = 2
)

// demoStep is how long any one step may take before the demo gives up.
const demoStep = 30 * time.Second

func (w *demoWorld) scenario(ctx context.Context) error {
	for _, step := range []struct {
		title string
		run   func(context.Context) error
	}{
		{"1. An alarm storm: a search node runs out of CPU, and checkout starts failing", w.storm},
		{"2. tocsin opens one incident per service, with a channel, a checklist and a graph", w.opened},
		{"3. Alice, on call for search, gives Bob the on-call shift for " + demoShift, w.handOver},
		{"4. Nobody acknowledges: the escalation step fires, and checkout's pages PagerDuty", w.escalation},
		{"5. Responders acknowledge; PagerDuty shows checkout's acknowledgement", w.acknowledge},
		{"6. Bob asks for a runbook; Alice, the commander, approves it; SSM runs it", w.runbook},
		{"7. The alarms recover; the incidents are resolved", w.recover},
		{"8. The review draft and the metrics", w.review},
		{"9. Bob's shift ends: the hand-off back to Alice in #" + demoOnCallChannel, w.handBack},
	} {
		w.say.heading(step.title)
		if err := step.run(ctx); err != nil {
			return fmt.Errorf("demo step %q: %w", step.title, err)
		}
		w.narrateNew(ctx) // what the step caused, before the next one acts
	}
	return nil
}

// storm fires the search alarm and the four checkout alarms, one right
// after the other, each through a signed SNS notification.
func (w *demoWorld) storm(ctx context.Context) error {
	// The reconciler compares CloudWatch with the open incidents once at
	// start; let it finish first, so that the storm arrives through SNS.
	err := w.waitFor(ctx, demoStep, "the first alarm reconciliation", func() (bool, error) {
		for _, c := range w.cw.Calls() {
			if c.Op == "DescribeAlarms" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	w.seen.mu.Lock() // narrate the storm's deliveries before what they caused
	defer w.seen.mu.Unlock()
	w.say.reset()
	w.stormAt = time.Now()
	for _, a := range demoAlarms {
		if err := w.fire(a, sim.CWStateAlarm, w.stormAt); err != nil {
			return err
		}
	}
	return nil
}

// fire changes an alarm's state and narrates the delivery.
func (w *demoWorld) fire(a demoAlarm, state string, t0 time.Time) error {
	old := map[string]string{sim.CWStateAlarm: sim.CWStateOK, sim.CWStateOK: sim.CWStateAlarm}[state]
	code, err := w.alarm(a, state, t0)
	if err != nil {
		return err
	}
	w.say.say("cloudwatch", "%s %s → %s, notified through SNS: POST /sns %d %s", a.Name, old, state, code, http.StatusText(code))
	if code != http.StatusOK {
		return fmt.Errorf("tocsin answered %d to the notification of %s", code, a.Name)
	}
	return nil
}

func (w *demoWorld) opened(ctx context.Context) error {
	w.say.say("demo", "run-diagnostics is pre-approved for *-cpu-high alarms, so it runs on %s by itself", demoInstance)
	for _, id := range []incident.ID{demoSearchInc, demoCheckoutInc} {
		err := w.waitIncident(ctx, id, "its channel, pinned header, checklist and graph", func(inc incident.Incident, _ []incident.Event) bool {
			ch := inc.Channel.ID
			return ch != "" && inc.Channel.HeaderTS != "" && w.pinned(ch) &&
				w.posted(ch, "Checklist for "+id.String()) && w.uploaded(ch, ".png")
		})
		if err != nil {
			return err
		}
	}
	return w.waitRun(ctx, demoSearchInc, "run-diagnostics")
}

func (w *demoWorld) escalation(ctx context.Context) error {
	w.say.say("demo", "waiting: the demo playbooks escalate after 15s without an acknowledgement")
	for _, id := range []incident.ID{demoSearchInc, demoCheckoutInc} {
		err := w.waitIncident(ctx, id, "the escalation and its message", func(inc incident.Incident, evs []incident.Event) bool {
			return hasEvent(evs, incident.EventEscalated) && w.posted(inc.Channel.ID, "still not acknowledged")
		})
		if err != nil {
			return err
		}
	}
	return w.waitPagerDuty(ctx, demoCheckoutInc, "triggered", "trigger")
}

func (w *demoWorld) acknowledge(ctx context.Context) error {
	for _, who := range []struct {
		user demoUser
		id   incident.ID
	}{{demoAlice, demoSearchInc}, {demoBob, demoCheckoutInc}} {
		if err := w.command(ctx, who.user, who.id, "ack"); err != nil {
			return err
		}
		err := w.waitIncident(ctx, who.id, "the acknowledgement", func(inc incident.Incident, _ []incident.Event) bool {
			return inc.Status == incident.StatusAcknowledged && inc.RoleHolder(incident.RoleCommander) == who.user.ID
		})
		if err != nil {
			return err
		}
	}
	return w.waitPagerDuty(ctx, demoCheckoutInc, "acknowledged", "acknowledge")
}

func (w *demoWorld) runbook(ctx context.Context) error {
	if err := w.command(ctx, demoBob, demoSearchInc, "runbook restart-ec2-instance"); err != nil {
		return err
	}
	ch, err := w.channelOf(ctx, demoSearchInc)
	if err != nil {
		return err
	}
	var approve demoButton
	err = w.waitFor(ctx, demoStep, "the approval request", func() (bool, error) {
		b, ok := w.findButton(ch, bot.ActionApprove)
		approve = b
		return ok, nil
	})
	if err != nil {
		return err
	}
	w.narrateNew(ctx)
	w.say.say("alice", "clicks [%s] on the approval request in #%s", approve.Label, w.channelName(ch))
	if _, err := w.click(demoAlice, approve); err != nil {
		return err
	}
	return w.waitRun(ctx, demoSearchInc, "restart-ec2-instance")
}

func (w *demoWorld) recover(ctx context.Context) error {
	w.say.say("demo", "the restarted node is healthy again; CloudWatch sends OK for every alarm")
	for _, a := range demoAlarms {
		if err := w.fire(a, sim.CWStateOK, w.stormAt); err != nil {
			return err
		}
	}
	for _, id := range []incident.ID{demoSearchInc, demoCheckoutInc} {
		err := w.waitIncident(ctx, id, "the recovery", func(inc incident.Incident, _ []incident.Event) bool { return inc.Recovered })
		if err != nil {
			return err
		}
	}
	for _, c := range []struct {
		user demoUser
		id   incident.ID
		text string
		want incident.Status
	}{
		{demoAlice, demoSearchInc, "mitigated", incident.StatusMitigated},
		{demoAlice, demoSearchInc, "resolve Restarted " + demoInstance + "; the indexer's CPU is back to normal", incident.StatusResolved},
		{demoBob, demoCheckoutInc, "resolve Checkout recovered once search was back", incident.StatusResolved},
	} {
		if err := w.command(ctx, c.user, c.id, c.text); err != nil {
			return err
		}
		err := w.waitIncident(ctx, c.id, string(c.want), func(inc incident.Incident, _ []incident.Event) bool { return inc.Status == c.want })
		if err != nil {
			return err
		}
	}
	return w.waitPagerDuty(ctx, demoCheckoutInc, "resolved", "resolve")
}

func (w *demoWorld) review(ctx context.Context) error {
	if err := w.command(ctx, demoAlice, demoSearchInc, "review"); err != nil {
		return err
	}
	ch, err := w.channelOf(ctx, demoSearchInc)
	if err != nil {
		return err
	}
	name := strings.ToLower(demoSearchInc.String()) + "-review.md"
	if err := w.waitFor(ctx, demoStep, "the review draft", func() (bool, error) { return w.uploaded(ch, name), nil }); err != nil {
		return err
	}
	w.narrateNew(ctx)
	w.say.say("alice", "/incident metrics   (in #%s)", w.channelName(ch))
	_, id, err := w.slash(demoAlice, ch, "metrics")
	if err != nil {
		return err
	}
	var brief string
	err = w.waitFor(ctx, demoStep, "the metrics", func() (bool, error) {
		p, ok := w.reply(id)
		brief = p.Text
		return ok, nil
	})
	if err != nil {
		return err
	}
	w.narrateNew(ctx)
	w.say.print("%s\n", indent(slackLinks.ReplaceAllString(strings.TrimSpace(brief), "$2 ($1)"), "            "))
	return nil
}

// command types /incident text in the incident's channel as user.
func (w *demoWorld) command(ctx context.Context, user demoUser, id incident.ID, text string) error {
	ch, err := w.channelOf(ctx, id)
	if err != nil {
		return err
	}
	w.narrateNew(ctx)
	w.say.say(user.Name, "/incident %s   (in #%s)", text, w.channelName(ch))
	before := len(w.slack.Messages(ch))
	_, resp, err := w.slash(user, ch, text)
	if err != nil {
		return err
	}
	// The answer comes privately, or, when tocsin posts the outcome in the
	// channel (where the person already is), as that post only.
	return w.waitFor(ctx, demoStep, "the answer to /incident "+text, func() (bool, error) {
		_, ok := w.reply(resp)
		return ok || len(w.slack.Messages(ch)) > before, nil
	})
}

// waitRun waits until the incident's run of runbook has finished
// successfully and its result is posted.
func (w *demoWorld) waitRun(ctx context.Context, id incident.ID, runbook string) error {
	return w.waitIncident(ctx, id, runbook+" to finish", func(inc incident.Incident, evs []incident.Event) bool {
		for _, r := range runbooks.Runs(evs) {
			if r.Runbook == runbook && r.Status == runbooks.RunSucceeded {
				return w.posted(inc.Channel.ID, fmt.Sprintf("%s (run %s) finished", runbook, r.ID))
			}
		}
		return false
	})
}

// waitIncident waits until cond holds for the incident and its timeline.
func (w *demoWorld) waitIncident(ctx context.Context, id incident.ID, what string, cond func(incident.Incident, []incident.Event) bool) error {
	return w.waitFor(ctx, demoStep, id.String()+": "+what, func() (bool, error) {
		inc, evs, err := w.app.View().Timeline(ctx, id)
		if err != nil {
			return false, nil // not opened yet
		}
		return cond(inc, evs), nil
	})
}

func (w *demoWorld) channelOf(ctx context.Context, id incident.ID) (string, error) {
	inc, _, err := w.app.View().Timeline(ctx, id)
	if err != nil {
		return "", err
	}
	if inc.Channel.ID == "" {
		return "", fmt.Errorf("%s has no channel", id)
	}
	return inc.Channel.ID, nil
}

// posted reports whether tocsin posted a message containing text in a channel.
func (w *demoWorld) posted(channel, text string) bool {
	for _, m := range w.slack.Messages(channel) {
		if m.User == sim.SlackBotUserID && strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

func (w *demoWorld) pinned(channel string) bool {
	for _, m := range w.slack.Messages(channel) {
		if m.Pinned {
			return true
		}
	}
	return false
}

// uploaded reports whether a file whose name ends with suffix was shared in
// a channel.
func (w *demoWorld) uploaded(channel, suffix string) bool {
	for _, f := range w.slack.Files() {
		if f.Channel == channel && strings.HasSuffix(f.Name, suffix) {
			return true
		}
	}
	return false
}

// findButton finds the newest button with that action in a channel.
func (w *demoWorld) findButton(channel, action string) (demoButton, bool) {
	msgs := w.slack.Messages(channel)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, b := range buttons(channel, msgs[i]) {
			if b.ActionID == action {
				return b, true
			}
		}
	}
	return demoButton{}, false
}

func hasEvent(evs []incident.Event, t incident.EventType) bool {
	for _, e := range evs {
		if e.Type == t {
			return true
		}
	}
	return false
}

// slackLinks are Slack's <url|label> links, which the terminal shows as
// "label (url)".
var slackLinks = regexp.MustCompile(`<(https?://[^|>]+)\|([^>]+)>`)

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
