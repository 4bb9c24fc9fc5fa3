package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestAuth_RateLimit: after maxFailures wrong tokens from one client, the
// next attempt, bearer or sign-in, right token or wrong, gets 429 with
// Retry-After until the window passes; another client and a signed-in
// session are unaffected; successes never count.
func TestAuth_RateLimit(t *testing.T) {
	for _, c := range []struct {
		name string
		try  func(token string) *http.Request
		want int // status of a wrong token before the limit
	}{
		{"Bearer", func(tok string) *http.Request { return bearerRequest("/api/incidents", tok) }, http.StatusUnauthorized},
		{"BearerOnDashboard", func(tok string) *http.Request { return bearerRequest("/", tok) }, http.StatusSeeOther},
		{"SignIn", func(tok string) *http.Request { return loginRequest("/login", tok) }, http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newAuthRig(t)
			id := mustSignIn(t, r.mux)
			for range 10 { // successes do not count
				serve(t, r.mux, c.try(testToken))
			}
			for i := range maxFailures {
				r.now = testNow.Add(time.Duration(i) * time.Second)
				if resp, _ := serve(t, r.mux, c.try("guess")); resp.StatusCode != c.want {
					t.Fatalf("failure %d: status %d, want %d", i+1, resp.StatusCode, c.want)
				}
			}
			r.now = testNow.Add(20 * time.Second)
			for _, tok := range []string{"guess", testToken} {
				resp, _ := serve(t, r.mux, c.try(tok))
				if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "40" {
					t.Errorf("limited, token %q: status %d, Retry-After %q; want 429, 40", tok, resp.StatusCode, resp.Header.Get("Retry-After"))
				}
			}
			if resp, _ := serve(t, r.mux, from(clientB, c.try(testToken))); resp.StatusCode == http.StatusTooManyRequests {
				t.Error("another client is limited too")
			}
			if resp, _ := serve(t, r.mux, from(clientB, c.try("guess"))); resp.StatusCode != c.want {
				t.Errorf("another client's wrong token: status %d, want %d", resp.StatusCode, c.want)
			}
			if resp, _ := serve(t, r.mux, cookieRequest("/", id)); resp.StatusCode != http.StatusOK {
				t.Errorf("a session from the limited client: status %d", resp.StatusCode)
			}
			r.now = testNow.Add(failureWindow - time.Millisecond)
			if resp, _ := serve(t, r.mux, c.try(testToken)); resp.Header.Get("Retry-After") != "1" {
				t.Errorf("just before the window ends: status %d, Retry-After %q, want 1", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			r.now = testNow.Add(failureWindow)
			if resp, _ := serve(t, r.mux, c.try(testToken)); resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == c.want {
				t.Errorf("after the window: status %d, want success", resp.StatusCode)
			}
			if resp, _ := serve(t, r.mux, c.try("guess")); resp.StatusCode != c.want {
				t.Errorf("a wrong token after the window: status %d, want %d (a new window)", resp.StatusCode, c.want)
			}
		})
	}
}

// TestAuth_ClientAddr: failures are counted by the connection's address
// (an IPv6 client by its /64); X-Forwarded-For counts only when trusted,
// and then only its last entry.
func TestAuth_ClientAddr(t *testing.T) {
	for _, c := range []struct {
		name, remote, xff string
		trust             bool
		addr, key         string
	}{
		{"IPv4", "192.0.2.1:1234", "", false, "192.0.2.1", "192.0.2.1"},
		{"IPv6", "[2001:db8:1:2:3:4:5:6]:443", "", false, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"IPv4InIPv6", "[::ffff:192.0.2.1]:1", "", false, "::ffff:192.0.2.1", "::ffff:192.0.2.1"},
		{"XFFIgnored", "192.0.2.1:1234", "203.0.113.9", false, "192.0.2.1", "192.0.2.1"},
		{"XFFTrusted", "10.0.0.1:1234", "203.0.113.66, 203.0.113.9", true, "203.0.113.9", "203.0.113.9"},
		{"XFFTrustedNotAnAddress", "10.0.0.1:1234", "junk", true, "10.0.0.1", "10.0.0.1"},
		{"NoPort", "192.0.2.1", "", false, "192.0.2.1", "192.0.2.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := &Auth{trustXFF: c.trust}
			r := from(c.remote, httptest.NewRequest("GET", "/", nil))
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			if addr, key := a.clientAddr(r), a.clientKey(r); addr != c.addr || key != c.key {
				t.Errorf("address %q, key %q; want %q, %q", addr, key, c.addr, c.key)
			}
		})
	}
}

// TestAuth_ClientsBounded: the table of clients stays within maxClients;
// the client seen longest ago goes first.
func TestAuth_ClientsBounded(t *testing.T) {
	r := newAuthRig(t)
	for i := range maxClients + 10 {
		r.now = r.now.Add(time.Millisecond)
		req := from(fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255), bearerRequest("/api/incidents", "guess"))
		serve(t, r.mux, req)
	}
	if n := len(r.auth.clients.m); n != maxClients {
		t.Errorf("%d clients remembered, want %d", n, maxClients)
	}
	if _, ok := r.auth.clients.m["10.0.0.0"]; ok {
		t.Error("the client seen longest ago is still remembered")
	}
}
