package app

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

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
	return report.BuildDigest(incs, events, end, loc), nil
}

// wireDigest schedules the weekly digest to TOCSIN_DIGEST_CHANNEL. The last
// run is recorded after the digest was posted: a crash between the two
// sends it again (at least once), a restart never skips or repeats a
// recorded one, and a run missed while down is sent once on start.
func (a *App) wireDigest(client *slack.Client) error {
	if a.cfg.DigestChannel == "" {
		return nil
	}
	sched, err := report.NewSchedule(a.cfg.DigestSchedule, a.cfg.Timezone)
	if err != nil {
		return fmt.Errorf("TOCSIN_DIGEST_SCHEDULE %q: %w", a.cfg.DigestSchedule, err)
	}
	s := &report.Scheduler{Schedule: sched, Last: lastRun{a}, Now: a.now, Logger: a.log.With("component", "digest"),
		Send: func(ctx context.Context, due time.Time) error {
			return a.sendDigest(ctx, client, due, sched.Location())
		}}
	a.background = append(a.background, background{"digest", s.Run})
	return nil
}

// sendDigest posts the digest text and its trend chart.
func (a *App) sendDigest(ctx context.Context, client *slack.Client, due time.Time, loc *time.Location) error {
	d, err := a.buildDigest(ctx, due, loc)
	if err != nil {
		return err
	}
	if _, _, err := client.PostMessageContext(ctx, a.cfg.DigestChannel, slack.MsgOptionText(d.Markdown(), false)); err != nil {
		return fmt.Errorf("post digest: %w", err)
	}
	png, err := d.TrendPNG()
	if err != nil {
		a.log.Warn("draw digest trend chart", "err", err)
		return nil
	}
	_, err = client.UploadFileContext(ctx, slack.UploadFileParameters{Channel: a.cfg.DigestChannel,
		Filename: "tocsin-trend.png", Title: "Eight-week trend", Reader: bytes.NewReader(png), FileSize: len(png)})
	if err != nil {
		a.log.Warn("upload digest trend chart", "err", err) // the digest itself was posted
	}
	return nil
}
