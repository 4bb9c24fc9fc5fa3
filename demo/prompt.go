package demo

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// summary prints the incidents, their metrics and what the stand-ins saw.
func (w *demoWorld) summary() {
	ctx := context.Background()
	incs, _ := w.app.View().Incidents(ctx, false)
	slices.SortFunc(incs, func(a, b incident.Incident) int { return int(a.ID) - int(b.ID) })
	w.say.heading(fmt.Sprintf("Summary (the scenario took %.0fs)", time.Since(w.say.start).Seconds()))
	for _, inc := range incs {
		var ms []string
		for _, m := range incident.MetricNames() {
			v := "missing"
			if d, ok := inc.Duration(m); ok {
				v = d.Round(time.Second).String()
			}
			ms = append(ms, m+" "+v)
		}
		w.say.print("  %s  %s  %-9s %-9s %d alarm(s)  #%-30s %s\n", inc.ID, inc.Severity, inc.Status, inc.Service,
			len(inc.Alarms), inc.Channel.Name, strings.Join(ms, "  "))
	}
	msgs := 0
	chans := w.slack.Channels()
	for _, c := range chans {
		msgs += len(w.slack.Messages(c.ID))
	}
	w.say.print("  Slack stand-in: %d channels, %d messages, %d files.  SSM stand-in: %d command(s), %d automation(s).\n",
		len(chans), msgs, len(w.slack.Files()), len(w.ssm.Commands()), len(w.ssm.Automations()))
	w.say.print("  %s\n", w.pagerDutySummary())
	w.say.print("  MTTD = detected − started, MTTA = acknowledged − detected, MTTM = mitigated − started, MTTR = resolved − started.\n")
	w.say.print("  See it all on the dashboard, %s/ (token %s), and in the Slack view, %s/slack-view/.\n",
		w.base, w.creds.apiToken, w.base)
}

const promptHelp = `You are now a Slack user of the demo workspace. Commands:
  /incident ...        send a signed slash command from the current channel (try /incident help,
                       /incident declare Payments are slow sev2, /incident list)
  channel NAME         switch channel (a name like incidents, or an incident id like INC-1)
  channels             list the channels
  as alice | as bob    switch user (Alice and Bob are in the on-call group S0DEMOONCALL, @oncall)
                       In /incident text, @alice, @bob and @oncall are sent as Slack mentions.
  buttons              number the buttons and checkboxes of the recent messages in this channel
  click N              click button N of the last listing
  submit TEXT          fill in and send the form a button opened (Add note, Resolve)
  fire ALARM           make a demo alarm go to ALARM (alarms: %s)
  recover ALARM        make it go back to OK
  logs                 show what tocsin logged while you typed (it is held, not printed, meanwhile)
  quit                 stop tocsin and the stand-ins and exit (Ctrl-C does the same)`

