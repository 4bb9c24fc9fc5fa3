package app

import (
	"context"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-dev/tocsin/pgstore"
)

// Replicas. With the bbolt store one tocsin owns the file and runs every
// part. With PostgreSQL several replicas may serve at once behind a load
// balancer: all of them take /sns, Slack requests and the API, while the
// work that must happen once per cluster (the parts added with once: the
// outbox worker — Slack is paced per workspace, not per replica — timers,
// schedules, reconciliation, standby channels, the key sweeper) runs on the
// leader only. The leader holds a PostgreSQL session advisory lock on a
// connection of its own; each term has an epoch that fences the outbox, so
// a deposed leader can never record an effect's result (pgstore's doc).

// wireLeader makes this replica a candidate for leadership when the store
// is PostgreSQL, and exports tocsin_leader and tocsin_leader_epoch.
func (a *App) wireLeader(db Store, log *slog.Logger) {
	pg, ok := db.(*pgstore.DB)
	if !ok {
		return
	}
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "tocsin"
	}
	a.leader = pgstore.NewLeader(pg, pgstore.LeaderOptions{Name: name, Logger: log.With("component", "leader")})
	a.once("outbox-notifications", func(ctx context.Context) error { return pg.Listen(ctx, a.engine.Nudge) })
	a.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tocsin_leader",
			Help: "1 while this replica leads (runs the outbox worker, timers and schedules), else 0."},
			func() float64 {
				if a.leader.IsLeader() {
					return 1
				}
				return 0
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tocsin_leader_epoch",
			Help: "The epoch of this replica's current or last leadership (0: never led)."},
			func() float64 { return float64(a.leader.Epoch()) }),
	)
}

// alive tells bot's inbox replay whether the replica that took a Slack
// command is still running (pgstore presence); nil with bbolt, where the
// process that left a command is gone.
func (a *App) alive() func(context.Context, string) (bool, error) {
	if pg, ok := a.store.(*pgstore.DB); ok {
		return pg.Present
	}
	return nil
}

// holdPresence holds this replica's presence under boot for as long as it
// runs (PostgreSQL only).
func (a *App) holdPresence(boot string) {
	if pg, ok := a.store.(*pgstore.DB); ok {
		a.every("presence", func(ctx context.Context) error { return pg.HoldPresence(ctx, boot) })
	}
}

// parts splits the background parts into those every replica runs and
// those that run once per cluster.
func (a *App) parts() (every, once []background) {
	for _, p := range a.background {
		if p.once {
			once = append(once, p)
		} else {
			every = append(every, p)
		}
	}
	return every, once
}

// runOnce runs the once-per-cluster parts: at once with bbolt, and for each
// term of leadership with PostgreSQL (stopped the moment it ends).
func (a *App) runOnce(ctx context.Context, parts []background) {
	if a.leader == nil {
		a.runParts(ctx, parts)
		return
	}
	err := a.leader.Run(ctx, func(term context.Context, epoch int64) error {
		a.log.Info("leading: running the outbox worker, timers and schedules", "epoch", epoch)
		for _, f := range a.onTerm {
			f()
		}
		a.runParts(term, parts)
		a.log.Info("no longer leading", "epoch", epoch)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		a.log.Error("leadership stopped", "err", err)
	}
}

// backend and role are what the startup log says about the store.
func (a *App) backend() string {
	if a.leader != nil {
		return "postgres"
	}
	return "bbolt"
}

func (a *App) role() string {
	if a.leader != nil {
		return "replica (leads when it holds the leader lock)"
	}
	return "single (bbolt: this process owns the file)"
}
