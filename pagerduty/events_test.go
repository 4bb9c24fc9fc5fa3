package pagerduty_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pagerduty"
	"github.com/tocsin-dev/tocsin/sim"
)

const key = "R0UTINGKEY0123456789ABCDEFGHIJKL"

func testIncident() incident.Incident {
	at := time.Date(2024, 5, 1, 14, 5, 0, 0, time.UTC)
	return incident.Incident{ID: 42, Title: "checkout 5xx", Severity: incident.SEV1, Status: incident.StatusDetected,
		Service: "checkout-api", Playbook: "alb-5xx", Channel: incident.Channel{ID: "C0INC42", Name: "inc-42-checkout-5xx"},
		Alarms:     []incident.LinkedAlarm{{Name: "checkout-5xx", ARN: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx", State: incident.StateAlarm, ChangedAt: at}},
		Timestamps: incident.Timestamps{DetectedAt: at}}
}

// TestClient_Trigger: the trigger PagerDuty receives carries the payload
// tocsin promises, and acknowledge and resolve reach the same alert.
func TestClient_Trigger(t *testing.T) {
	pd := sim.NewPagerDuty(nil, "")
	defer pd.Close()
	c := &pagerduty.Client{URL: pd.EventsURL(), DashboardURL: "https://tocsin.example.com"}
	ctx := context.Background()
	if err := c.Trigger(ctx, key, "tocsin-INC-42-1714572300", "INC-42 SEV1: checkout 5xx", testIncident()); err != nil {
		t.Fatal(err)
	}
	incs := pd.Incidents()
	if len(incs) != 1 {
		t.Fatalf("%d PagerDuty incidents", len(incs))
	}
	got := incs[0]
	if got.Severity != "critical" || got.Source != "checkout-api" || got.Component != "checkout-api" || got.Group != "alb-5xx" ||
		got.Summary != "INC-42 SEV1: checkout 5xx" || got.DedupKey != "tocsin-INC-42-1714572300" {
		t.Errorf("alert = %+v", got)
	}
	alarms, _ := json.Marshal(got.Details["alarms"])
	if got.Details["incident"] != "INC-42" || !strings.Contains(string(alarms), "checkout-5xx") {
		t.Errorf("custom_details = %v", got.Details)
	}
	links, _ := json.Marshal(got.Links)
	for _, want := range []string{"https://slack.com/app_redirect?channel=C0INC42", "https://tocsin.example.com/incidents/42"} {
		if !strings.Contains(string(links), want) {
			t.Errorf("links %s lack %s", links, want)
		}
	}
	for _, action := range []string{"acknowledge", "resolve"} {
		if err := c.Send(ctx, key, "tocsin-INC-42-1714572300", action); err != nil {
			t.Fatal(err)
		}
	}
	if got := pd.Incidents()[0]; got.Status != "resolved" || len(pd.Incidents()) != 1 {
		t.Errorf("after acknowledge and resolve: %+v", pd.Incidents())
	}
}

func TestSeverity(t *testing.T) {
	for sev, want := range map[incident.Severity]string{incident.SEV1: "critical", incident.SEV2: "error", incident.SEV3: "warning", incident.SEV4: "info"} {
		if got := pagerduty.Severity(sev); got != want {
			t.Errorf("Severity(%s) = %s, want %s", sev, got, want)
		}
	}
}

// TestClient_Errors: a 400 is permanent and says what PagerDuty said, a
// 429 asks to wait, a 5xx is transient; none shows the routing key.
func TestClient_Errors(t *testing.T) {
	pd := sim.NewPagerDuty(nil, "")
	defer pd.Close()
	c := &pagerduty.Client{URL: pd.EventsURL()}
	ctx := context.Background()
	short := "SECRET-SHORT-KEY"
	err := c.Trigger(ctx, short, "k", "s", testIncident())
	var pe *pagerduty.Error
	if !errors.As(err, &pe) || !pe.Permanent() || pe.RetryAfter() != 0 || !strings.Contains(err.Error(), "wrong length") {
		t.Errorf("short key: %v, want a permanent 400 naming the problem", err)
	}
	if strings.Contains(err.Error(), short) {
		t.Errorf("the error shows the routing key: %v", err)
	}
	pd.Throttle(1)
	err = c.Trigger(ctx, key, "k", "s", testIncident())
	if !errors.As(err, &pe) || pe.Permanent() || pe.RetryAfter() != 30*time.Second {
		t.Errorf("throttled: %v, want a 429 to retry after 30s", err)
	}
	down := &pagerduty.Client{URL: pd.URL() + "/nowhere"}
	err = down.Send(ctx, key, "k", "acknowledge")
	if !errors.As(err, &pe) || !pe.Permanent() {
		t.Errorf("a 404: %v, want permanent", err)
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer bad.Close()
	err = (&pagerduty.Client{URL: bad.URL}).Send(ctx, key, "k", "resolve")
	if !errors.As(err, &pe) || pe.Permanent() || pe.RetryAfter() != 0 {
		t.Errorf("a 502: %v, want transient (the outbox retries it with its backoff)", err)
	}
	gone := &pagerduty.Client{URL: "http://127.0.0.1:1/v2/enqueue"}
	if err := gone.Send(ctx, key, "k", "acknowledge"); err == nil || errors.As(err, &pe) || strings.Contains(err.Error(), key) {
		t.Errorf("unreachable: %v, want a transient error without the key", err)
	}
}

func TestUsers_Email(t *testing.T) {
	pd := sim.NewPagerDuty(nil, "rest-token")
	defer pd.Close()
	pd.AddUser(sim.PagerDutyUser{ID: "PXPGF42", Name: "Earline Greenholt", Email: "earline@example.com"})
	ctx := context.Background()
	if got, err := (&pagerduty.Users{REST: pagerduty.REST{URL: pd.URL(), Token: "rest-token"}}).Email(ctx, "PXPGF42"); err != nil || got != "earline@example.com" {
		t.Errorf("Email = %q, %v", got, err)
	}
	for name, u := range map[string]*pagerduty.Users{"wrong token": {REST: pagerduty.REST{URL: pd.URL(), Token: "nope"}}, "no token": {REST: pagerduty.REST{URL: pd.URL()}}} {
		if _, err := u.Email(ctx, "PXPGF42"); err == nil || strings.Contains(err.Error(), "rest-token") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := (&pagerduty.Users{REST: pagerduty.REST{URL: pd.URL(), Token: "rest-token"}}).Email(ctx, "../../v2/enqueue"); err == nil {
		t.Error("an id that is not an id reached another path")
	}
}
