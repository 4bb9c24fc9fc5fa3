package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// narrator writes the demo's log: one line per thing that happened, with
// the time since the scenario began and who did it.
type narrator struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	start time.Time
}

func newNarrator(w io.Writer, now func() time.Time) *narrator {
	return &narrator{w: w, now: now, start: now()}
}

// reset makes now the scenario's time zero.
func (n *narrator) reset() {
	n.mu.Lock()
	n.start = n.now()
	n.mu.Unlock()
}

const narrationWidth = 150

// say writes one line: "  +12.3s  tocsin      INC-1 opened …".
func (n *narrator) say(who, format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	text := fmt.Sprintf(format, args...)
	if r := []rune(text); len(r) > narrationWidth {
		text = string(r[:narrationWidth-1]) + "…"
	}
	fmt.Fprintf(n.w, "%8s  %-10s %s\n", fmt.Sprintf("+%.1fs", n.now().Sub(n.start).Seconds()), who, text)
}

// heading writes a line that starts a part of the scenario.
func (n *narrator) heading(text string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, "\n── %s\n", text)
}

// print writes text as it is.
func (n *narrator) print(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, format, args...)
}

// watched is what the watcher has already narrated.
type watched struct {
	mu       sync.Mutex
	events   map[incident.ID]int
	channels map[string]bool
	messages map[string]bool // channel/ts
	edits    map[string]int  // channel/ts -> edits narrated
	pinned   map[string]bool
	files    map[string]bool
	replies  int
	privates int // ephemeral messages narrated
	calls    int
	status   map[string]string // SSM command or automation id -> status narrated
}

// newWatched starts from what exists before the demo: the stand-in's
// #incidents channel is not news.
func newWatched(sl *sim.Slack) *watched {
	s := &watched{events: map[incident.ID]int{}, channels: map[string]bool{}, messages: map[string]bool{},
		edits: map[string]int{}, pinned: map[string]bool{}, files: map[string]bool{}, status: map[string]string{}}
	for _, c := range sl.Channels() {
		s.channels[c.ID] = true
	}
	return s
}

// watch narrates, every 100 ms until ctx ends, what changed in tocsin's
// timelines and in the stand-ins.
func (w *demoWorld) watch(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.narrateNew(ctx)
		}
	}
}

// narrateNew narrates everything new since the last call.
func (w *demoWorld) narrateNew(ctx context.Context) {
	s := w.seen
	s.mu.Lock()
	defer s.mu.Unlock()
	w.narrateTimelines(ctx, s)
	w.narrateSlack(s)
	w.narrateSSM(s)
}

func (w *demoWorld) narrateTimelines(ctx context.Context, s *watched) {
	incs, err := w.app.View().Incidents(ctx, false)
	if err != nil {
		return
	}
	slices.SortFunc(incs, func(a, b incident.Incident) int { return int(a.ID) - int(b.ID) })
	for _, inc := range incs {
		if inc.Events <= s.events[inc.ID] {
			continue
		}
		_, evs, err := w.app.View().Timeline(ctx, inc.ID)
		if err != nil {
			continue
		}
		for _, e := range evs[min(s.events[inc.ID], len(evs)):] {
			if text := w.describeEvent(inc.ID, e); text != "" {
				w.say.say("tocsin", "%s", text)
			}
		}
		s.events[inc.ID] = len(evs)
	}
}

// describeEvent says what a timeline event means, or "" for those the Slack
// narration shows better (the channel, the header).
func (w *demoWorld) describeEvent(id incident.ID, e incident.Event) string {
	d := e.Data
	who := w.who(e.Actor)
	switch e.Type {
	case incident.EventOpened:
		if d["source"] != "alarm" {
			return fmt.Sprintf("%s declared by %s: %s (%s)", id, who, d["title"], d["severity"])
		}
		return fmt.Sprintf("%s opened by alarm %s: %s, service %s, playbook %s", id, d["alarm_name"], d["severity"], d["service"], d["playbook"])
	case incident.EventAlarm:
		return fmt.Sprintf("%s: alarm %s %s → %s", id, d["alarm_name"], d["old_state"], d["state"])
	case incident.EventSeverity:
		return fmt.Sprintf("%s severity %s → %s (%s)", id, d["previous"], d["severity"], d["reason"])
	case incident.EventEscalated:
		return fmt.Sprintf("%s %s", id, e.Text)
	case incident.EventAcknowledged, incident.EventMitigated, incident.EventResolved, incident.EventClosed, incident.EventReopened:
		return strings.TrimSuffix(fmt.Sprintf("%s %s by %s: %s", id, e.Type, who, e.Text), ": ")
	case incident.EventRole:
		return fmt.Sprintf("%s: %s is %s", id, w.who(d["user"]), d["role"])
	case incident.EventRecovered:
		return fmt.Sprintf("%s: every alarm is OK again (tocsin never resolves by itself)", id)
	case incident.EventRunbook:
		return w.describeRun(id, e)
	case incident.EventCorrected:
		return fmt.Sprintf("%s %s time corrected to %s (%s)", id, d["field"], d["at"], d["method"])
	case incident.EventChannel, incident.EventHeader:
		return ""
	}
	return strings.TrimSuffix(fmt.Sprintf("%s %s by %s: %s", id, e.Type, who, e.Text), ": ")
}

