package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// manyIncidents is a Source of n incidents already in memory: what the
// web layer costs on its own, without the store's read.
type manyIncidents []incident.Incident

func (m manyIncidents) Incidents(_ context.Context, openOnly bool) ([]incident.Incident, error) {
	if !openOnly {
		return m, nil
	}
	var out []incident.Incident
	for _, inc := range m {
		if inc.Open() {
			out = append(out, inc)
		}
	}
	return out, nil
}

func (m manyIncidents) Timeline(context.Context, incident.ID) (incident.Incident, []incident.Event, error) {
	return incident.Incident{}, nil, incident.ErrNotFound
}

// history makes n incidents over the last n×5 minutes on 20 services, one
// in 200 still open, most with a linked alarm and a commander.
func history(n int) manyIncidents {
	incs := make(manyIncidents, n)
	sevs := []incident.Severity{incident.SEV1, incident.SEV2, incident.SEV3, incident.SEV3, incident.SEV4}
	for i := range incs {
		start := testNow.Add(-time.Duration(n-i) * 5 * time.Minute)
		inc := incident.Incident{ID: incident.ID(i + 1), Title: fmt.Sprintf("service-%d error rate above 5%%", i%20),
			Severity: sevs[i%len(sevs)], Status: incident.StatusResolved, Service: fmt.Sprintf("service-%d", i%20),
			Source: "alarm", Roles: map[incident.Role]string{incident.RoleCommander: fmt.Sprintf("U%07d", i%300)},
			Alarms:     []incident.LinkedAlarm{{Name: fmt.Sprintf("service-%d-5xx", i%20), ARN: "arn", State: incident.StateOK}},
			Timestamps: incident.Timestamps{StartedAt: start, DetectedAt: start.Add(time.Minute), ResolvedAt: start.Add(time.Hour)}}
		if i%200 == 0 {
			inc.Status, inc.ResolvedAt = incident.StatusAcknowledged, time.Time{}
		}
		incs[i] = inc
	}
	return incs
}

// BenchmarkList100k renders the incident list and answers the API over
// 100,000 incidents: the first page, a search with every filter, a deep
// page, and the API's filtered page.
func BenchmarkList100k(b *testing.B) {
	src := history(100_000)
	mux := http.NewServeMux()
	Routes(mux, Config{Token: testToken, Source: src, Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler)})
	for name, target := range map[string]string{
		"first-page": "/",
		"search":     "/?q=error+service-7&severity=sev3&status=resolved&since=2025-02-01&until=2025-03-01",
		"page-900":   "/?page=900",
		"api":        "/api/incidents?service=service-3&since=90d&page=2&per_page=50",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequest("GET", target, nil)
				r.Header.Set("Authorization", "Bearer "+testToken)
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", target, rec.Code, rec.Body.String())
				}
			}
		})
	}
}
