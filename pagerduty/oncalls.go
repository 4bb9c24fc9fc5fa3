package pagerduty

import (
	"context"
	"net/url"
	"slices"
	"time"
)

// OnCall is one on-call entry of a schedule: who, from when to when, at
// which escalation level.
type OnCall struct {
	UserID, Name, Email string
	Start, End          time.Time
	Level               int
}

// Schedules reads who is on call in schedules from the REST API (GET
// /oncalls).
type Schedules struct {
	REST
}

// OnCalls returns the on-call entries of a schedule that overlap since
// until, at its first escalation level only (a schedule an escalation
// policy names at several levels is listed once per level), oldest first,
// with each user's name and e-mail (include[]=users).
func (s *Schedules) OnCalls(ctx context.Context, scheduleID string, since, until time.Time) ([]OnCall, error) {
	q := url.Values{"schedule_ids[]": {scheduleID}, "include[]": {"users"},
		"since": {since.UTC().Format(time.RFC3339)}, "until": {until.UTC().Format(time.RFC3339)}}
	var out struct {
		OnCalls []struct {
			User struct {
				ID    string `json:"id"`
				Name  string `json:"name"`
				Sum   string `json:"summary"`
				Email string `json:"email"`
			} `json:"user"`
			Level int        `json:"escalation_level"`
			Start *time.Time `json:"start"`
			End   *time.Time `json:"end"`
		} `json:"oncalls"`
	}
	if err := s.get(ctx, "read PagerDuty schedule "+scheduleID, "/oncalls", q, &out); err != nil {
		return nil, err
	}
	var list []OnCall
	lowest := 0
	for _, o := range out.OnCalls {
		if lowest == 0 || o.Level < lowest {
			lowest = o.Level
		}
	}
	for _, o := range out.OnCalls {
		if o.Level != lowest {
			continue
		}
		e := OnCall{UserID: o.User.ID, Name: o.User.Name, Email: o.User.Email, Level: o.Level}
		if e.Name == "" {
			e.Name = o.User.Sum
		}
		if o.Start != nil { // null: on call since ever
			e.Start = *o.Start
		}
		if o.End != nil { // null: never goes off call
			e.End = *o.End
		}
		list = append(list, e)
	}
	slices.SortStableFunc(list, func(a, b OnCall) int { return a.Start.Compare(b.Start) })
	return list, nil
}
