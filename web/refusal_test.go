package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// counted returns tocsin_web_auth_failures_total{reason}.
func (r *authRig) counted(tb testing.TB) map[string]float64 {
	tb.Helper()
	families, err := r.reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	got := map[string]float64{}
	for _, fam := range families {
		if fam.GetName() != "tocsin_web_auth_failures_total" {
			continue
		}
		for _, m := range fam.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	return got
}

// TestAuth_Metrics: every refusal is counted by reason, from zero; a
// success is not.
func TestAuth_Metrics(t *testing.T) {
	r := newAuthRig(t)
	want := map[string]float64{"no_token": 0, "bad_token": 0, "bad_session": 0, "rate_limited": 0}
	if diff := cmp.Diff(want, r.counted(t)); diff != "" {
		t.Errorf("before any request (-want +got):\n%s", diff)
	}
	serve(t, r.mux, bearerRequest("/api/incidents", testToken))
	mustSignIn(t, r.mux)
	serve(t, r.mux, httptest.NewRequest("GET", "/api/incidents", nil))
	serve(t, r.mux, httptest.NewRequest("GET", "/", nil))
	serve(t, r.mux, cookieRequest("/", "forged"))
	for range maxFailures {
		serve(t, r.mux, bearerRequest("/api/incidents", "guess"))
	}
	serve(t, r.mux, loginRequest("/login", "guess"))
	serve(t, r.mux, bearerRequest("/api/incidents", testToken))
	want = map[string]float64{"no_token": 2, "bad_token": maxFailures, "bad_session": 1, "rate_limited": 2}
	if diff := cmp.Diff(want, r.counted(t)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	t.Run("SecondRoutesSharesCounter", func(t *testing.T) {
		mux := http.NewServeMux()
		Routes(mux, Config{Token: testToken, Source: seededSource(t), Registerer: r.reg})
		serve(t, mux, bearerRequest("/api/incidents", "guess"))
		if got := r.counted(t)["bad_token"]; got != maxFailures+1 {
			t.Errorf("bad_token = %v, want %v", got, maxFailures+1)
		}
	})
}

// TestAuth_Log: refusals are logged with the client's address and the
// route, never the token, the guess or the cookie, and at most one line
// per second per client; the next line says how many were not logged.
func TestAuth_Log(t *testing.T) {
	r := newAuthRig(t)
	id := mustSignIn(t, r.mux)
	serve(t, r.mux, from(clientB, httptest.NewRequest("GET", "/", nil)))
	for i := range 20 { // 20 refusals in 950 ms: one line
		r.now = testNow.Add(time.Duration(i) * 50 * time.Millisecond)
		serve(t, r.mux, bearerRequest("/api/incidents?token="+testToken, "guess-"+testToken))
		serve(t, r.mux, loginRequest("/login", "guess-"+testToken))
		serve(t, r.mux, cookieRequest("/", id+"x"))
	}
	r.now = testNow.Add(time.Second)
	serve(t, r.mux, cookieRequest("/", "forged"))
	logs := r.logs.String()
	for _, secret := range []string{testToken, "guess", id} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs)
		}
	}
	var lines []string
	for l := range strings.Lines(logs) {
		lines = append(lines, l)
	}
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3 (B once, A once, A a second later):\n%s", len(lines), logs)
	}
	for i, want := range []string{
		`level=INFO msg="request refused" client=198.51.100.7 reason=no_token route="GET /{$}" unlogged_before=0`,
		`level=WARN msg="request refused" client=192.0.2.1 reason=bad_token route="GET /api/incidents" unlogged_before=0`,
		`level=INFO msg="request refused" client=192.0.2.1 reason=bad_session route="GET /{$}" unlogged_before=59`,
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d:\n%s\nwant it to contain\n%s", i+1, lines[i], want)
		}
	}
}
