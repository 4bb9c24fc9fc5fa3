package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The demo's on-call rotation: Alice and Bob share the search on-call,
// weekly, and hand-offs are announced in #oncall.
const (
	demoRotation      = "search"
	demoOnCallChannel = "oncall"
	demoShift         = "15s" // the shift Alice gives Bob
)

// writeRotation writes the search rotation into the playbook directory's
// rotations/ folder. Its hand-off channel is the Slack stand-in's #oncall,
// so it is written once the stand-ins run. It started yesterday with
// Alice, so she is on call now.
func (w *demoWorld) writeRotation() error {
	ch, ok := w.slack.ChannelByName(demoOnCallChannel)
	if !ok {
		return fmt.Errorf("the Slack stand-in has no #%s", demoOnCallChannel)
	}
	body := fmt.Sprintf(`name: %s
description: The search team's on-call (the demo's).
members: [%s, %s]
length: weekly
handoff: "09:00"
timezone: UTC
start: %s
handoff_channel: %s
`, demoRotation, demoAlice.ID, demoBob.ID, time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly), ch.ID)
	dir := filepath.Join(w.dir, "playbooks", "rotations")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write the demo rotation: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, demoRotation+".yaml"), []byte(body), 0o600); err != nil {
		return fmt.Errorf("write the demo rotation: %w", err)
	}
	return nil
}

// handOver: Alice, on call for search, gives Bob the shift for a few
// seconds; tocsin announces it in #oncall at once.
func (w *demoWorld) handOver(ctx context.Context) error {
	ch, _ := w.slack.ChannelByName(demoOnCallChannel)
	w.say.say("alice", "/incident oncall override @bob %s   (in #%s)", demoShift, demoOnCallChannel)
	_, resp, err := w.slash(demoAlice, ch.ID, "oncall override <@"+demoBob.ID+"|bob> "+demoShift)
	if err != nil {
		return err
	}
	return w.waitFor(ctx, demoStep, "the override's announcement in #"+demoOnCallChannel, func() (bool, error) {
		_, answered := w.reply(resp)
		return answered && w.posted(ch.ID, "takes the *"+demoRotation+"* on-call shift from <@"+demoAlice.ID+">"), nil
	})
}

// handBack waits for the end of Bob's shift: the hand-off back to Alice,
// announced in #oncall by tocsin's durable hand-off timer.
func (w *demoWorld) handBack(ctx context.Context) error {
	ch, _ := w.slack.ChannelByName(demoOnCallChannel)
	handedOff := "<@" + demoBob.ID + "> hands off *" + demoRotation + "* on call to <@" + demoAlice.ID + ">"
	if w.posted(ch.ID, handedOff) {
		w.say.say("demo", "Bob's %s shift ended while the steps above ran; tocsin's hand-off timer announced it in #%s (above)", demoShift, demoOnCallChannel)
		return nil
	}
	w.say.say("demo", "Bob's %s shift ends; tocsin's hand-off timer announces it in #%s", demoShift, demoOnCallChannel)
	return w.waitFor(ctx, demoStep, "the hand-off in #"+demoOnCallChannel, func() (bool, error) {
		return w.posted(ch.ID, handedOff), nil
	})
}
