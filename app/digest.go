package app

import (
	"context"
	"fmt"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// DigestLastRunKey is where the digest schedule records the last digest sent.
const DigestLastRunKey = "digest/last_run"

// lastRun implements report.LastRunStore on the store's key-value area.
type lastRun struct{ a *App }

func (l lastRun) LastRun(ctx context.Context) (time.Time, error) {
	v, ok, err := l.a.store.Get(DigestLastRunKey)
	if err != nil || !ok {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, string(v))
}

func (l lastRun) SetLastRun(ctx context.Context, t time.Time) error {
	return l.a.store.Put(ctx, DigestLastRunKey, []byte(t.UTC().Format(time.RFC3339Nano)))
}

// buildDigest computes the digest for the week ending at end from the store.
func (a *App) buildDigest(ctx context.Context, end time.Time, loc *time.Location) (report.Digest, error) {
	incs, err := a.store.Incidents(ctx, false)
	if err != nil {
		return report.Digest{}, err
	}
	events := make(map[incident.ID][]incident.Event, len(incs))
	for _, inc := range incs {
		_, evs, err := a.store.Timeline(ctx, inc.ID)
		if err != nil {
			return report.Digest{}, err
		}
		events[inc.ID] = evs
	}
	var d report.Digest
	a.withNames(func(n report.Names) {
		d = report.BuildDigest(incs, events, end, loc, report.DigestOptions{Names: n, Dashboard: a.cfg.PublicURL})
	})
	return d, nil
}

// wireDigest schedules the weekly digest to TOCSIN_DIGEST_CHANNEL. When it
// is due, the digest is built from the store and handed to the engine as
// outbox effects that bot performs (paced, retried, posted once); the
// engine keys them by the scheduled time, so a crash before the schedule
// records its last run enqueues nothing twice. A run missed while down is
// sent once on start.
func (a *App) wireDigest() error {
	if a.cfg.DigestChannel == "" {
		return nil
	}
	sched, err := report.NewSchedule(a.cfg.DigestSchedule, a.cfg.Timezone)
	if err != nil {
		return fmt.Errorf("TOCSIN_DIGEST_SCHEDULE %q: %w", a.cfg.DigestSchedule, err)
	}
	s := &report.Scheduler{Schedule: sched, Last: lastRun{a}, Now: a.now, Logger: a.log.With("component", "digest"),
		Send: func(ctx context.Context, due time.Time) error {
			return a.enqueueDigest(ctx, due, sched.Location())
		}}
	a.once("digest", s.Run)
	return nil
}

// enqueueDigest builds the digest for the week ending at due and hands it
// to the engine.
func (a *App) enqueueDigest(ctx context.Context, due time.Time, loc *time.Location) error {
	d, err := a.buildDigest(ctx, due, loc)
	if err != nil {
		return err
	}
	png, err := d.TrendPNG()
	if err != nil {
		a.log.Warn("draw digest trend chart", "err", err) // the digest goes out without it
	}
	return a.engine.Digest(ctx, dispatch.DigestPost{Due: due, Channel: a.cfg.DigestChannel, Text: d.Markdown(), Chart: png})
}
