// Command tocsin is a ChatOps incident-response bot for teams on AWS and
// Slack: CloudWatch alarms through SNS open incidents, each gets a Slack
// channel, responders drive it with /incident, approved SSM runbooks run
// from chat, and MTTD/MTTA/MTTR, reviews and a weekly digest come from the
// timeline. The program is package cli (the commands) over package app (the
// embeddable server); main only hands them the process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tocsin-dev/tocsin/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "tocsin:", err)
		}
		os.Exit(1)
	}
}
