package report

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/tocsin-dev/tocsin/incident"
)

// Schedule says when the weekly digest is due: a standard five-field cron
// spec ("0 9 * * MON") read in an IANA time zone, so 09:00 stays 09:00
// local across daylight saving changes.
type Schedule struct {
	spec  string
	loc   *time.Location
	sched cron.Schedule
}

// NewSchedule parses spec with the standard cron parser (five fields, or a
// descriptor such as "@weekly") in the zone tz ("" means UTC). The zone is
// given only by tz: a spec with its own TZ= or CRON_TZ= prefix is refused.
func NewSchedule(spec, tz string) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return Schedule{}, fmt.Errorf("%w: digest schedule %q: give the time zone separately, not in the spec", incident.ErrInvalid, spec)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return Schedule{}, fmt.Errorf("%w: time zone %q: %v", incident.ErrInvalid, tz, err)
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("%w: digest schedule %q: %v", incident.ErrInvalid, spec, err)
	}
	return Schedule{spec: spec, loc: loc, sched: sched}, nil
}

// String returns the spec and the zone.
func (s Schedule) String() string {
	if s.loc == nil {
		return s.spec
	}
	return s.spec + " (" + s.loc.String() + ")"
}

// Location is the schedule's time zone.
func (s Schedule) Location() *time.Location {
	if s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// Next returns the first scheduled time after t, in the schedule's zone, or
// the zero time when there is none (or the Schedule is the zero value).
func (s Schedule) Next(t time.Time) time.Time {
	if s.sched == nil {
		return time.Time{}
	}
	return s.sched.Next(t.In(s.Location()))
}

// Due returns the most recent scheduled time in (lastRun, now]: the one
// digest owed. However many scheduled times passed while tocsin was down,
// only the latest is due, so a restart sends one catch-up digest, never a
// burst. A zero lastRun means the digest never ran: nothing is owed yet, and
// the first digest goes out at the first scheduled time after start (see
// Scheduler.Run), rather than one for every week in history.
func (s Schedule) Due(lastRun, now time.Time) (due time.Time, ok bool) {
	if lastRun.IsZero() || !now.After(lastRun) {
		return time.Time{}, false
	}
	t := s.Next(lastRun)
	if t.IsZero() || t.After(now) {
		return time.Time{}, false
	}
	for {
		n := s.Next(t)
		if n.IsZero() || n.After(now) {
			return t, true
		}
		t = n
	}
}

// LastRunStore keeps the scheduled time of the last digest sent, so that a
// restart neither repeats it nor forgets one that was missed.
type LastRunStore interface {
	LastRun(ctx context.Context) (time.Time, error)
	SetLastRun(ctx context.Context, t time.Time) error
}

// Retry delays after a failed send or store call: doubling from retryMin up
// to retryMax.
const (
	retryMin = 30 * time.Second
	retryMax = 30 * time.Minute
)

// Scheduler sends the digest on its Schedule. Send is called with the
// scheduled time it is for; the last run is recorded only after Send
// succeeds, and a failed Send is retried with backoff (if the next scheduled
// time passes meanwhile, the newer digest is sent instead, once).
type Scheduler struct {
	Schedule
	Last   LastRunStore
	Send   func(ctx context.Context, due time.Time) error
	Now    func() time.Time // time.Now when nil
	Logger *slog.Logger     // discards when nil
}

// Run sends digests until ctx is done, then returns nil. It sleeps on a
// time.Timer until the next scheduled time. On the first ever start (no last
// run stored) it counts from the moment it started, in memory only, so the
// store holds nothing but digests really sent. Run returns an error only if
// the schedule will never fire again.
func (s *Scheduler) Run(ctx context.Context) error {
	last, ok := s.loadLast(ctx)
	if !ok {
		return nil
	}
	if last.IsZero() {
		last = s.now()
	}
	backoff := retryMin
	for {
		now := s.now()
		due, isDue := s.Due(last, now)
		if !isDue {
			next := s.Next(now)
			if next.IsZero() {
				return fmt.Errorf("digest schedule %s never fires after %s", s.Schedule, now.Format(time.RFC3339))
			}
			if !sleep(ctx, next.Sub(now)) {
				return nil
			}
			continue
		}
		if err := s.Send(ctx, due); err != nil {
			s.logger().Error("send digest", "due", due, "retry_in", backoff, "err", err)
			if !sleep(ctx, backoff) {
				return nil
			}
			backoff = min(2*backoff, retryMax)
			continue
		}
		backoff, last = retryMin, due
		if !s.saveLast(ctx, due) {
			return nil
		}
	}
}

// loadLast reads the last run, retrying until it succeeds or ctx is done.
func (s *Scheduler) loadLast(ctx context.Context) (time.Time, bool) {
	for backoff := retryMin; ; backoff = min(2*backoff, retryMax) {
		t, err := s.Last.LastRun(ctx)
		if err == nil {
			return t, true
		}
		s.logger().Error("read last digest run", "retry_in", backoff, "err", err)
		if !sleep(ctx, backoff) {
			return time.Time{}, false
		}
	}
}

// saveLast records a sent digest, retrying until it succeeds or ctx is done.
// The digest went out, so it is never sent again by this process meanwhile.
func (s *Scheduler) saveLast(ctx context.Context, due time.Time) bool {
	for backoff := retryMin; ; backoff = min(2*backoff, retryMax) {
		// The digest went out: record it even if shutdown has begun, or a
		// restart would send it again.
		err := s.Last.SetLastRun(context.WithoutCancel(ctx), due)
		if err == nil {
			return true
		}
		s.logger().Error("record last digest run", "due", due, "retry_in", backoff, "err", err)
		if !sleep(ctx, backoff) {
			return false
		}
	}
}

func (s *Scheduler) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// sleep waits for d or until ctx is done, and reports whether it was d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
