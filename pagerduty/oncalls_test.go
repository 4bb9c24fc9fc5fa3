package pagerduty_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/pagerduty"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSchedules_OnCalls reads the entries of PagerDuty's documented example
// (Tim Wright on "Daily Engineering Rotation" PI7DH85) from the stand-in:
// those overlapping the window, at the first escalation level, oldest
// first, with names and e-mails.
func TestSchedules_OnCalls(t *testing.T) {
	pd := sim.NewPagerDuty(nil, "rest-token")
	t.Cleanup(pd.Close)
	pd.AddUser(sim.PagerDutyUser{ID: "PT23IWX", Name: "Tim Wright", Email: "tim@example.com"})
	pd.AddUser(sim.PagerDutyUser{ID: "PXPGF42", Name: "Earline Greenholt", Email: "earline@example.com"})
	ny, _ := time.LoadLocation("America/New_York")
	day := func(d int) time.Time { return time.Date(2015, 3, d, 15, 28, 51, 0, ny) }
	pd.SetOnCalls("PI7DH85", []sim.PagerDutyOnCall{
		{UserID: "PXPGF42", Start: day(7), End: day(8)},
		{UserID: "PT23IWX", Start: day(6), End: day(7)},
		{UserID: "PT23IWX", Start: day(6), End: day(7), Level: 2},
		{UserID: "PT23IWX", Start: day(9), End: day(10)},
	})
	s := &pagerduty.Schedules{REST: pagerduty.REST{URL: pd.URL(), Token: "rest-token"}}
	got, err := s.OnCalls(context.Background(), "PI7DH85", day(6).Add(time.Hour), day(8))
	if err != nil {
		t.Fatal(err)
	}
	want := []pagerduty.OnCall{
		{UserID: "PT23IWX", Name: "Tim Wright", Email: "tim@example.com", Start: day(6), End: day(7), Level: 1},
		{UserID: "PXPGF42", Name: "Earline Greenholt", Email: "earline@example.com", Start: day(7), End: day(8), Level: 1},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("on-calls (-want +got):\n%s", diff)
	}

	t.Run("wrong token", func(t *testing.T) {
		bad := &pagerduty.Schedules{REST: pagerduty.REST{URL: pd.URL(), Token: "not-the-token"}}
		_, err := bad.OnCalls(context.Background(), "PI7DH85", day(6), day(8))
		if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "not-the-token") {
			t.Errorf("error = %v; want the 401, without the token", err)
		}
	})
}
