package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// Version is set at build time with -ldflags "-X github.com/tocsin-dev/tocsin/cli.Version=…".
var Version = "dev"

type command struct {
	usage string
	run   func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":       {"serve: run the server (the default)", runServe},
		"demo":        {"demo [--no-interactive]: run tocsin with local Slack and AWS stand-ins and play an incident", runDemo},
		"check":       {"check: validate runbooks and playbooks (a running server reloads them on SIGHUP)", runCheck},
		"incidents":   {"incidents [--json] [--open]: list incidents", runIncidents},
		"incident":    {"incident INC-42 [--json]: show an incident and its timeline", runIncident},
		"review":      {"review INC-42: print the post-incident review draft", runReview},
		"metrics":     {"metrics [--since 30d] [--json]: MTTD, MTTA, MTTM, MTTR", runMetrics},
		"digest":      {"digest --dry-run: print the weekly digest", runDigest},
		"backup":      {"backup FILE: write a consistent copy of the store", runBackup},
		"version":     {"version: print the version", runVersion},
		"healthcheck": {"healthcheck: exit 0 if the local server answers /healthz (for container health checks)", runHealthcheck},
	}
}

// Run is the whole program: main calls it with the process's arguments,
// environment and streams, tests call it in-process.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name, rest := "serve", []string{}
	if len(args) > 1 {
		name, rest = args[1], args[2:]
	}
	if name == "-h" || name == "--help" || name == "help" {
		fmt.Fprint(stdout, usage())
		return nil
	}
	c, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q\n%s", name, usage())
	}
	return c.run(ctx, rest, getenv, stdout, stderr)
}

func usage() string {
	s := "usage: tocsin <command> [flags]\n\ncommands:\n"
	for _, n := range []string{"serve", "demo", "check", "incidents", "incident", "review", "metrics", "digest", "backup", "version", "healthcheck"} {
		s += "  " + commands[n].usage + "\n"
	}
	return s + "\nConfiguration is read from the environment; see README.md.\n"
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tocsin "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: tocsin %s\n", commands[name].usage)
		fs.PrintDefaults()
	}
	return fs
}
