package web

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

// authRig is a dashboard with a clock the test moves, a metrics registry
// and a captured log.
type authRig struct {
	mux  *http.ServeMux
	auth *Auth
	now  time.Time
	reg  *prometheus.Registry
	logs *bytes.Buffer
}

func newAuthRig(tb testing.TB) *authRig {
	tb.Helper()
	r := &authRig{mux: http.NewServeMux(), now: testNow, reg: prometheus.NewRegistry(), logs: &bytes.Buffer{}}
	r.auth = Routes(r.mux, Config{
		Token: testToken, Source: seededSource(tb), Now: func() time.Time { return r.now },
		Logger:     slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer: r.reg,
	})
	return r
}

// The clients of these tests, as r.RemoteAddr.
const (
	clientA = "192.0.2.1:1234" // httptest's default
	clientB = "198.51.100.7:5555"
)

// from sets the request's client address.
func from(client string, r *http.Request) *http.Request {
	r.RemoteAddr = client
	return r
}

func bearerRequest(target, token string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func cookieRequest(target, id string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	r.AddCookie(&http.Cookie{Name: cookieName, Value: id})
	return r
}

// TestTokenMatches: submissions of every length, including the token's
// prefixes and extensions, are compared as fixed-size digests (the want
// side is a digest, so no comparison of raw lengths is possible) and only
// the token itself matches.
func TestTokenMatches(t *testing.T) {
	want := digestOf(testToken)
	for _, c := range []struct {
		name, submitted string
		ok              bool
	}{
		{"Same", testToken, true},
		{"Empty", "", false},
		{"Prefix", testToken[:len(testToken)-1], false},
		{"Extended", testToken + "x", false},
		{"LastByte", testToken[:len(testToken)-1] + "X", false},
		{"Long", strings.Repeat(testToken, 1000), false},
		{"Digest", string(want[:]), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := tokenMatches(c.submitted, want); got != c.ok {
				t.Errorf("tokenMatches(%d bytes) = %v, want %v", len(c.submitted), got, c.ok)
			}
		})
	}
	t.Run("EveryLength", func(t *testing.T) {
		for n := range 3 * len(testToken) {
			if tokenMatches(testToken[:min(n, len(testToken))]+strings.Repeat("s", max(0, n-len(testToken))), want) != (n == len(testToken)) {
				t.Errorf("a %d-byte submission sharing the token's prefix: wrong verdict", n)
			}
		}
	})
}
