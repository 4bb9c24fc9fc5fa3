package e2e

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// flowState is what the flow leaves behind, without ids and times.
type flowState struct {
	Incidents   int
	Status      incident.Status
	AlarmEvents int
	RunSteps    []string
	RunResult   string
	Channels    int
	Headers     int
	Pinned      int
	Messages    []string // top-level messages of the incident channel, digits masked, sorted
	SSMCommands []string // status of each command sent
	GivenUp     []string // "tocsin could not" lines
	PagerDuty   []string // status of each PagerDuty incident
	Paged       int      // EventPaged on the timeline
}

var digits = regexp.MustCompile(`[0-9]+`)

// crash kills tocsin at named points, once each, and restarts it when the
// flow next looks.
type crash struct {
	t     *testing.T
	s     *Harness
	mu    sync.Mutex // held while tocsin is killed or restarted
	down  bool
	fired map[string]bool
}

// kill SIGKILLs tocsin for point, unless point fired before; hooks call it.
func (c *crash) kill(point string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fired[point] {
		return
	}
	c.fired[point] = true
	c.t.Logf("crash point %s: SIGKILL", point)
	c.s.Kill()
	c.down = true
}

// isDown reports whether tocsin was killed and not restarted yet.
func (c *crash) isDown() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.down
}

// recover restarts tocsin if it was killed and reports whether it did.
func (c *crash) recover() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.down {
		return false
	}
	c.s.Start()
	c.down = false
	return true
}

// retry calls req until tocsin answers it 200, restarting tocsin if it was
// killed meanwhile: a person whose click or command got no answer tries again.
func (c *crash) retry(what string, req func() int) {
	c.t.Helper()
	c.s.WaitFor(what, func() bool {
		c.recover()
		return !c.isDown() && req() == 200
	})
}

// runCrashFlow runs the flow, killing tocsin at the named points, and
// returns its end state.
func runCrashFlow(t *testing.T, db string, points []string) flowState {
	s := Start(t, faultOptions(faultOpts{db: db}))
	c := &crash{t: t, s: s, fired: map[string]bool{}}
	wait := func(what string, onRestart func(), cond func() bool) {
		t.Helper()
		s.WaitFor(what, func() bool {
			if c.recover() && onRestart != nil {
				onRestart()
			}
			return !c.isDown() && cond()
		})
	}
	afterClick := false
	for _, name := range points {
		p := crashPoints[name]
		if p.arm != nil {
			p.arm(s, func() { c.kill(name) })
		}
		afterClick = afterClick || p.afterClick
	}

	body := s.AlarmBody("crash-1", "api")
	for _, name := range points {
		if p := crashPoints[name]; p.intake != nil {
			p.intake(t, s, body)
			c.fired[name] = true
			s.Start()
		}
	}
	c.retry("SNS's delivery", func() int { return s.PostSNS(body) })
	var ch sim.SlackChannel
	wait("INC-1's pinned header", nil, func() bool {
		var ok bool
		if ch, ok = s.ChannelOf(1); !ok {
			return false
		}
		for _, m := range s.Headers(ch.ID, 1) {
			if m.Pinned {
				return true
			}
		}
		return false
	})

	c.retry("the page", func() int {
		code, _ := s.SlashAnswer(faultRequester, ch.ID, "page", s.NewReply("slash"))
		return code
	})
	wait("the page recorded", nil, func() bool {
		return len(s.Events(1, func(e incident.Event) bool { return e.Type == incident.EventPaged })) == 1
	})

	c.retry("the runbook request", func() int {
		code, _ := s.SlashAnswer(faultRequester, ch.ID, "runbook fault-restart", s.NewReply("slash"))
		return code
	})
	var runID string
	wait("the approval request", nil, func() bool {
		if evs := s.Events(1, runStep("requested")); len(evs) == 1 {
			runID = evs[0].Datum("run")
		}
		return runID != "" && s.ChannelSays(ch.ID, "Approval needed")
	})
	approve := func() {
		c.retry("the approval click", func() int { return s.Click(faultApprover, ch.ID, bot.ActionApprove, "inc:1:run", runID) })
	}
	approve()
	if afterClick {
		c.kill("approval/right-after-200")
	}
	// A click answered 200 is in the Slack command inbox before the answer:
	// if the process dies before running it, the restarted one runs it.
	// Nobody clicks again.
	wait("the run's end", nil, func() bool { return len(s.Events(1, runStep("finished"))) == 1 })
	wait("the final run status and the alarm graph in the channel", nil, func() bool {
		return s.ChannelSays(ch.ID, "finished: Success") && slices.ContainsFunc(s.Slack.Files(), func(f sim.SlackFile) bool { return f.Channel == ch.ID })
	})
	s.Settle()
	for _, name := range points {
		if !c.fired[name] {
			t.Errorf("crash point %s was never reached", name)
		}
		if p := crashPoints[name]; p.check != nil {
			p.check(t, s)
		}
	}
	checkNoDuplicates(t, s, "crash-1")
	return endState(t, s)
}

// endState reads the flow's end state from the API and the stand-ins.
func endState(t *testing.T, s *Harness) flowState {
	t.Helper()
	var st flowState
	incs := s.Incidents()
	st.Incidents = len(incs)
	if len(incs) != 1 {
		return st
	}
	v := s.Incident(incs[0].ID)
	st.Status = v.Incident.Status
	for _, e := range v.Timeline {
		switch {
		case e.Datum("message_id") != "":
			st.AlarmEvents++
		case e.Type == incident.EventRunbook:
			st.RunSteps = append(st.RunSteps, e.Datum("step"))
			if r := e.Datum("result"); r != "" {
				st.RunResult = r
			}
		case couldNot(e):
			st.GivenUp = append(st.GivenUp, digits.ReplaceAllString(e.Text, "N"))
		case e.Type == incident.EventPaged:
			st.Paged++
		}
	}
	for _, c := range s.Slack.Channels() {
		if strings.HasPrefix(c.Name, "inc-") {
			st.Channels++
		}
	}
	ch := v.Incident.Channel.ID
	st.Headers = len(s.Headers(ch, 1))
	for _, m := range s.Slack.Messages(ch) {
		if m.Deleted || m.ThreadTS != "" {
			continue
		}
		if m.Pinned {
			st.Pinned++
		}
		text := m.Text
		if len(text) > 80 {
			text = text[:80]
		}
		st.Messages = append(st.Messages, digits.ReplaceAllString(text, "N"))
	}
	slices.Sort(st.Messages)
	for _, c := range s.AWS.SSM.Commands() {
		st.SSMCommands = append(st.SSMCommands, c.Status)
	}
	for _, p := range s.PD.Incidents() {
		st.PagerDuty = append(st.PagerDuty, p.Status)
	}
	return st
}