func (w *demoWorld) describeRun(id incident.ID, e incident.Event) string {
	d := e.Data
	head := fmt.Sprintf("%s run %s %s:", id, d["run"], d["runbook"])
	switch d["step"] {
	case "requested":
		return fmt.Sprintf("%s requested by %s", head, w.who(e.Actor))
	case "approved", "denied", "cancelled":
		return fmt.Sprintf("%s %s by %s", head, d["step"], w.who(e.Actor))
	case "started":
		return fmt.Sprintf("%s started in Systems Manager (%s%s)", head, d["command_id"], d["execution_id"])
	case "finished":
		return fmt.Sprintf("%s finished: %s", head, d["status"])
	case "refused":
		return fmt.Sprintf("%s refused: %s", head, d["reason"])
	}
	return fmt.Sprintf("%s %s", head, d["step"])
}

func (w *demoWorld) narrateSlack(s *watched) {
	for _, c := range w.slack.Channels() {
		if !s.channels[c.ID] {
			s.channels[c.ID] = true
			w.say.say("slack", "#%s created", c.Name)
		}
		for _, m := range w.slack.Messages(c.ID) {
			key := c.ID + "/" + m.TS
			if !s.messages[key] && m.User == sim.SlackBotUserID {
				s.messages[key] = true
				if line := w.messageLine(m); line != "" { // a file's own message is narrated with the file
					w.say.say("slack", "#%s: %s", c.Name, line)
				}
			}
			if m.Edited > s.edits[key] && m.User == sim.SlackBotUserID && !m.Pinned { // the header's refreshes are not news
				w.say.say("slack", "#%s: (updated) %s", c.Name, w.messageLine(m))
			}
			s.edits[key] = m.Edited
			if m.Pinned && !s.pinned[key] {
				s.pinned[key] = true
				w.say.say("slack", "#%s: pinned the header", c.Name)
			}
		}
	}
	for _, f := range w.slack.Files() {
		if f.Channel != "" && !s.files[f.ID] {
			s.files[f.ID] = true
			w.say.say("slack", "#%s: uploaded %s (%s, %.1f KB)", w.channelName(f.Channel), f.Name, fileKind(f.Data), float64(len(f.Data))/1024)
		}
	}
	posts := w.slack.ResponseURLPosts()
	for _, p := range posts[min(s.replies, len(posts)):] {
		to := "@" + strings.SplitN(p.ID, "-", 2)[0] + " (only they see it)"
		if p.ResponseType == "in_channel" {
			to = "the channel"
		}
		lines := w.answerLines(p.Body)
		if len(lines) == 0 {
			continue
		}
		w.say.say("slack", "→ %s: %s", to, lines[0])
		for _, l := range lines[1:] {
			w.say.print("%21s%s\n", "", l) // under the first line's text
		}
	}
	s.replies = len(posts)
	eph := w.slack.Ephemerals()
	for _, e := range eph[min(s.privates, len(eph)):] {
		if lines := w.contentLines(e.Text, e.Blocks); len(lines) > 0 {
			w.say.say("slack", "→ %s in #%s (only they see it): %s", w.who(e.User), w.channelName(e.Channel), strings.Join(lines, " "))
		}
	}
	s.privates = len(eph)
}

// messageLine is a message in one line: its first line of text (or of its
// blocks), and how many more lines it has.
func (w *demoWorld) messageLine(m sim.SlackMessage) string {
	if strings.TrimSpace(m.Text) == "" && len(m.Blocks) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(m.Text), "\n")
	if blocks := sim.SlackBlocksText(m.Blocks); len(blocks) > 0 && len(lines) == 1 {
		lines = append(lines[:1], blocks[1:]...)
	}
	line := w.readable(lines[0])
	if len(lines) > 1 {
		line += fmt.Sprintf(" (+%d lines)", len(lines)-1)
	}
	return line
}

// who names an actor: @alice for a demo user, else the actor as recorded
// (tocsin, alarm:NAME).
func (w *demoWorld) who(actor string) string {
	for _, u := range demoUsers {
		if u.ID == actor {
			return "@" + u.Name
		}
	}
	return actor
}

func fileKind(b []byte) string {
	if len(b) > 8 && string(b[1:4]) == "PNG" {
		return "PNG image"
	}
	return "text"
}

func (w *demoWorld) narrateSSM(s *watched) {
	calls := w.ssm.Calls()
	for _, c := range calls[min(s.calls, len(calls)):] {
		switch c.Op {
		case "SendCommand":
			w.say.say("ssm", "SendCommand %v on %v: %s", c.Input["DocumentName"], c.Input["InstanceIds"], commandsOf(c.Input))
		case "StartAutomationExecution":
			w.say.say("ssm", "StartAutomationExecution %v with %s", c.Input["DocumentName"], paramsOf(c.Input))
		}
	}
	s.calls = len(calls)
	for _, c := range w.ssm.Commands() {
		w.narrateStatus(s, "command", c.ID, c.Status)
	}
	for _, a := range w.ssm.Automations() {
		w.narrateStatus(s, "automation", a.ID, a.Status)
	}
}

func (w *demoWorld) narrateStatus(s *watched, kind, id, status string) {
	if s.status[id] == status {
		return
	}
	s.status[id] = status
	w.say.say("ssm", "%s %s…: %s", kind, id[:8], status)
}

// paramsOf renders an SSM call's Parameters as k=v, sorted.
func paramsOf(in map[string]any) string {
	params, _ := in["Parameters"].(map[string]any)
	var parts []string
	for k, v := range params {
		parts = append(parts, fmt.Sprintf("%s=%v", k, v))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func commandsOf(in map[string]any) string {
	params, _ := in["Parameters"].(map[string]any)
	cmds, _ := params["commands"].([]any)
	parts := make([]string, len(cmds))
	for i, c := range cmds {
		parts[i] = fmt.Sprint(c)
	}
	return strings.Join(parts, "; ")
}
