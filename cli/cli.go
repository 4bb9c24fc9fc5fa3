// Package cli is the tocsin command: one file per subcommand (serve, demo,
// check, incidents, incident, review, metrics, digest, backup,
// migrate-store, healthcheck, version) and the client of tocsin's JSON API
// that the reading commands use. Run is the entry point; main.go only hands it the process's
// arguments, environment and streams. cli turns flags and environment into
// the app package's Config and never wires parts itself.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tocsin-dev/tocsin/app"
)

// Version is set at build time with -ldflags "-X github.com/tocsin-dev/tocsin/cli.Version=…".
var Version = "dev"

// env is what one invocation of a command runs with.
type env struct {
	args   []string // the positional arguments left after the flags
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// runFunc runs a command once its flags are parsed.
type runFunc func(ctx context.Context, e env) error

// command is one subcommand: its usage line and define, which declares the
// command's flags on fs and returns what runs once they are parsed.
type command struct {
	usage  string
	define func(fs *flag.FlagSet, getenv func(string) string) runFunc
	// flagsAnywhere lets positional arguments (an incident id) come before
	// or after the flags; only for commands whose flags take no value.
	flagsAnywhere bool
	// raw commands parse their own arguments (the demo).
	raw func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

// order is the order of the commands in the usage text.
var order = []string{"serve", "demo", "check", "incidents", "incident", "review", "metrics", "digest", "backup", "migrate-store", "version", "healthcheck"}

var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":       {usage: "serve: run the server (the default)", define: defineServe},
		"demo":        {usage: demoUsage, raw: runDemo},
		"check":       {usage: "check [--store]: validate the configuration, runbooks, playbooks and access policy (a running server reloads them on SIGHUP); --store also checks the store file", define: defineCheck},
		"incidents":   {usage: "incidents [--json] [--open]: list incidents", define: defineIncidents},
		"incident":    {usage: "incident INC-42 [--json]: show an incident and its timeline", define: defineIncident, flagsAnywhere: true},
		"review":      {usage: "review INC-42: print the post-incident review draft", define: defineReview, flagsAnywhere: true},
		"metrics":     {usage: "metrics [--since 30d] [--json]: MTTD, MTTA, MTTM, MTTR", define: defineMetrics},
		"digest":      {usage: "digest --dry-run: print the weekly digest", define: defineDigest},
		"backup":      {usage: "backup FILE: write a consistent copy of the store", define: defineBackup},
		"version":     {usage: "version: print the version", define: defineVersion},
		"healthcheck": {usage: "healthcheck: exit 0 if the local server answers /healthz (for container health checks)", define: defineHealthcheck},

		"migrate-store": {usage: migrateStoreUsage, define: defineMigrateStore},
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
	if c.raw != nil {
		return c.raw(ctx, rest, getenv, stdout, stderr)
	}
	getenv, err := app.Settings(getenv) // every command sees TOCSIN_CONFIG as serve does
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	fs := flag.NewFlagSet("tocsin "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if wantsHelp(rest) {
		fs.SetOutput(stdout) // asked for, so it is the output, and not an error
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: tocsin %s\n", c.usage)
		fs.PrintDefaults()
	}
	run := c.define(fs, getenv)
	positional, err := parse(fs, rest, c.flagsAnywhere)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil
	case err != nil:
		return err
	}
	return run(ctx, env{args: positional, getenv: getenv, stdout: stdout, stderr: stderr})
}

// wantsHelp reports whether command-line arguments ask for help (-h,
// -help or --help before any "--").
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// parse parses the flags in args and returns the positional arguments.
func parse(fs *flag.FlagSet, args []string, anywhere bool) ([]string, error) {
	if !anywhere {
		err := fs.Parse(args)
		return fs.Args(), err
	}
	var flags, positional []string
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
		} else {
			positional = append(positional, a)
		}
	}
	err := fs.Parse(flags)
	return positional, err
}

func usage() string {
	s := "usage: tocsin <command> [flags]\n\ncommands:\n"
	for _, n := range order {
		s += "  " + commands[n].usage + "\n"
	}
	return s + "\nConfiguration is read from the environment; see README.md.\n"
}
