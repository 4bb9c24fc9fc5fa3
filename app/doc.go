// Package app is tocsin, embeddable: LoadConfig reads every setting (the
// environment, over an optional TOCSIN_CONFIG YAML file), New wires the
// parts — store, response engine, outbox worker, SNS intake, Slack, AWS,
// dashboard — and Serve runs them until its context ends, then stops them
// in order (stop taking requests, finish those in flight, stop the
// background work, close the store). The `tocsin serve` command, the demo
// and the whole-program tests all start tocsin this one way:
//
//	cfg, err := app.LoadConfig(getenv)
//	if err != nil { ... }
//	a, err := app.New(ctx, cfg, app.Deps{Logger: logger, Getenv: getenv, Now: clock})
//	if err != nil { ... }
//	ln, _ := net.Listen("tcp", "127.0.0.1:0")
//	go a.Serve(ctx, ln)    // GET /healthz answers once it listens
//	incs, _ := a.View().Incidents(ctx, false)
//
// Deps carries what an embedder may replace (the clock, the HTTP client for
// SNS certificates, extra routes); their zero values are production's.
//
// The files: config.go (Config, every variable and its check), app.go
// (New, the read-only View), effects.go (the one table of which executor
// performs each effect kind), routes.go (the one HTTP route table),
// wire.go, wire_slack.go, wire_aws.go (the outside systems), serve.go
// (start and stop order), reload.go (SIGHUP), digest.go and publish.go
// (schedules), inbox.go (the Slack command inbox on the store).
//
// Where new parts go: an outside API (PagerDuty, a ticket tracker, a
// status page) is a package of its own at the top level, like webhook/,
// satisfying a small interface that dispatch declares; app constructs it
// from Config and registers its effect kinds in effects.go. A second store
// backend is a package beside store/ implementing the same contract
// (incident.Tx and the interfaces dispatch and web declare); app chooses it
// from TOCSIN_DB in OpenStore. app is the only package that imports store,
// bot and intake together.
package app
