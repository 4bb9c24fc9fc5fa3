package bot

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestHandlers_RefusedCountedAndSampled: every request whose signature
// does not verify is counted by reason, but a flood of them from one client
// logs one line a second (saying how many it held back), and another
// client still gets its line.
func TestHandlers_RefusedCountedAndSampled(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	h := NewHandlers(HandlerConfig{SigningSecret: testSecret, Doer: &fakeDoer{}, Registerer: reg,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }})
	post := func(remote string) {
		r := signed("/slack/commands", "application/x-www-form-urlencoded", slashBody("ack", ""), now)
		r.Header.Set(headerSignature, "v0="+strings.Repeat("0", 64)) // forged
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.Commands().ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("forged request: %d", w.Code)
		}
	}
	for range 100 {
		post("192.0.2.7:40000")
	}
	post("198.51.100.9:1234")
	if n := strings.Count(logs.String(), "refused Slack request"); n != 2 {
		t.Errorf("log lines for 101 refusals from two clients in one second = %d, want 2:\n%s", n, logs.String())
	}
	now = now.Add(time.Second)
	post("192.0.2.7:40001")
	if !strings.Contains(logs.String(), "unlogged_before=99") {
		t.Errorf("the next line does not say 99 were held back:\n%s", logs.String())
	}
	if got := refusedCount(t, reg, "bad_signature"); got != 102 {
		t.Errorf("tocsin_slack_requests_refused_total{reason=bad_signature} = %v, want 102", got)
	}
	if strings.Contains(logs.String(), testSecret) {
		t.Error("the log shows the signing secret")
	}
}

// refusedCount reads tocsin_slack_requests_refused_total{reason} from reg.
func refusedCount(t *testing.T, reg *prometheus.Registry, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "tocsin_slack_requests_refused_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no tocsin_slack_requests_refused_total{reason=%q}", reason)
	return 0
}
