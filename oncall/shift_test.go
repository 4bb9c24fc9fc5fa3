package oncall

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// newRotation builds a rotation the way Load would from its fields.
func newRotation(t *testing.T, length, handoff, zone, start string, members ...string) *Rotation {
	t.Helper()
	l, ok := parseLength(length)
	if !ok {
		t.Fatalf("length %q", length)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	var h, m int
	if _, err := time.Parse("15:04", handoff); err != nil {
		t.Fatal(err)
	}
	h, m = int(handoff[0]-'0')*10+int(handoff[1]-'0'), int(handoff[3]-'0')*10+int(handoff[4]-'0')
	s, err := time.Parse(time.DateOnly, start)
	if err != nil {
		t.Fatal(err)
	}
	r := &Rotation{Name: "r", Length: l, Hour: h, Minute: m, Location: loc, Start: s}
	for _, id := range members {
		r.Members = append(r.Members, Member{Slack: id})
	}
	return r
}

// local reads "2006-01-02T15:04" on zone's wall clock.
func local(t *testing.T, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// utc reads "2006-01-02T15:04" in UTC.
func utc(t *testing.T, s string) time.Time { return local(t, "UTC", s) }

const (
	newYork = "America/New_York" // DST 2026-03-08 02:00 EST -> 03:00 EDT, 2026-11-01 02:00 EDT -> 01:00 EST
	berlin  = "Europe/Berlin"    // DST 2026-03-29 02:00 CET -> 03:00 CEST, 2026-10-25 03:00 CEST -> 02:00 CET
)

// nowCase is a question to Rotation.Now and its answer.
type nowCase struct {
	name      string
	r         *Rotation
	at        time.Time
	who       string
	until     time.Time
	untilWall string // the hand-off on the rotation's wall clock ("": not checked)
	override  bool
}

func TestRotation_Now(t *testing.T) {
	daily := newRotation(t, "daily", "09:00", newYork, "2026-03-05", "UA", "UB", "UC")
	fall := newRotation(t, "daily", "09:00", newYork, "2026-10-30", "UA", "UB", "UC")
	weekly := newRotation(t, "weekly", "10:00", berlin, "2026-03-23", "UA", "UB")
	autumn := newRotation(t, "weekly", "10:00", berlin, "2026-10-19", "UA", "UB")
	twelve := newRotation(t, "12h", "08:00", newYork, "2026-03-07", "UA", "UB")
	early := newRotation(t, "daily", "02:30", newYork, "2026-03-07", "UA", "UB")
	repeat := newRotation(t, "daily", "01:30", newYork, "2026-10-30", "UA", "UB")
	tests := []nowCase{
		// Daily, spring forward: C's shift from 03-07 09:00 EST to 03-08
		// 09:00 EDT is 23 hours; the hand-off stays at 09:00 local.
		{"daily/before spring change", daily, local(t, newYork, "2026-03-07T09:00"), "UC", utc(t, "2026-03-08T13:00"), "2026-03-08 09:00 EDT", false},
		{"daily/on the change night", daily, local(t, newYork, "2026-03-08T03:30"), "UC", utc(t, "2026-03-08T13:00"), "2026-03-08 09:00 EDT", false},
		{"daily/a minute before", daily, local(t, newYork, "2026-03-08T08:59"), "UC", utc(t, "2026-03-08T13:00"), "2026-03-08 09:00 EDT", false},
		{"daily/at the hand-off", daily, local(t, newYork, "2026-03-08T09:00"), "UA", utc(t, "2026-03-09T13:00"), "2026-03-09 09:00 EDT", false},
		{"daily/the start", daily, local(t, newYork, "2026-03-05T09:00"), "UA", utc(t, "2026-03-06T14:00"), "2026-03-06 09:00 EST", false},
		{"daily/before the start date", daily, local(t, newYork, "2026-03-05T08:59"), "UC", utc(t, "2026-03-05T14:00"), "2026-03-05 09:00 EST", false},
		{"daily/long before the start", daily, local(t, newYork, "2026-02-01T12:00"), "UB", utc(t, "2026-02-02T14:00"), "2026-02-02 09:00 EST", false},
		// Daily, fall back: the shift from 10-31 09:00 EDT to 11-01 09:00
		// EST is 25 hours.
		{"daily/fall back", fall, local(t, newYork, "2026-11-01T01:30"), "UB", utc(t, "2026-11-01T14:00"), "2026-11-01 09:00 EST", false},
		{"daily/after fall back", fall, local(t, newYork, "2026-11-01T09:00"), "UC", utc(t, "2026-11-02T14:00"), "2026-11-02 09:00 EST", false},
		// Weekly in Berlin across both changes: Monday 10:00 local.
		{"weekly/spring", weekly, local(t, berlin, "2026-03-30T09:59"), "UA", utc(t, "2026-03-30T08:00"), "2026-03-30 10:00 CEST", false},
		{"weekly/after spring", weekly, local(t, berlin, "2026-03-30T10:00"), "UB", utc(t, "2026-04-06T08:00"), "2026-04-06 10:00 CEST", false},
		{"weekly/autumn", autumn, local(t, berlin, "2026-10-25T12:00"), "UA", utc(t, "2026-10-26T09:00"), "2026-10-26 10:00 CET", false},
		// 12h: absolute hours from 03-07 08:00 EST (13:00 UTC); after the
		// change the local hand-off times are 09:00 and 21:00 EDT.
		{"12h/before", twelve, local(t, newYork, "2026-03-07T19:00"), "UA", utc(t, "2026-03-08T01:00"), "2026-03-07 20:00 EST", false},
		{"12h/across the change", twelve, local(t, newYork, "2026-03-08T04:00"), "UB", utc(t, "2026-03-08T13:00"), "2026-03-08 09:00 EDT", false},
		{"12h/after", twelve, local(t, newYork, "2026-03-08T09:00"), "UA", utc(t, "2026-03-09T01:00"), "2026-03-08 21:00 EDT", false},
		// 02:30 does not exist on 2026-03-08 in New York: the hand-off is
		// at 03:30 EDT (07:30 UTC), and the next day's at 02:30 EDT again.
		{"daily/skipped hand-off time", early, local(t, newYork, "2026-03-08T01:00"), "UA", utc(t, "2026-03-08T07:30"), "2026-03-08 03:30 EDT", false},
		{"daily/after the skipped time", early, local(t, newYork, "2026-03-08T04:00"), "UB", utc(t, "2026-03-09T06:30"), "2026-03-09 02:30 EDT", false},
		// 01:30 happens twice on 2026-11-01: the hand-off is the first
		// (EDT, 05:30 UTC).
		{"daily/repeated hand-off time", repeat, utc(t, "2026-11-01T04:00"), "UB", utc(t, "2026-11-01T05:30"), "2026-11-01 01:30 EDT", false},
		{"daily/after the repeated time", repeat, utc(t, "2026-11-01T05:30"), "UA", utc(t, "2026-11-02T06:30"), "2026-11-02 01:30 EST", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.r.Now(tt.at)
			if got.Who != tt.who || !got.Until.Equal(tt.until) {
				t.Errorf("Now(%s) = %s until %s, want %s until %s", tt.at, got.Who, got.Until.UTC(), tt.who, tt.until)
			}
			if wall := got.Until.In(tt.r.Location).Format("2006-01-02 15:04 MST"); wall != tt.untilWall {
				t.Errorf("hand-off on the wall clock = %s, want %s", wall, tt.untilWall)
			}
		})
	}
}

func TestRotation_Next(t *testing.T) {
	r := newRotation(t, "daily", "09:00", newYork, "2026-03-05", "UA", "UB", "UC")
	got, ok := r.Next(local(t, newYork, "2026-03-08T08:00"))
	want := Shift{Who: "UA", From: utc(t, "2026-03-08T13:00"), Until: utc(t, "2026-03-09T13:00")}
	if !ok || !got.From.Equal(want.From) || !got.Until.Equal(want.Until) || got.Who != want.Who {
		t.Errorf("Next = %+v, %v; want %+v", got, ok, want)
	}
	if want := 23 * time.Hour; got.From.Sub(local(t, newYork, "2026-03-07T09:00")) != want {
		t.Errorf("the shift across the spring change is %s, want %s", got.From.Sub(local(t, newYork, "2026-03-07T09:00")), want)
	}

	t.Run("one member", func(t *testing.T) {
		solo := newRotation(t, "weekly", "09:00", berlin, "2026-01-05", "UA")
		if s := solo.Now(utc(t, "2026-06-01T00:00")); s.Who != "UA" || !s.Until.IsZero() {
			t.Errorf("Now = %+v, want UA forever", s)
		}
		if s, ok := solo.Next(utc(t, "2026-06-01T00:00")); ok {
			t.Errorf("Next = %+v, want none", s)
		}
	})
}

func TestRotation_Overrides(t *testing.T) {
	base := newRotation(t, "daily", "09:00", newYork, "2026-03-05", "UA", "UB", "UC")
	at := func(s string) time.Time { return local(t, newYork, s) }
	file := []Override{
		{Rotation: "r", Who: "UZ", From: at("2026-03-06T12:00"), To: at("2026-03-06T18:00")},
		// UB covers the end of UA's shift, then has their own: one shift.
		{Rotation: "r", Who: "UB", From: at("2026-03-05T12:00"), To: at("2026-03-06T09:00")},
	}
	r := *base
	r.Overrides = file
	chat := []Override{
		{Rotation: "r", Who: "UY", From: at("2026-03-06T15:00"), To: at("2026-03-06T16:00"), By: "UA"},
		{Rotation: "other", Who: "UX", From: at("2026-03-06T00:00"), To: at("2026-03-07T00:00"), By: "UA"},
	}
	withChat := r.With(chat)
	tests := []nowCase{
		{"before the override", &r, at("2026-03-06T11:00"), "UB", at("2026-03-06T12:00"), "", false},
		{"override", &r, at("2026-03-06T12:30"), "UZ", at("2026-03-06T18:00"), "", true},
		{"after the override", &r, at("2026-03-06T18:00"), "UB", at("2026-03-07T09:00"), "", false},
		{"override into own shift merges", &r, at("2026-03-05T13:00"), "UB", at("2026-03-06T12:00"), "", true},
		{"file override before the chat one", withChat, at("2026-03-06T14:00"), "UZ", at("2026-03-06T15:00"), "", true},
		{"chat override wins", withChat, at("2026-03-06T15:30"), "UY", at("2026-03-06T16:00"), "", true},
		{"file override after the chat one", withChat, at("2026-03-06T16:00"), "UZ", at("2026-03-06T18:00"), "", true},
		{"another rotation's override is ignored", withChat, at("2026-03-06T10:00"), "UB", at("2026-03-06T12:00"), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.r.Now(tt.at)
			want := Shift{Who: tt.who, Until: tt.until, Override: tt.override}
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("Now(%s) (-want +got):\n%s", tt.at, diff)
			}
		})
	}
}

func TestRotation_Handoff(t *testing.T) {
	r := newRotation(t, "daily", "09:00", newYork, "2026-03-05", "UA", "UB")
	tests := []struct {
		at       time.Time
		from, to string
		ok       bool
	}{
		{local(t, newYork, "2026-03-08T09:00"), "UA", "UB", true}, // 03-05 UA, 06 UB, 07 UA, 08 UB
		{local(t, newYork, "2026-03-08T09:01"), "UB", "UB", false},
		{local(t, newYork, "2026-11-01T09:00"), "UA", "UB", true},
	}
	for _, tt := range tests {
		from, to, ok := r.Handoff(tt.at)
		if from != tt.from || to != tt.to || ok != tt.ok {
			t.Errorf("Handoff(%s) = %s, %s, %v; want %s, %s, %v", tt.at, from, to, ok, tt.from, tt.to, tt.ok)
		}
	}
}