// prompt lets the terminal act as a Slack user until quit, end of input or
// ctx's end.
func (w *demoWorld) prompt(ctx context.Context) error {
	var names []string
	for _, a := range demoAlarms {
		names = append(names, a.Name)
	}
	w.say.print("\n"+promptHelp+"\n", strings.Join(names, ", "))
	w.say.print("tocsin's own log (stderr) is held while you type: `logs` shows it, and what you have not seen is printed when you quit.\n")
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(w.opts.stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	w.log.start()
	defer w.log.release()
	announce, _ := w.slack.ChannelByName(demoAnnounce)
	p := &promptState{user: demoAlice, channel: announce.ID, fired: map[string]time.Time{}}
	for {
		w.say.print("%s in #%s> ", p.user.Name, w.channelName(p.channel))
		select {
		case <-ctx.Done():
			w.say.print("\n")
			return nil
		case line, ok := <-lines:
			if !ok {
				w.say.print("\n")
				return nil
			}
			if quit := w.do(ctx, p, strings.TrimSpace(line)); quit {
				return nil
			}
		}
	}
}

type promptState struct {
	user    demoUser
	channel string
	buttons []demoButton
	modal   modalInput // the form the last click opened, if any
	fired   map[string]time.Time
}

// do carries out one prompt line and reports whether to quit.
func (w *demoWorld) do(ctx context.Context, p *promptState, line string) bool {
	word, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	out := func(format string, args ...any) { w.say.print("  "+format+"\n", args...) }
	switch strings.ToLower(word) {
	case "":
	case "quit", "exit":
		return true
	case "help", "?":
		out("%s", strings.ReplaceAll(promptHelp, "%s", "see the list above"))
	case "/incident":
		_ = w.slack.Join(p.channel, p.user.ID) // typing in a channel means being in it; an archived one refuses the command anyway
		immediate, _, err := w.slash(p.user, p.channel, slackMentions(rest))
		switch {
		case err != nil:
			out("error: %v", err)
		case len(immediate) != 1 || immediate[0] != "Working on it…":
			for _, l := range immediate {
				out("%s", l)
			}
		}
		w.settle(ctx)
	case "channel":
		if ch, ok := w.findChannel(ctx, rest); ok {
			p.channel = ch
		} else {
			out("no channel %q; `channels` lists them", rest)
		}
	case "channels":
		for _, c := range w.slack.Channels() {
			out("#%s (%s)", c.Name, c.ID)
		}
	case "as":
		if u, ok := findUser(rest); ok {
			p.user = u
		} else {
			out("no user %q: try alice or bob", rest)
		}
	case "buttons":
		p.buttons = w.recentButtons(p.channel, 10)
		for i, b := range p.buttons {
			out("%2d. [%s]", i+1, w.readable(b.Label))
		}
		if len(p.buttons) == 0 {
			out("no buttons in the recent messages of #%s", w.channelName(p.channel))
		}
	case "click":
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 || n > len(p.buttons) {
			out("click a number from the last `buttons` listing")
			break
		}
		views := len(w.slack.Views())
		if _, err := w.click(p.user, p.buttons[n-1]); err != nil {
			out("error: %v", err)
		}
		w.settle(ctx)
		if m, ok := w.openedModal(views); ok {
			p.modal = m
			out("tocsin opened the form “%s” asking for %s: type `submit <text>` to send it.", m.title, strings.ToLower(m.label))
		}
	case "submit":
		w.promptSubmit(ctx, p, rest, out)
	case "logs":
		if held := strings.TrimSpace(string(w.log.held())); held != "" {
			w.say.print("%s\n", held)
		} else {
			out("tocsin has logged nothing new since the prompt started (level %s)", w.app.Config().LogLevel)
		}
	case "fire", "recover":
		w.promptAlarm(p, word, rest, out)
		w.settle(ctx)
	default:
		out("unknown command %q; type help", word)
	}
	return false
}

// promptSubmit sends the open form with text.
func (w *demoWorld) promptSubmit(ctx context.Context, p *promptState, text string, out func(string, ...any)) {
	switch {
	case p.modal.view == "":
		out("no form is open: click a button that opens one (Add note, Resolve) first")
	case text == "":
		out("type the text after submit, e.g. submit checked the deploy log")
	default:
		if err := w.submitModal(p, text); err != nil {
			out("error: %v", err)
		}
		w.settle(ctx)
	}
}

func (w *demoWorld) promptAlarm(p *promptState, verb, name string, out func(string, ...any)) {
	a, ok := demoAlarmNamed(name)
	if !ok {
		out("no demo alarm %q; `help` lists them", name)
		return
	}
	state := sim.CWStateAlarm
	if verb == "recover" {
		state = sim.CWStateOK
	} else {
		p.fired[a.Name] = time.Now()
	}
	t0, ok := p.fired[a.Name]
	if !ok {
		t0 = w.stormAt
	}
	if err := w.fire(a, state, t0); err != nil {
		out("error: %v", err)
	}
}

// settle gives tocsin a moment to answer, so its reply is narrated before
// the next prompt.
func (w *demoWorld) settle(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(700 * time.Millisecond):
	}
	w.narrateNew(ctx)
}

// recentButtons lists the buttons of a channel's pinned header, then of its
// last n other messages, oldest first.
func (w *demoWorld) recentButtons(channel string, n int) []demoButton {
	msgs := slices.DeleteFunc(w.slack.Messages(channel), func(m sim.SlackMessage) bool { return m.Deleted })
	var out []demoButton
	for _, m := range msgs {
		if m.Pinned {
			out = append(out, buttons(channel, m)...)
		}
	}
	msgs = slices.DeleteFunc(msgs, func(m sim.SlackMessage) bool { return m.Pinned })
	for _, m := range msgs[max(0, len(msgs)-n):] {
		out = append(out, buttons(channel, m)...)
	}
	return out
}

// findChannel finds a channel by name ("#inc-1-…" or "inc-1-…") or by
// the incident it belongs to ("INC-1").
func (w *demoWorld) findChannel(ctx context.Context, ref string) (string, bool) {
	ref = strings.TrimPrefix(strings.TrimSpace(ref), "#")
	if id, err := incident.ParseID(ref); err == nil {
		ch, err := w.channelOf(ctx, id)
		return ch, err == nil
	}
	for _, c := range w.slack.Channels() {
		if c.Name == ref || c.ID == ref {
			return c.ID, true
		}
	}
	return "", false
}

func findUser(ref string) (demoUser, bool) {
	ref = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(ref)), "@")
	for _, u := range demoUsers {
		if strings.ToLower(u.ID) == ref || u.Name == ref {
			return u, true
		}
	}
	return demoUser{}, false
}
