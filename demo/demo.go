// Package demo is `tocsin demo`: the real tocsin — app.New and Serve, the
// same wiring as `tocsin serve` — on loopback, together with the local
// stand-ins of package sim for the Slack Web API and for SSM and
// CloudWatch. tocsin reaches them through the settings it uses for the real
// services (SLACK_API_URL, AWS_ENDPOINT_URL, AWS_REGION, static AWS
// credentials, TOCSIN_SNS_CERT_DIR), injected through getenv: there is no
// demo code path inside tocsin. The demo then plays an incident in real
// time, narrating it from tocsin's read-only view (app.View) and the
// stand-ins' records, and afterwards lets the terminal act as a Slack user.
//
// Files: demo.go (entry, options, lifetime), world.go (the stand-ins and
// the server), alarms.go (the demo's alarms, CloudWatch and SNS), slack.go
// (signed slash commands and clicks), narrate.go (the narrator and the
// watcher), scenario.go (the scripted incident), prompt.go (the interactive
// prompt), playbooks/ (embedded) and testdata/ (the golden review).
//
// demo imports app and sim; nothing but the cli package imports demo.
package demo

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// demoOptions is what one run of the demo needs. Run fills it from the
// command line; tests fill it directly.
type demoOptions struct {
	getenv      func(string) string
	stdout      io.Writer // the narration
	stderr      io.Writer // tocsin's own log
	stdin       io.Reader // the interactive prompt's input
	interactive bool
	// scenario plays the scripted incident; without it the demo goes
	// straight to the prompt (tests of the prompt).
	scenario bool
	// observe, if set, is called once the scenario has played, with the
	// stand-ins and the server still running (the end-to-end test).
	observe func(*demoWorld)
}

// demoObserver is implemented by a stdout that wants to look at the demo's
// world once the scenario has played: the end-to-end test passes one to
// run, so that it goes through exactly the path a user's command takes.
// Nothing in the binary implements it.
type demoObserver interface {
	observeDemo(*demoWorld)
}

// Run is the demo command (`tocsin demo [--no-interactive]`): args are
// the command's own arguments.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tocsin demo", flag.ContinueOnError)
	var usage bytes.Buffer // to stdout when asked for (-h), else to stderr with the error
	fs.SetOutput(&usage)
	noInteractive := fs.Bool("no-interactive", false, "play the scenario, print a summary and exit (for scripts)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: tocsin %s\n", Usage)
		fs.PrintDefaults()
	}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, err = stdout.Write(usage.Bytes())
		return err
	case err != nil:
		stderr.Write(usage.Bytes())
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: unexpected argument %q", fs.Arg(0))
	}
	o := demoOptions{getenv: getenv, stdout: stdout, stderr: stderr, stdin: os.Stdin,
		interactive: !*noInteractive, scenario: true}
	if obs, ok := stdout.(demoObserver); ok {
		o.observe = obs.observeDemo
	}
	return playDemo(ctx, o)
}

// Usage is the demo command's line in tocsin's usage.
const Usage = "demo [--no-interactive]: run tocsin with local Slack and AWS stand-ins and play an incident"

// playDemo starts the world, plays the scenario, offers the prompt and
// shuts everything down in order. Ctrl-C (ctx's end) stops it cleanly at
// any point and is not an error.
func playDemo(ctx context.Context, o demoOptions) error {
	w, err := startDemoWorld(ctx, o)
	if err == nil {
		err = w.play(ctx)
		if stopErr := w.stop(); err == nil {
			err = stopErr
		}
	}
	switch {
	case ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)):
		fmt.Fprintln(o.stdout, "\nInterrupted: tocsin and the stand-ins are shut down, the demo files removed.")
		return nil
	case err != nil:
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintln(o.stdout, "\nDone: tocsin and the stand-ins are shut down, the demo files removed.")
	return nil
}

// play runs the parts of the demo that follow the start.
func (w *demoWorld) play(ctx context.Context) error {
	w.banner()
	watch, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); w.watch(watch) }()
	defer func() { stopWatch(); <-watched }()
	if w.opts.scenario {
		if err := w.scenario(ctx); err != nil {
			return err
		}
		w.settled(ctx)
		w.summary()
		if w.opts.observe != nil {
			w.opts.observe(w)
		}
	}
	if !w.opts.interactive {
		return nil
	}
	return w.prompt(ctx)
}

// settled waits (a bounded time) until tocsin has performed every effect
// the scenario caused — Slack paces its messages, so some trail the
// commands — and narrates them, so that the summary and an observer see
// the final state.
func (w *demoWorld) settled(ctx context.Context) {
	_ = w.waitFor(ctx, 20*time.Second, "the outbox to drain", func() (bool, error) {
		return w.app.View().Pending() == 0, nil
	})
	w.narrateNew(ctx)
}

// banner says what runs where, before anything happens.
func (w *demoWorld) banner() {
	p := func(format string, args ...any) { fmt.Fprintf(w.opts.stdout, format+"\n", args...) }
	p("tocsin demo: the whole life of an incident, with local stand-ins for Slack and AWS")
	p("")
	if w.addrNote != "" {
		p("  %s", w.addrNote)
	}
	p("  tocsin            %s  (the real server; demo store %s)", w.base, w.app.Config().DB)
	p("  Slack Web API     %s  (local stand-in)", w.slack.URL())
	p("  SSM, CloudWatch   %s  (local stand-in)", w.awsURL)
	p("  SNS               notifications signed here with a demo key whose certificate is in TOCSIN_SNS_CERT_DIR (local stand-in)")
	p("  Dashboard         %s/  sign in with the API token %s", w.base, w.creds.apiToken)
	p("                    (a throwaway credential made for this run, so printing it is harmless)")
	p("  Slack view        %s/slack-view/  what tocsin posted to the Slack stand-in, live", w.base)
	p("  Demo playbooks    %s: their first escalation step", strings.Join(demoPlaybookNames(), ", "))
	p("                    comes after 15s (the built-ins wait 5 to 15 minutes), so you see it fire")
	p("")
}
