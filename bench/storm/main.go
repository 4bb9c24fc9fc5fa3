// Command storm is tocsin's alarm-storm benchmark (issue "Performance under
// an alarm storm"). It floods a real tocsin with signed CloudWatch alarm
// notifications over SNS's HTTP protocol and reports how fast they are
// acknowledged, how soon each incident gets its Slack channel and pinned
// header, how many Slack calls that costs, how much memory and disk tocsin
// uses, and whether every acknowledged notification is on a timeline
// exactly once.
//
//	go run ./bench/storm            # the default storm, as a table
//	go run ./bench/storm -json      # the same, as JSON
//	go run ./bench/storm -h         # every number of the workload is a flag
//	go run ./bench/storm -db 'postgres://user@host/db'   # on PostgreSQL
//
// storm builds the tocsin binary (go build, from the module root) and runs
// it as a child process instead of embedding package app. This is
// deliberate: the memory reported (peak RSS from the
// child's /proc/<pid>/status VmHWM, peak heap from its own /metrics) is
// tocsin's alone, not the load generator's, and tocsin runs exactly as it is
// deployed, configured by environment variables. The Slack stand-in
// (sim.Slack, enforcing Slack's per-method rate limits, with added latency)
// and the AWS stand-in (sim.AWS: SSM and CloudWatch) run in this process;
// everything listens on 127.0.0.1.
//
// The load is open loop: each notification has a fixed send time, a pool of
// workers sends them, and latency is measured from the scheduled time, so a
// slow server shows up as latency instead of silently lowering the rate.
// Bodies are signed (RSA-2048, SignatureVersion 2) before the clock starts:
// signing is SNS's cost, not tocsin's. Note that the generator shares the
// machine's cores with tocsin.
//
// With -db, tocsin stores in PostgreSQL: storm creates a schema of its own
// (tocsin_storm_<random>) in that database, gives tocsin the URL with
// search_path set to it, reads the tables' size and the outbox left with
// pgx once tocsin has stopped, and drops the schema unless -keep. The
// correctness check is the same for both backends: it reads tocsin's API.
//
// storm exits with status 1 if the correctness check fails: a refused (4xx)
// notification, an acknowledged MessageId missing from the timelines or on
// them twice, or not exactly one incident per service.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// options are the workload and the measurement's bounds; every one is a flag.
type options struct {
	notifications int
	alarms        int
	services      int
	duration      time.Duration
	dupFraction   float64
	forged        float64
	flapFraction  float64
	workers       int
	latency       time.Duration
	drain         time.Duration
	quiet         time.Duration
	seed          int64
	json          bool
	keep          bool
	cpuProfile    string
	gogc          string
	standby       int
	unowned       int
	stormAfter    int
	db            string // a postgres:// URL, or "" for a bbolt file
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("storm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.notifications, "n", 20000, "notifications to send, redeliveries included")
	fs.IntVar(&o.alarms, "alarms", 1000, "distinct CloudWatch alarms")
	fs.IntVar(&o.services, "services", 10, "services the alarms belong to (one incident each)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "time over which the notifications are sent")
	fs.Float64Var(&o.dupFraction, "dup", 0.05, "fraction of deliveries that re-send an earlier MessageId")
	fs.Float64Var(&o.forged, "forged", 0, "extra deliveries, as a fraction of -n, whose signature does not verify (tocsin must refuse each with a 4xx and record nothing)")
	fs.Float64Var(&o.flapFraction, "flap", 0.2, "fraction of alarms that alternate ALARM and OK")
	fs.IntVar(&o.workers, "workers", 256, "concurrent senders (connections)")
	fs.DurationVar(&o.latency, "latency", 100*time.Millisecond, "latency the Slack stand-in adds to every call")
	fs.DurationVar(&o.drain, "drain", 3*time.Minute, "longest wait after the storm for tocsin's Slack work to finish")
	fs.DurationVar(&o.quiet, "quiet", 5*time.Second, "Slack silence that, with every header pinned, counts as drained")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the workload's randomness")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binary, store, logs)")
	fs.IntVar(&o.unowned, "unowned", 0, "how many of -alarms no playbook claims (the built-in default takes them: one incident each, until the storm guard)")
	fs.IntVar(&o.stormAfter, "storm-after", 10, "TOCSIN_STORM_AFTER: open per-alarm incidents after which new unowned alarms share one storm incident (0: off)")
	fs.IntVar(&o.standby, "standby", 0, "TOCSIN_STANDBY_CHANNELS: channels tocsin creates before the storm (storm waits for them)")
	fs.StringVar(&o.db, "db", "", "a postgres:// or postgresql:// URL: tocsin stores in a fresh schema of that database (created, and dropped unless -keep) instead of a temporary bbolt file")
	fs.StringVar(&o.gogc, "gogc", "", "GOGC for tocsin (empty: tocsin's own default)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write tocsin's CPU profile over the sending phase to this file, and its allocations to FILE.allocs (read them with go tool pprof and the kept binary)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	return o, o.validate()
}

func (o options) validate() error {
	var errs []error
	if o.notifications < 1 || o.alarms < 1 || o.services < 1 || o.workers < 1 {
		errs = append(errs, errors.New("-n, -alarms, -services and -workers must be positive"))
	}
	if o.alarms-o.unowned < o.services || o.unowned < 0 || o.stormAfter < 0 {
		errs = append(errs, errors.New("-alarms less -unowned must be at least -services; -unowned and -storm-after not negative"))
	}
	if o.dupFraction < 0 || o.dupFraction >= 1 || o.flapFraction < 0 || o.flapFraction > 1 || o.forged < 0 || o.forged > 1 {
		errs = append(errs, errors.New("-dup must be in [0,1), -flap and -forged in [0,1]"))
	}
	if distinct(o) < o.alarms {
		errs = append(errs, fmt.Errorf("-n with -dup leaves %d distinct notifications, fewer than -alarms", distinct(o)))
	}
	if o.duration <= 0 || o.drain <= 0 || o.quiet <= 0 {
		errs = append(errs, errors.New("-duration, -drain and -quiet must be positive"))
	}
	if o.db != "" && !isPostgresURL(o.db) {
		errs = append(errs, errors.New("-db must be a postgres:// or postgresql:// URL (without it, the store is a temporary bbolt file)"))
	}
	return errors.Join(errs...)
}

// isPostgresURL is the test tocsin applies to TOCSIN_DB (pgstore.IsURL),
// repeated so that storm does not build pgstore itself.
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// distinct is how many different MessageIds the storm sends.
func distinct(o options) int {
	return o.notifications - int(float64(o.notifications)*o.dupFraction+0.5)
}

// errCheckFailed reports a failed correctness check (after the report).
var errCheckFailed = errors.New("correctness check failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "storm:", err)
		}
		os.Exit(1)
	}
}

// run is the whole benchmark.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tocsin-storm-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(stderr, "storm: keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	b := &bench{opts: o, dir: dir, log: stderr}
	rep, err := b.run(ctx)
	if err != nil {
		return err
	}
	if err := rep.write(stdout, o.json); err != nil {
		return err
	}
	if !rep.Check.OK {
		return errCheckFailed
	}
	return nil
}
